using Solti.Matrix.Accounts;
using Solti.Matrix.Config;

namespace Solti.Matrix.Ansible.Modules;

/// <summary><c>synapse_register</c>: register a user (a homeserver's first admin) with Synapse's registration shared
/// secret (<see cref="SharedSecretRegistration"/>), no token needed. An existing user is <c>changed: false</c>, and is
/// left as it is (its password, admin flag and display name are not touched: <c>synapse_user</c> converges those). Check
/// mode never posts: it asks whether the user exists where the server can tell without a token.</summary>
public sealed class SynapseRegisterModule : IModule
{
    public string Name => "synapse_register";

    public ArgumentSpec Spec { get; } = new(new Dictionary<string, OptionSpec>(ConnectionOptions.Shared.Where(o => o.Key is "homeserver_url" or "validate_certs" or "timeout"))
    {
        ["registration_shared_secret"] = new() { Required = true, NoLog = true },
        ["username"] = new() { Required = true },
        ["password"] = new() { Required = true, NoLog = true },
        ["admin"] = new(OptionType.Bool) { Default = false },
        ["user_type"] = new(),
        ["displayname"] = new(),
    });

    public async Task<JsonObject> RunAsync(AnsibleModule module, CancellationToken cancellationToken)
    {
        var username = module.Str("username")!;
        string localpart;
        string? userId = null;
        if (username.StartsWith('@'))
        {
            userId = MatrixId.Require(MatrixIdKind.User, username, "username");
            localpart = MatrixId.Localpart(userId);
        }
        else
        {
            localpart = MatrixId.LocalpartProblem(MatrixIdKind.User, username) is { } problem
                ? throw new ModuleFailedException($"username must be a user's local part such as admin, or a full user id such as @admin:example.com on this homeserver: {problem}, got '{username}'")
                : username;
        }

        if (!UserTypes.TryParse(module.Str("user_type"), out var userType))
        {
            throw new ModuleFailedException($"user_type must be {UserTypes.Expected}, got '{module.Str("user_type")}'");
        }

        var password = module.Str("password")!;
        if (password.Length == 0 || module.Str("registration_shared_secret")!.Length == 0)
        {
            throw new ModuleFailedException(password.Length == 0 ? "password must not be empty" : "registration_shared_secret must not be empty");
        }

        using var client = ConnectionOptions.Client(module, userId: null, password: null, deviceId: null, accessToken: null);
        var registration = new SharedSecretRegistration(client.Session.Http);
        var result = new JsonObject { ["user_id"] = userId };
        if (module.CheckMode)
        {
            var exists = await registration.ExistsAsync(localpart.ToLowerInvariant(), userId, cancellationToken);
            if (exists is null)
            {
                module.Warn($"check mode cannot tell whether {userId ?? localpart} exists without registering (the homeserver's registration is closed" +
                    (userId is null ? "; give username as a full user id to let its profile tell)" : " and its profiles need a token)"));
            }

            result["changed"] = exists != true;
            result["created"] = exists != true;
            return result;
        }

        var outcome = await registration.RegisterAsync(new SharedSecretUser(localpart, password, module.Bool("admin"), userType, module.Str("displayname")), module.Str("registration_shared_secret")!, cancellationToken);
        if (outcome.UserId is { } made && userId is not null && !string.Equals(made, userId, StringComparison.OrdinalIgnoreCase))
        {
            throw new ModuleFailedException($"username {userId} is not on this homeserver: the account was registered as {made} (the homeserver's server name is {MatrixId.Server(made)})", new JsonObject { ["user_id"] = made, ["changed"] = true });
        }

        result["user_id"] = outcome.UserId ?? userId;
        result["changed"] = outcome.Created;
        result["created"] = outcome.Created;
        return result;
    }
}
