using Solti.Matrix.Accounts;
using Solti.Matrix.Errors;
using Solti.Matrix.Http;
using Solti.Matrix.Sessions;

namespace Solti.Matrix.Ansible.Modules;

/// <summary><c>matrix_token</c>: obtain a token with a stable device, mint a short-lived one as an admin, revoke one,
/// or rotate one. The token comes back only in <c>token</c>, which playbooks register with <c>no_log</c>.</summary>
public sealed class MatrixTokenModule : IModule
{
    public string Name => "matrix_token";

    public ArgumentSpec Spec { get; } = new(new Dictionary<string, OptionSpec>(ConnectionOptions.MasOptions)
    {
        ["homeserver_url"] = new() { Required = true },
        ["access_token"] = new() { NoLog = true },
        ["validate_certs"] = new(OptionType.Bool) { Default = true },
        ["timeout"] = new(OptionType.Float) { Default = 30 },
        ["token_cache"] = new(OptionType.Path),
        ["action"] = new() { Default = "obtain", Choices = ["obtain", "mint", "revoke", "rotate"] },
        ["user_id"] = new(),
        ["password"] = new() { NoLog = true },
        ["device_id"] = new(),
        ["token"] = new() { NoLog = true },
        ["valid_for"] = new(OptionType.Int),
    })
    {
        RequiredIf =
        [
            new RequiredIf("action", "obtain", ["user_id", "password"]),
            new RequiredIf("action", "rotate", ["user_id"]),
            new RequiredIf("action", "mint", ["user_id"]),
            new RequiredIf("action", "revoke", ["token"]),
        ],
    };

    public async Task<JsonObject> RunAsync(AnsibleModule module, CancellationToken cancellationToken)
    {
        var action = module.Str("action")!;
        var userId = module.Str("user_id") is { } given ? MatrixId.Require(MatrixIdKind.User, given, "user_id") : null;
        return action switch
        {
            "obtain" => await ObtainAsync(module, userId!, rotate: false, cancellationToken),
            "rotate" when !string.IsNullOrEmpty(module.Str("password")) => await ObtainAsync(module, userId!, rotate: true, cancellationToken),
            "rotate" => await RegenerateAsync(module, userId!, cancellationToken),
            "mint" => await MintAsync(module, userId!, cancellationToken),
            _ => await RevokeAsync(module, cancellationToken),
        };
    }

    /// <summary>Obtain reuses the cached token when it still works; rotate always logs in again with the same device.</summary>
    private static async Task<JsonObject> ObtainAsync(AnsibleModule module, string userId, bool rotate, CancellationToken cancellationToken)
    {
        using var client = ConnectionOptions.Client(module, userId, module.Str("password"), module.Str("device_id"), accessToken: null);
        if (module.CheckMode)
        {
            return new JsonObject { ["changed"] = true, ["user_id"] = userId, ["msg"] = $"check mode: would {(rotate ? "rotate the token of" : "obtain a token for")} {userId}" };
        }

        if (rotate)
        {
            await client.Session.LoginAsync(cancellationToken);
        }

        var whoami = await client.WhoAmIAsync(cancellationToken);
        return new JsonObject
        {
            ["changed"] = client.Session.RecoverySteps.Contains(RecoveryStep.PasswordLogin),
            ["token"] = client.Session.AccessToken,
            ["user_id"] = whoami["user_id"]?.DeepClone(),
            ["device_id"] = whoami["device_id"]?.DeepClone(),
        };
    }

    /// <summary>The account authority over the admin's token (<c>access_token</c>; MAS's admin API needs none).</summary>
    private static (MatrixClient Client, SynapseAdminClient Admin) Admin(AnsibleModule module)
    {
        var client = ConnectionOptions.Client(module, null, null, null, accessToken: module.Str("access_token"));
        return (client, new SynapseAdminClient(client.Session) { MasCredentials = ConnectionOptions.Mas(module) });
    }

    /// <summary>Mint: Synapse's login as the user (no device), or, on a homeserver that delegates to MAS given MAS's admin
    /// API, a personal access token bound to <c>device_id</c> (a new device when none is given). Check mode asks only
    /// who owns accounts: minting is a login, which check mode never makes.</summary>
    private static async Task<JsonObject> MintAsync(AnsibleModule module, string userId, CancellationToken cancellationToken)
    {
        var request = new TokenRequest(module.Str("device_id"), ValidFor(module), "solti-matrix matrix_token");
        if (string.IsNullOrEmpty(module.Str("access_token")) && ConnectionOptions.Mas(module) is null)
        {
            throw new ModuleFailedException("action=mint needs access_token (an admin's token), or, on a homeserver that delegates to MAS, MAS's admin API (mas_client_id and mas_client_secret, or mas_token)");
        }

        var (client, admin) = Admin(module);
        using var _ = client;
        var accounts = await admin.AccountsAsync(cancellationToken);
        var minted = module.CheckMode ? accounts.PlanMint(userId, request) : await accounts.MintTokenAsync(userId, request, cancellationToken);
        return Minted(module, userId, minted);
    }

