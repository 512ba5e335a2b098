namespace Solti.Matrix.Sessions;

/// <summary>What a live session holds: the token in use, its device, the refresh token and when the token expires, and
/// the user id when the server named it (a session given only a token does not know it yet). The cache's record of it
/// is <see cref="StoredSession"/>, made only by <see cref="StoredSession.Of"/>.</summary>
internal sealed record SessionCredentials(string AccessToken, string? DeviceId, string? RefreshToken, DateTimeOffset? ExpiresAt, string? UserId)
{
    /// <summary>Never prints the tokens.</summary>
    public override string ToString() => $"SessionCredentials {{ UserId = {UserId}, DeviceId = {DeviceId}, ExpiresAt = {ExpiresAt} }}";
}
