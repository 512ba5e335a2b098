using Solti.Matrix.Mas;
using Solti.Matrix.Sessions;

namespace Solti.Matrix.Ansible.Modules;

/// <summary>The options every module shares, and the client built from them.</summary>
public static class ConnectionOptions
{
    public static IEnumerable<KeyValuePair<string, OptionSpec>> Shared =>
    [
        new("homeserver_url", new OptionSpec { Required = true }),
        new("access_token", new OptionSpec { NoLog = true }),
        new("validate_certs", new OptionSpec(OptionType.Bool) { Default = true }),
        new("timeout", new OptionSpec(OptionType.Float) { Default = 30 }),
        new("token_cache", new OptionSpec(OptionType.Path)),
        .. MasOptions,
    ];

    /// <summary>MAS's admin API, for homeservers that delegate authentication to MAS: every module takes them, so that
    /// the <c>matrix</c> action group's <c>module_defaults</c> can set them once.</summary>
    public static IEnumerable<KeyValuePair<string, OptionSpec>> MasOptions =>
    [
        new("mas_url", new OptionSpec()),
        new("mas_client_id", new OptionSpec()),
        new("mas_client_secret", new OptionSpec { NoLog = true }),
        new("mas_token", new OptionSpec { NoLog = true }),
    ];

    /// <summary>MAS's admin API as the options give it, or null when they give none. The grant's token is kept in the
    /// credential cache while it lasts (one grant for a play's tasks). Check mode never logs in, so there the
    /// client-credentials grant is not made: what MAS owns needs <c>mas_token</c>, or a token the cache still holds.</summary>
    public static MasCredentials? Mas(AnsibleModule module)
    {
        var url = module.Str("mas_url");
        var clientId = module.Str("mas_client_id");
        var secret = module.Str("mas_client_secret");
        var token = module.Str("mas_token");
        if (string.IsNullOrEmpty(clientId) && string.IsNullOrEmpty(secret) && string.IsNullOrEmpty(token))
        {
            return string.IsNullOrEmpty(url) ? null : throw new ModuleFailedException("mas_url is given without MAS credentials: give mas_client_id and mas_client_secret (an admin client of MAS), or mas_token");
        }

        if (string.IsNullOrEmpty(token) && (string.IsNullOrEmpty(clientId) || string.IsNullOrEmpty(secret)))
        {
            throw new ModuleFailedException($"mas_client_id and mas_client_secret go together (an admin client of MAS, listed in its policy.data.admin_clients): {(string.IsNullOrEmpty(clientId) ? "mas_client_id" : "mas_client_secret")} is missing; or give mas_token");
        }

        Uri? masUrl = null;
        if (!string.IsNullOrEmpty(url) && (!Uri.TryCreate(url, UriKind.Absolute, out masUrl) || masUrl.Scheme is not ("http" or "https")))
        {
            throw new ModuleFailedException($"mas_url must be MAS's http(s) base URL such as https://auth.example.com/, got '{url}'");
        }

        return new MasCredentials(masUrl) { ClientId = clientId, ClientSecret = secret, AccessToken = token, MayGrant = !module.CheckMode, Cache = new CredentialCache(module.Str("token_cache")) };
    }

    /// <summary>The shared options plus the admin credentials that let an admin module heal its session.</summary>
    public static IEnumerable<KeyValuePair<string, OptionSpec>> SharedAdmin =>
    [
        .. Shared,
        new("admin_user", new OptionSpec()),
        new("admin_password", new OptionSpec { NoLog = true }),
    ];

    /// <summary>The admin API over a session for <c>admin_user</c> (which heals with <c>admin_password</c>). Check mode
    /// never logs in, so there it needs a given token (or a token reference that resolves).</summary>
    public static (MatrixClient Client, SynapseAdminClient Admin) AdminClient(AnsibleModule module)
    {
        var start = StartCredentials(module, "admin_user", "admin_password");
        if (module.CheckMode && start.Token is null)
        {
            throw new ModuleFailedException("check mode never logs in: access_token (an admin's working token) is required in check mode; admin_user and admin_password are used only outside check mode");
        }

        var client = Client(module, start.UserId, start.Password, deviceId: null, start.Token);
        return (client, new SynapseAdminClient(client.Session) { MasCredentials = Mas(module) });
    }