    /// <summary>Rotate without a password: the token bound to <c>device_id</c> is regenerated (a MAS personal access
    /// token; the old one stops working at once).</summary>
    private static async Task<JsonObject> RegenerateAsync(AnsibleModule module, string userId, CancellationToken cancellationToken)
    {
        var device = module.Str("device_id");
        if (ConnectionOptions.Mas(module) is null || string.IsNullOrEmpty(device))
        {
            throw new ModuleFailedException("action=rotate needs password (a new login with the same device), or, on a homeserver that delegates to MAS, device_id and MAS's admin API (mas_client_id and mas_client_secret, or mas_token) to regenerate the personal access token bound to that device");
        }

        var (client, admin) = Admin(module);
        using var _ = client;
        var accounts = await admin.AccountsAsync(cancellationToken);
        var request = new TokenRequest(device, ValidFor(module));
        return module.CheckMode
            ? Minted(module, userId, new MintedToken(null, device, null))
            : Minted(module, userId, await accounts.RegenerateTokenAsync(userId, request, cancellationToken));
    }

    /// <summary>The result with the new token (a secret, returned only in <c>token</c>) and its expiry.</summary>
    private static JsonObject Minted(AnsibleModule module, string userId, MintedToken minted)
    {
        var result = new JsonObject { ["changed"] = true, ["user_id"] = userId, ["device_id"] = minted.DeviceId, ["expires_at"] = minted.ExpiresAtText };
        if (minted.AccessToken is { } token)
        {
            module.Reveal(result, "token", token);
        }

        return result;
    }

    /// <summary><c>valid_for</c>: a positive number of seconds, or null.</summary>
    internal static TimeSpan? ValidFor(AnsibleModule module) => module.Number("valid_for") switch
    {
        null => null,
        <= 0 and var given => throw new ModuleFailedException($"valid_for must be a positive number of seconds, got {given}"),
        var seconds => TimeSpan.FromSeconds(seconds.Value),
    };

    /// <summary>Logs the token out (its device goes with it); a token that is already invalid is no change. On a homeserver
    /// that delegates to MAS, given MAS's admin API, a personal access token is revoked there (MAS's /logout ends only
    /// password logins).</summary>
    private static async Task<JsonObject> RevokeAsync(AnsibleModule module, CancellationToken cancellationToken)
    {
        using var client = ConnectionOptions.Client(module, null, null, null, accessToken: module.Str("token"));
        JsonObject whoami;
        try
        {
            whoami = await client.WhoAmIAsync(cancellationToken);
        }
        catch (MatrixException e) when (e.IsTokenError)
        {
            return new JsonObject { ["changed"] = false, ["msg"] = "the token is already invalid" };
        }

        if (!module.CheckMode && !await RevokeMintedAsync(module, client, whoami, cancellationToken))
        {
            await client.Session.Http.SendAsync(MatrixRequest.Post(MatrixPath.Client + "/logout", null), module.Str("token"), cancellationToken);
        }

        return new JsonObject { ["changed"] = true, ["user_id"] = whoami["user_id"]?.DeepClone(), ["device_id"] = whoami["device_id"]?.DeepClone() };
    }

    /// <summary>Revokes, where the account authority keeps them (MAS, given its admin API), the minted tokens bound to the
    /// token's device; false when there are none there (a password login's token, which /logout ends).</summary>
    private static async Task<bool> RevokeMintedAsync(AnsibleModule module, MatrixClient client, JsonObject whoami, CancellationToken cancellationToken)
    {
        if (ConnectionOptions.Mas(module) is not { } credentials || whoami["device_id"]?.GetValue<string>() is not { } device || whoami["user_id"]?.GetValue<string>() is not { } userId)
        {
            return false;
        }

        var accounts = await new SynapseAdminClient(client.Session) { MasCredentials = credentials }.AccountsAsync(cancellationToken);
        return await accounts.RevokeTokensAsync(userId, device, cancellationToken);
    }
}
