using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Host;
using Solti.Matrix.Identifiers;
using Solti.Matrix.Sessions;

namespace Solti.Matrix.Ansible.Modules;

/// <summary>The options every module shares, and the client built from them.</summary>
public static class ConnectionOptions
{
    public static IEnumerable<KeyValuePair<string, OptionSpec>> Shared =>
    [
        new("homeserver_url", new OptionSpec { Required = true }),
        new("access_token", new OptionSpec { Required = true, NoLog = true }),
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

    /// <summary>The admin API over a session for <c>admin_user</c> (which heals with <c>admin_password</c>).</summary>
    public static (MatrixClient Client, SynapseAdminClient Admin) AdminClient(AnsibleModule module)
    {
        var adminUser = module.Str("admin_user") is { } user ? MatrixId.Require(MatrixIdKind.User, user, "admin_user") : null;
        var client = Client(module, adminUser, module.Str("admin_password"), deviceId: null);
        return (client, new SynapseAdminClient(client.Session));
    }

    /// <summary>A client for the bot (or admin) session; in check mode it never logs in and never writes the cache.</summary>
    public static MatrixClient Client(AnsibleModule module, string? userId, string? password, string? deviceId) =>
        Client(module, userId, password, deviceId, module.Str("access_token"));

    /// <summary>As above, with the token to start from given explicitly (null: the cache, else a login).</summary>
    public static MatrixClient Client(AnsibleModule module, string? userId, string? password, string? deviceId, string? accessToken)
    {
        var url = module.Str("homeserver_url")!;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var homeserver) || homeserver.Scheme is not ("http" or "https"))
        {
            throw new ModuleFailedException($"homeserver_url must be an http(s) URL such as https://matrix.example.com, got '{url}'");
        }

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
