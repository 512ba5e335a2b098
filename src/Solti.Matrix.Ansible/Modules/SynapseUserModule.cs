using Solti.Matrix.Config;

namespace Solti.Matrix.Ansible.Modules;

/// <summary><c>synapse_user</c>: ensure one account. The task's options are one <see cref="DesiredUser"/>, planned by
/// <see cref="UserPlanner"/> as <c>matrix_config</c> plans its users (<see cref="EngineRun"/>): only the fields the task
/// sets are compared; a password is sent only on create or with <c>update_password: always</c>; the rate-limit override
/// is read, compared and written only when it differs; <c>absent</c> deactivates (and with <c>erase</c> erases).
/// <c>access_token</c> in the result is a token reference to the admin session the task used (the Python collection
/// returned that session's token), or the token itself with <c>return_access_token</c>.</summary>
public sealed class SynapseUserModule : IModule
{
    private static readonly string[] Fields = ["displayname", "admin", "user_type", "deactivated", "avatar_url"];

    public string Name => "synapse_user";

    public ArgumentSpec Spec { get; } = new(new Dictionary<string, OptionSpec>(ConnectionOptions.SharedAdmin)
    {
        ["user_id"] = new() { Required = true },
        ["state"] = new() { Default = "present", Choices = ["present", "absent"] },
        ["password"] = new() { NoLog = true },
        ["update_password"] = new() { Default = "on_create", Choices = ["always", "on_create"] },
        ["logout_devices"] = new(OptionType.Bool) { Default = false },
        ["displayname"] = new(),
        ["admin"] = new(OptionType.Bool),
        ["user_type"] = new(),
        ["deactivated"] = new(OptionType.Bool),
        ["erase"] = new(OptionType.Bool) { Default = false },
        ["avatar_url"] = new(),
        ["ratelimit_override"] = new(OptionType.Raw),
        ["return_access_token"] = new(OptionType.Bool) { Default = false },
    });

    public async Task<JsonObject> RunAsync(AnsibleModule module, CancellationToken cancellationToken)
    {
        var user = Desired(module); // validated before anything is read or written
        var (client, admin) = ConnectionOptions.AdminClient(module);
        using var _ = client;
        var domain = user.UserId[(user.UserId.IndexOf(':', StringComparison.Ordinal) + 1)..];
        var plan = await EngineRun.ConvergeAsync(module, admin, new DesiredState(domain, [user], [], Tokens: false), cancellationToken);
        var item = plan.Users[0];
        var changed = plan.Changed;
        var account = item.Server;
        if (!user.Present && changed && !module.CheckMode)
        {
            account = (await (await admin.AccountsAsync(cancellationToken)).GetAsync(user.UserId, cancellationToken))?.ToJson(); // as deactivated (and erased)
        }

        var result = new JsonObject { ["changed"] = changed, ["user"] = account?.DeepClone() ?? (user.Present ? Planned(user) : null) };
        if (user.Present)
        {
            result["changes"] = EngineRun.Changes(item);
        }

        EngineRun.AddDiff(module, result, item);
        await ConnectionOptions.ReturnedTokenAsync(module, client, result, cancellationToken);
        return result;
    }

    /// <summary>The task as one desired account; <c>user_type</c> and <c>ratelimit_override</c> are read by the same rules
    /// as in <c>matrix_config</c> (<see cref="UserTypes"/>, <see cref="RatelimitOverrides"/>).</summary>
    private static DesiredUser Desired(AnsibleModule module)
    {
        var userId = MatrixId.Require(MatrixIdKind.User, module.Str("user_id"), "user_id");
        var fields = new JsonObject();
        foreach (var field in Fields)
        {
            if (module.Params[field] is { } value)
            {
                fields[field] = value.DeepClone();
            }
        }

        if (fields["user_type"] is JsonValue type)
        {
            fields["user_type"] = UserTypes.TryParse(type.GetValue<string>(), out var parsed)
                ? parsed
                : throw new ModuleFailedException($"user_type must be {UserTypes.Expected}, got '{type.GetValue<string>()}'");
        }

        var problems = new List<string>();
        var ratelimit = RatelimitOverrides.Parse(module.Params["ratelimit_override"], "ratelimit_override", problems);
        if (problems.Count > 0)
        {
            throw new ModuleFailedException($"ratelimit_override must be {{messages_per_second: N, burst_count: N}} with non-negative integers, {{}} or 'absent' ({problems[0]})");
        }

        var password = module.Str("password");
        return new DesiredUser("user_id", userId, module.Str("state") == "present", fields, string.IsNullOrEmpty(password) ? null : password, module.Str("update_password") == "always")
        {
            RatelimitOverride = ratelimit,
            LogoutDevices = module.Bool("logout_devices"),
            Erase = module.Bool("erase"),
        };
    }

    /// <summary>The account as it would be created (check mode): the fields the task sets and its name.</summary>
    private static JsonObject Planned(DesiredUser user)
    {
        var planned = (JsonObject)user.Fields.DeepClone();
        planned["name"] = user.UserId;
        return planned;
    }
}