    /// <summary>A client for the session of the user named by <paramref name="userOption"/> (which heals with the password
    /// in <paramref name="passwordOption"/>), starting from <c>access_token</c>; in check mode it never logs in and never
    /// writes the cache. Without a token the session must be able to start: the user and a password, or a session of that
    /// user in the credential cache; else this fails naming the options. An <c>access_token</c> that is a token reference
    /// (<see cref="TokenReference"/>) is resolved first (<see cref="StartCredentials"/>).</summary>
    public static MatrixClient Client(AnsibleModule module, string userOption, string passwordOption, string? deviceId)
    {
        var start = StartCredentials(module, userOption, passwordOption);
        return Client(module, start.UserId, start.Password, deviceId, start.Token);
    }

    /// <summary>Who the session starts as, with what password to heal and which token to start from.</summary>
    private sealed record Start(string? UserId, string? Password, string? Token);

    /// <summary>The session to start from the options named, after checking that it can start. A token reference given as
    /// <c>access_token</c> (<c>solti-cache:v1:@user:server</c>) is the cached session of that user on
    /// <c>homeserver_url</c>: when the cache holds it, the session is that user's, starting from the cached token (and
    /// healing as the cache allows: its refresh token, and the given password only when the options name the same user).
    /// When it does not, the reference is a stale token: the session starts from the given credentials, and without them
    /// the task fails naming access_token.</summary>
    private static Start StartCredentials(AnsibleModule module, string userOption, string passwordOption)
    {
        var homeserver = Homeserver(module);
        var userId = module.Str(userOption) is { } given ? MatrixId.Require(MatrixIdKind.User, given, userOption) : null;
        var password = module.Str(passwordOption);
        var token = module.Str("access_token");
        if (string.IsNullOrEmpty(token))
        {
            token = null;
        }
        else if (TokenReference.IsReference(token))
        {
            var referenced = Referenced(token);
            if (Cached(module, homeserver, referenced) is { } cached)
            {
                return new Start(referenced, referenced == userId ? password : null, cached.AccessToken);
            }

            if (userId is null || (string.IsNullOrEmpty(password) && !HasCachedSession(module, homeserver, userId)))
            {
                throw new ModuleFailedException($"access_token is a reference to the cached session of {referenced} on {homeserver.AbsoluteUri.TrimEnd('/')}, " +
                    $"which the credential cache ({new CredentialCache(module.Str("token_cache")).Directory}) does not hold; give a working access_token, or {userOption} and {passwordOption}");
            }

            token = null;
        }

        if (token is null && (userId is null || (string.IsNullOrEmpty(password) && !HasCachedSession(module, homeserver, userId))))
        {
            throw new ModuleFailedException($"access_token is required unless {userOption} and {passwordOption} are given" +
                (userId is null ? "" : $" ({passwordOption} is not given and the credential cache holds no session of {userId})"));
        }

        return new Start(userId, password, token);
    }

    /// <summary>The user a token reference names; a malformed one fails naming access_token (the value is not secret).</summary>
    private static string Referenced(string reference) =>
        TokenReference.UserOf(reference) ?? throw new ModuleFailedException(
            $"access_token starts with {TokenReference.Scheme}, so it is a reference to a cached session such as {TokenReference.Prefix}@admin:example.com, but {TokenReference.Problem(reference)}: got '{reference}'");

    /// <summary>True when the session starts from a token: <c>access_token</c> is given and is a token or a token reference
    /// that the credential cache resolves.</summary>
    public static bool HasToken(AnsibleModule module)
    {
        var token = module.Str("access_token");
        if (string.IsNullOrEmpty(token))
        {
            return false;
        }

        return !TokenReference.IsReference(token) || (TokenReference.UserOf(token) is { } user && Cached(module, Homeserver(module), user) is not null);
    }

