using System.Text.Json.Serialization;

namespace Solti.Matrix.Sessions;

/// <summary>What the credential cache keeps for one MAS admin client: the token of its last client-credentials grant
/// (<c>urn:mas:admin</c>) and when it expires, so that the processes of a play make one grant while it lasts
/// (<c>Mas/MasAdminTokens.cs</c>). Its own record and file (<see cref="CredentialCache.GrantPathFor"/>), never a
/// session's; <see cref="MasUrl"/> is the base URL it was written for (null until the cache writes it).</summary>
public sealed record StoredGrant(
    [property: JsonPropertyName("client_id")] string ClientId,
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("expires_at")] DateTimeOffset ExpiresAt,
    [property: JsonPropertyName("mas_url")] string? MasUrl = null)
{
    /// <summary>Whether the token may still be sent at <paramref name="now"/>: it is not <paramref name="refused"/> and
    /// lasts at least <paramref name="margin"/> more.</summary>
    internal bool Lasts(DateTimeOffset now, TimeSpan margin, string? refused) => AccessToken != refused && ExpiresAt > now + margin;

    /// <summary>Never prints the token.</summary>
    public override string ToString() => $"StoredGrant {{ MasUrl = {MasUrl}, ClientId = {ClientId}, ExpiresAt = {ExpiresAt} }}";
}
