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
            "rotate" => await MasPersonalTokens.RotateAsync(module, userId!, cancellationToken),
            "mint" when ConnectionOptions.Mas(module) is { } mas => await MasPersonalTokens.MintAsync(module, mas, userId!, () => MintAsync(module, userId!, cancellationToken), cancellationToken),
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

    private static async Task<JsonObject> MintAsync(AnsibleModule module, string userId, CancellationToken cancellationToken)
    {
        var validFor = ValidFor(module);
        if (string.IsNullOrEmpty(module.Str("access_token")))
        {
            throw new ModuleFailedException("action=mint needs access_token (an admin's token), or, on a homeserver that delegates to MAS, MAS's admin API (mas_client_id and mas_client_secret, or mas_token)");
        }

        var expiresAt = validFor is { } lifetime ? DateTimeOffset.UtcNow.Add(lifetime) : (DateTimeOffset?)null;
        var result = new JsonObject { ["changed"] = true, ["user_id"] = userId, ["device_id"] = null, ["expires_at"] = expiresAt?.ToString("o", System.Globalization.CultureInfo.InvariantCulture) };
        if (module.CheckMode)
        {
            return result;
        }

        var (client, admin) = ConnectionOptions.AdminClient(module);
        using var _ = client;
        result["token"] = await admin.LoginAsUserAsync(userId, expiresAt?.ToUnixTimeMilliseconds(), cancellationToken);
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

        if (!module.CheckMode && !await MasPersonalTokens.RevokeAsync(module, client, whoami, cancellationToken))
        {
            await client.Session.Http.SendAsync(MatrixRequest.Post(MatrixPath.Client + "/logout", null), module.Str("token"), cancellationToken);
        }

        return new JsonObject { ["changed"] = true, ["user_id"] = whoami["user_id"]?.DeepClone(), ["device_id"] = whoami["device_id"]?.DeepClone() };
    }
}