    /// <summary>What <c>access_token</c> gives back to the playbook, as the Python collection's modules did with their
    /// session's token: a token reference to the session the module used (<c>solti-cache:v1:</c> and the token owner's id,
    /// as whoami names it), which this collection's modules resolve from the credential cache — the session is kept there
    /// (<see cref="MatrixSession.KeepAsync"/>; not in check mode, which writes no cache). With
    /// <c>return_access_token: true</c> the token itself, a secret kept in this key only and masked in the rest of the result.</summary>
    public static async Task<string?> ReturnedTokenAsync(AnsibleModule module, MatrixClient client, JsonObject result, CancellationToken cancellationToken)
    {
        if (client.Session.AccessToken is null)
        {
            return null;
        }

        if (module.Bool("return_access_token"))
        {
            module.Reveal(result, "access_token", client.Session.AccessToken);
            return client.Session.AccessToken;
        }

        var (owner, _) = (await client.Session.KeepAsync(cancellationToken))!.Value;
        var reference = TokenReference.For(MatrixId.Require(MatrixIdKind.User, owner, "whoami user_id"));
        result["access_token"] = reference;
        return reference;
    }

    /// <summary>The cached session of a user (read only; an unreadable cache fails as the session would report it).</summary>
    private static StoredSession? Cached(AnsibleModule module, Uri homeserver, string userId)
    {
        var (session, problem) = new CredentialCache(module.Str("token_cache")).Probe(homeserver, userId);
        return session is null && problem!.StartsWith(CredentialCache.Unreadable, StringComparison.Ordinal)
            ? throw new ModuleFailedException($"access_token is a reference to the cached session of {userId}, but {problem}")
            : session;
    }

    /// <summary>Whether the session could start from the cache (read only; an unreadable cache is left to the session to report).</summary>
    private static bool HasCachedSession(AnsibleModule module, Uri homeserver, string userId) =>
        new CredentialCache(module.Str("token_cache")).Probe(homeserver, userId).Problem is not CredentialCache.NoSession;

    private static Uri Homeserver(AnsibleModule module)
    {
        var url = module.Str("homeserver_url")!;
        return Uri.TryCreate(url, UriKind.Absolute, out var homeserver) && homeserver.Scheme is "http" or "https"
            ? homeserver
            : throw new ModuleFailedException($"homeserver_url must be an http(s) URL such as https://matrix.example.com, got '{url}'");
    }

    /// <summary>The bot's recovery key of a module that takes <c>recovery_key</c> (a device given it signs itself on its
    /// first encrypted send), or null; a malformed one fails the task saying why, never showing it.</summary>
    private static Crypto.RecoveryKey? RecoveryKey(AnsibleModule module)
    {
        if (module.Str("recovery_key") is not { Length: > 0 } text)
        {
            return null;
        }

        try
        {
            return Crypto.RecoveryKey.Parse(text);
        }
        catch (Crypto.CryptoException e)
        {
            throw new ModuleFailedException("recovery_key: " + e.Message);
        }
    }

    /// <summary>As above, with the token to start from given explicitly (null: the cache, else a login).</summary>
    public static MatrixClient Client(AnsibleModule module, string? userId, string? password, string? deviceId, string? accessToken)
    {
        var homeserver = Homeserver(module);
        if (userId is not null)
        {
            MatrixId.Require(MatrixIdKind.User, userId, "user_id");
        }

        var settings = new ClientSettings(homeserver)
        {
            Timeout = module.Number("timeout") ?? 30,
            ValidateCertificates = module.Params["validate_certs"] is not JsonValue v || v.GetValue<bool>(),
            UserAgent = "solti-matrix-ansible/" + ProductVersion.Current,
            MaxSeconds = 3600, // a task never holds a play for a day
            RecoveryKey = RecoveryKey(module),
        };
        var session = new SessionOptions
        {
            UserId = userId,
            AccessToken = accessToken,
            Password = module.CheckMode ? null : password,
            DeviceId = deviceId,
            DeviceDisplayName = "solti-matrix ansible",
            UseCache = !module.CheckMode,
        };
        try
        {
            return settings.Client(session, new CredentialCache(module.Str("token_cache")));
        }
        catch (ArgumentException e)
        {
            throw new ModuleFailedException(e.Message);
        }
    }
}
