namespace Solti.Matrix.Mas;

/// <summary>Sessions: compatibility sessions (password logins: one per Matrix device), OAuth 2.0 sessions, and personal
/// sessions (personal access tokens, the way to give a bot a token on MAS).</summary>
public sealed partial class MasAdminClient
{
    /// <summary>The scope a bot's personal access token needs for the client-server API.</summary>
    public const string ClientApiScope = "urn:matrix:client:api:*";

    /// <summary>The scope prefix that binds a token to a Matrix device.</summary>
    public const string DeviceScopePrefix = "urn:matrix:client:device:";

    /// <summary>The active compatibility sessions of the MAS user <paramref name="userId"/>.</summary>
    public Task<IReadOnlyList<MasResource>> ActiveCompatSessionsAsync(string userId, CancellationToken cancellationToken = default) =>
        ListAsync("compat-sessions", [new("user", userId), new("status", "active")], cancellationToken);

    /// <summary>Ends a compatibility session (its token stops working and its device goes).</summary>
    public Task<MasResource> FinishCompatSessionAsync(string sessionId, CancellationToken cancellationToken = default) =>
        PostAsync($"compat-sessions/{Segment(sessionId)}/finish", null, cancellationToken);

    /// <summary>The active personal sessions acting as the MAS user <paramref name="userId"/>.</summary>
    public Task<IReadOnlyList<MasResource>> ActivePersonalSessionsAsync(string userId, CancellationToken cancellationToken = default) =>
        ListAsync("personal-sessions", [new("actor_user", userId), new("status", "active")], cancellationToken);

    /// <summary>Mints a personal access token acting as <paramref name="actorUserId"/> with <paramref name="scope"/>
    /// (space-separated), expiring after <paramref name="expiresIn"/> (never when null). The session's
    /// <c>access_token</c> attribute holds the token (a secret; MAS shows it only here and on regenerate).</summary>
    public Task<MasResource> CreatePersonalSessionAsync(string actorUserId, string humanName, string scope, TimeSpan? expiresIn, CancellationToken cancellationToken = default)
    {
        var body = new JsonObject { ["actor_user_id"] = actorUserId, ["human_name"] = humanName, ["scope"] = scope };
        if (expiresIn is { } lifetime)
        {
            body["expires_in"] = (long)lifetime.TotalSeconds;
        }

        return PostAsync("personal-sessions", body, cancellationToken, idempotent: false);
    }

    /// <summary>Mints a personal access token acting as <paramref name="user"/> for the client-server API, bound to
    /// <paramref name="deviceId"/> (MAS creates the device), named <paramref name="purpose"/> and the device, expiring
    /// after <paramref name="expiresIn"/> (never when null). The token is the session's <c>access_token</c> (a secret).</summary>
    public Task<MasResource> MintDeviceTokenAsync(MasResource user, string deviceId, string purpose, TimeSpan? expiresIn, CancellationToken cancellationToken = default) =>
        CreatePersonalSessionAsync(user.Id, purpose + " " + deviceId, $"{ClientApiScope} {DeviceScopePrefix}{deviceId}", expiresIn, cancellationToken);

    /// <summary>A new device id for a minted token: <c>SOLTI</c> and 10 capital letters (MAS asks for at least 10 of
    /// <c>[A-Za-z0-9-]</c>).</summary>
    public static string NewDeviceId() => "SOLTI" + System.Security.Cryptography.RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 10);

    /// <summary>The active personal sessions acting as the MAS user <paramref name="userId"/> bound to
    /// <paramref name="deviceId"/>.</summary>
    public async Task<List<MasResource>> ActivePersonalSessionsOnAsync(string userId, string deviceId, CancellationToken cancellationToken = default) =>
        [.. (await ActivePersonalSessionsAsync(userId, cancellationToken)).Where(s => DeviceOf(s) == deviceId)];

    /// <summary>Replaces a personal session's token (the old one stops working at once); same scope, new expiry.</summary>
    public Task<MasResource> RegeneratePersonalSessionAsync(string sessionId, TimeSpan? expiresIn, CancellationToken cancellationToken = default)
    {
        var body = new JsonObject();
        if (expiresIn is { } lifetime)
        {
            body["expires_in"] = (long)lifetime.TotalSeconds;
        }

        return PostAsync($"personal-sessions/{Segment(sessionId)}/regenerate", body, cancellationToken, idempotent: false);
    }

    /// <summary>Revokes a personal session (its token stops working and its device goes).</summary>
    public Task<MasResource> RevokePersonalSessionAsync(string sessionId, CancellationToken cancellationToken = default) =>
        PostAsync($"personal-sessions/{Segment(sessionId)}/revoke", null, cancellationToken);

    /// <summary>The Matrix device a session is bound to: a compatibility session's <c>device_id</c>, or the device scope
    /// of a personal or OAuth 2.0 session; null when none.</summary>
    public static string? DeviceOf(MasResource session) =>
        session.Text("device_id") ?? session.Text("scope")?.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(s => s.StartsWith(DeviceScopePrefix, StringComparison.Ordinal))?[DeviceScopePrefix.Length..];
}
