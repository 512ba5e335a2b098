using System.Text.Json.Serialization;

namespace Solti.Matrix.Sessions;

/// <summary>What the credential cache keeps for one (homeserver, user); <see cref="Homeserver"/> is the base URL it was
/// written for (records of older versions have none: their file name alone says it).</summary>
public sealed record StoredSession(
    [property: JsonPropertyName("user_id")] string UserId,
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("device_id")] string? DeviceId,
    [property: JsonPropertyName("refresh_token")] string? RefreshToken,
    [property: JsonPropertyName("expires_at")] DateTimeOffset? ExpiresAt,
    [property: JsonPropertyName("homeserver")] string? Homeserver = null)
{
    /// <summary>The cache's record of a live session, keyed by the user the session was configured for.</summary>
    internal static StoredSession Of(string userId, SessionCredentials live) => new(userId, live.AccessToken, live.DeviceId, live.RefreshToken, live.ExpiresAt);

    internal SessionCredentials ToCredentials() => new(AccessToken, DeviceId, RefreshToken, ExpiresAt, UserId);

    /// <summary>Never prints the tokens.</summary>
    public override string ToString() => $"StoredSession {{ UserId = {UserId}, DeviceId = {DeviceId}, ExpiresAt = {ExpiresAt} }}";
}

/// <summary>The credential cache's records, one type per kind: a user's session and a MAS admin client's grant.</summary>
[JsonSerializable(typeof(StoredSession))]
[JsonSerializable(typeof(StoredGrant))]
[JsonSourceGenerationOptions(WriteIndented = true)]
internal sealed partial class SessionJsonContext : JsonSerializerContext;
