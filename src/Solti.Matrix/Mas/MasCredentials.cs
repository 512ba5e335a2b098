namespace Solti.Matrix.Mas;

/// <summary>How to reach the Matrix Authentication Service's admin API: an OAuth 2.0 client allowed the
/// <c>urn:mas:admin</c> scope (listed in MAS's <c>policy.data.admin_clients</c>), whose client-credentials grant gives
/// short-lived tokens, or a token that already carries that scope. Secrets are never shown by <see cref="ToString"/>.</summary>
/// <param name="Url">MAS's public base URL (where <c>/oauth2/token</c> and <c>/api/admin/v1</c> are); null: the issuer the
/// homeserver advertises.</param>
public sealed record MasCredentials(Uri? Url)
{
    /// <summary>The client's id (a ULID in MAS's <c>clients</c> section).</summary>
    public string? ClientId { get; init; }

    /// <summary>The client's secret (secret).</summary>
    public string? ClientSecret { get; init; }

    /// <summary>A token with the <c>urn:mas:admin</c> scope, used as it is (secret).</summary>
    public string? AccessToken { get; init; }

    /// <summary>Where the grant's token is kept between processes (the credential cache, keyed by MAS's URL and the client
    /// id, a private 0600 file), so that a play of many tasks makes one grant while the token lasts; null keeps it in
    /// memory only.</summary>
    public Sessions.CredentialCache? Cache { get; init; }

    /// <summary>Whether the client-credentials grant may be asked for (false: check mode, which logs nobody in; a token
    /// the cache holds is still used).</summary>
    public bool MayGrant { get; init; } = true;

    /// <summary>Whether a token can be had without a grant: one was given.</summary>
    public bool HasToken => !string.IsNullOrEmpty(AccessToken);

    /// <summary>Whether the client-credentials grant can be asked for.</summary>
    public bool HasClient => !string.IsNullOrEmpty(ClientId) && !string.IsNullOrEmpty(ClientSecret);

    /// <summary>The URL and the client id; never the secrets.</summary>
    public override string ToString() => $"MAS {Url?.ToString() ?? "(the homeserver's issuer)"} client {ClientId ?? "(none)"}";
}
