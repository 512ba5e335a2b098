namespace Solti.Matrix.Homeserver.Mas;

/// <summary>Mints MAS's tokens: compat (<c>mct_</c>, refresh <c>mcr_</c>), OAuth 2.0 (<c>mat_</c>) and personal (<c>mpt_</c>).</summary>
public static class MasTokens
{
    private const string Alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    public sealed record Issued(string AccessToken, string? RefreshToken, long? ExpiresInMs);

    /// <summary>A compat access token, expiring after <c>CompatTokenTtl</c> with a refresh token when
    /// <paramref name="refreshable"/>, else never.</summary>
    public static Issued IssueCompat(ServerState state, MasCompatSession session, bool refreshable)
    {
        long? ttl = refreshable ? (long)state.Options.AuthenticationService!.CompatTokenTtl.TotalMilliseconds : null;
        var access = Add(state, "mct", MasTokenKind.Compat, session.Id, ttl is { } t ? state.NowMs + t : null);
        if (!refreshable)
        {
            return new Issued(access.Token, null, null);
        }

        var refresh = new MasRefreshToken { Token = NewToken("mcr"), SessionId = session.Id, AccessToken = access.Token };
        state.Data.Mas.RefreshTokens[refresh.Token] = refresh;
        return new Issued(access.Token, refresh.Token, ttl);
    }

    public static MasAccessToken IssueOAuth2(ServerState state, MasOAuth2Session session) =>
        Add(state, "mat", MasTokenKind.OAuth2, session.Id, state.NowMs + (long)state.Options.AuthenticationService!.AccessTokenTtl.TotalMilliseconds);

    /// <summary>A new token for a personal session; its previous token dies.</summary>
    public static MasAccessToken IssuePersonal(ServerState state, MasPersonalSession session, long? expiresInSeconds)
    {
        if (session.AccessToken is { } old && state.Data.Mas.AccessTokens.TryGetValue(old, out var previous))
        {
            previous.Revoked = true;
        }

        var token = Add(state, "mpt", MasTokenKind.Personal, session.Id, expiresInSeconds is { } s ? state.NowMs + (s * 1000) : null);
        session.AccessToken = token.Token;
        return token;
    }

    private static MasAccessToken Add(ServerState state, string prefix, MasTokenKind kind, string sessionId, long? expiresAtMs)
    {
        var token = new MasAccessToken
        {
            Token = NewToken(prefix),
            Kind = kind,
            SessionId = sessionId,
            TokenId = state.Data.NextTokenId++,
            CreatedAtMs = state.NowMs,
            ExpiresAtMs = expiresAtMs,
        };
        state.Data.Mas.AccessTokens[token.Token] = token;
        return token;
    }

    private static string NewToken(string prefix) => $"{prefix}_{Identifiers.Random(Alnum, 30)}_{Identifiers.Random(Alnum, 6)}";
}
