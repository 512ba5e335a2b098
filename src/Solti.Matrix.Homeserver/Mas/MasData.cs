namespace Solti.Matrix.Homeserver.Mas;

/// <summary>The emulated MAS's database, persisted with the homeserver's state (<see cref="ServerData.Mas"/>). Every
/// resource is keyed by its ULID id; tokens are keyed by their string.</summary>
public sealed class MasData
{
    public Dictionary<string, MasUser> Users { get; set; } = [];

    public Dictionary<string, MasCompatSession> CompatSessions { get; set; } = [];

    public Dictionary<string, MasOAuth2Session> OAuth2Sessions { get; set; } = [];

    public Dictionary<string, MasPersonalSession> PersonalSessions { get; set; } = [];

    public Dictionary<string, MasRegistrationToken> RegistrationTokens { get; set; } = [];

    /// <summary>Every access token MAS issued: compat, OAuth 2.0 and personal.</summary>
    public Dictionary<string, MasAccessToken> AccessTokens { get; set; } = [];

    /// <summary>Compat refresh tokens.</summary>
    public Dictionary<string, MasRefreshToken> RefreshTokens { get; set; } = [];

    /// <summary>The last id minted, so the next one sorts after it (<see cref="Ulid.Next"/>).</summary>
    public string? LastUlid { get; set; }

    public MasUser? FindUserByName(string username) => Users.Values.FirstOrDefault(u => u.Username == username);
}
