using System.Text.Json.Serialization;

namespace Solti.Matrix.Sessions;

/// <summary>What the credential cache keeps for one (homeserver, user).</summary>
public sealed record StoredSession(
    [property: JsonPropertyName("user_id")] string UserId,
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("device_id")] string? DeviceId,
    [property: JsonPropertyName("refresh_token")] string? RefreshToken,
    [property: JsonPropertyName("expires_at")] DateTimeOffset? ExpiresAt)
{
    /// <summary>Never prints the tokens.</summary>
    public override string ToString() => $"StoredSession {{ UserId = {UserId}, DeviceId = {DeviceId}, ExpiresAt = {ExpiresAt} }}";
}

[JsonSerializable(typeof(StoredSession))]
[JsonSourceGenerationOptions(WriteIndented = true)]
internal sealed partial class SessionJsonContext : JsonSerializerContext;
