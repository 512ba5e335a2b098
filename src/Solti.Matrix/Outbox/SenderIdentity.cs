using System.Text;

namespace Solti.Matrix.Outbox;

/// <summary>Who an outbox entry belongs to, as the outbox records it: the session's user and device, and, while the
/// user is not known (a bare access token, the homeserver unreachable), a one-way fingerprint of the token.</summary>
public static class SenderIdentity
{
    /// <summary>SHA-256 of the token, hex: it identifies the token without revealing it.</summary>
    public static string Fingerprint(string accessToken) => Convert.ToHexStringLower(Crypto.Primitives.Sha256(Encoding.UTF8.GetBytes(accessToken)));

    /// <summary>The outbox item for an event <paramref name="client"/> sends: its homeserver, the user and device of its
    /// token (<see cref="Sessions.MatrixSession.Identity"/>: learned from the server, or from the credential cache's record
    /// of the same token, which a session that worked before keeps there), and the token's fingerprint when the user is not
    /// known.</summary>
    public static OutboxItem Item(MatrixClient client, string room, string eventType, JsonObject content, string transactionId) =>
        Item(client, null, room, eventType, content, transactionId);

    /// <summary>As <see cref="Item(MatrixClient, string, string, JsonObject, string)"/>, for <paramref name="userId"/> when
    /// given (a relay's named sender).</summary>
    public static OutboxItem Item(MatrixClient client, string? userId, string room, string eventType, JsonObject content, string transactionId)
    {
        var (own, device) = client.Session.Identity();
        userId ??= own;
        return new(client.Homeserver.ToString(), userId, room, eventType, content, transactionId)
        {
            DeviceId = userId == own ? device : null,
            TokenFingerprint = userId is null && client.Session.AccessToken is { Length: > 0 } token ? Fingerprint(token) : null,
        };
    }
}
