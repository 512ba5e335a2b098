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
    ];

    /// <summary>The shared options plus the admin credentials that let an admin module heal its session.</summary>
    public static IEnumerable<KeyValuePair<string, OptionSpec>> SharedAdmin =>
    [
        .. Shared,
        new("admin_user", new OptionSpec()),
        new("admin_password", new OptionSpec { NoLog = true }),
    ];

    /// <summary>The admin API over a session for <c>admin_user</c> (which heals with <c>admin_password</c>). Check mode
    /// never logs in, so there it needs a given token.</summary>
    public static (MatrixClient Client, SynapseAdminClient Admin) AdminClient(AnsibleModule module)
    {
        var (userId, password) = StartCredentials(module, "admin_user", "admin_password");
        if (module.CheckMode && !HasToken(module))
        {
            throw new ModuleFailedException("check mode never logs in: access_token (an admin's working token) is required in check mode; admin_user and admin_password are used only outside check mode");
        }

        var client = Client(module, userId, password, deviceId: null, module.Str("access_token"));
        return (client, new SynapseAdminClient(client.Session));
    }

    /// <summary>A client for the session of the user named by <paramref name="userOption"/> (which heals with the password
    /// in <paramref name="passwordOption"/>), starting from <c>access_token</c>; in check mode it never logs in and never
    /// writes the cache. Without a token the session must be able to start: the user and a password, or a session of that
    /// user in the credential cache; else this fails naming the options.</summary>
    public static MatrixClient Client(AnsibleModule module, string userOption, string passwordOption, string? deviceId)
    {
        var (userId, password) = StartCredentials(module, userOption, passwordOption);
        return Client(module, userId, password, deviceId, module.Str("access_token"));
    }

    /// <summary>The user and password of the options named, after checking that a session can start with them.</summary>
    private static (string? UserId, string? Password) StartCredentials(AnsibleModule module, string userOption, string passwordOption)
    {
        var homeserver = Homeserver(module);
        var userId = module.Str(userOption) is { } given ? MatrixId.Require(MatrixIdKind.User, given, userOption) : null;
        var password = module.Str(passwordOption);
        if (!HasToken(module) && (userId is null || (string.IsNullOrEmpty(password) && !HasCachedSession(module, homeserver, userId))))
        {
            throw new ModuleFailedException($"access_token is required unless {userOption} and {passwordOption} are given" +
                (userId is null ? "" : $" ({passwordOption} is not given and the credential cache holds no session of {userId})"));
        }

        return (userId, password);
    }

    /// <summary>True when <c>access_token</c> is given and not empty.</summary>
    public static bool HasToken(AnsibleModule module) => !string.IsNullOrEmpty(module.Str("access_token"));

    /// <summary>Whether the session could start from the cache (read only; an unreadable cache is left to the session to report).</summary>
    private static bool HasCachedSession(AnsibleModule module, Uri homeserver, string userId)
    {
        try
        {
            return new CredentialCache(module.Str("token_cache")).Read(homeserver, userId) is not null;
        }
        catch (CredentialCacheException)
        {
            return true;
        }
    }

    private static Uri Homeserver(AnsibleModule module)
    {
        var url = module.Str("homeserver_url")!;
        return Uri.TryCreate(url, UriKind.Absolute, out var homeserver) && homeserver.Scheme is "http" or "https"
            ? homeserver
            : throw new ModuleFailedException($"homeserver_url must be an http(s) URL such as https://matrix.example.com, got '{url}'");
    }

    /// <summary>As above, with the token to start from given explicitly (null: the cache, else a login).</summary>
    public static MatrixClient Client(AnsibleModule module, string? userId, string? password, string? deviceId, string? accessToken)
    {
        var homeserver = Homeserver(module);
        if (userId is not null)
        {
            MatrixId.Require(MatrixIdKind.User, userId, "user_id");
        }

        var timeout = module.Number("timeout") ?? 30;
        if (timeout is <= 0 or > 3600)
        {
            throw new ModuleFailedException($"timeout must be a number of seconds between 0 and 3600, got {timeout}");
        }

        var options = new MatrixClientOptions(homeserver)
        {
            RequestTimeout = TimeSpan.FromSeconds(timeout),
            Retry = new RetryOptions { TotalBudget = TimeSpan.FromSeconds(timeout * 3), MaxDelay = TimeSpan.FromSeconds(Math.Max(timeout, 5)) },
            ValidateCertificates = module.Params["validate_certs"] is not JsonValue v || v.GetValue<bool>(),
            UserAgent = "solti-matrix-ansible/0.1",
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
        return new MatrixClient(options, session, new CredentialCache(module.Str("token_cache")));
    }
}
