using System.Text.Json;
using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Host;

namespace Solti.Matrix.Ansible.Modules;

/// <summary><c>synapse_user</c>: ensure one account. Only the fields the task sets are compared; a password is sent
/// only on create or with <c>update_password: always</c>; the rate-limit override is read, compared and written only
/// when it differs.</summary>
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
    });

    public async Task<JsonObject> RunAsync(AnsibleModule module, CancellationToken cancellationToken)
    {
        var userId = ModuleInputs.UserId(module.Str("user_id")!);

        var wanted = Wanted(module);
        var ratelimit = RatelimitWanted(module.Params["ratelimit_override"]); // validated before anything is written
        var (client, admin) = ConnectionOptions.AdminClient(module);
        using var _ = client;
        var user = await admin.GetUserAsync(userId, cancellationToken);
        return module.Str("state") == "absent"
            ? await AbsentAsync(module, admin, userId, user, cancellationToken)
            : await PresentAsync(module, admin, userId, user, wanted, ratelimit, cancellationToken);
    }

    /// <summary>The account fields the task sets; <c>user_type: none</c> (or empty) clears the type.</summary>
    private static JsonObject Wanted(AnsibleModule module)
    {
        var wanted = new JsonObject();
        foreach (var field in Fields)
        {
            if (module.Params[field] is { } value)
            {
                wanted[field] = value.DeepClone();
            }
        }

        if (wanted["user_type"] is JsonValue type)
        {
            wanted["user_type"] = type.GetValue<string>() switch
            {
                "bot" or "support" => type.DeepClone(),
                "" or "none" or "null" => null,
                var other => throw new ModuleFailedException($"user_type must be bot, support or none, got '{other}'"),
            };
        }

        return wanted;
    }

    private static async Task<JsonObject> AbsentAsync(AnsibleModule module, SynapseAdminClient admin, string userId, JsonObject? user, CancellationToken cancellationToken)
    {
        var active = user is not null && user["deactivated"] is JsonValue d && d.GetValueKind() == JsonValueKind.False;
        if (active && !module.CheckMode)
        {
            await admin.DeactivateUserAsync(userId, module.Bool("erase"), cancellationToken);
            user = await admin.GetUserAsync(userId, cancellationToken);
        }

        var result = new JsonObject { ["changed"] = active, ["user"] = user?.DeepClone() };
        if (module.DiffMode && active)
        {
            result["diff"] = new JsonObject { ["before"] = new JsonObject { ["deactivated"] = false }, ["after"] = new JsonObject { ["deactivated"] = true } };
        }

        return result;
    }

    private static async Task<JsonObject> PresentAsync(AnsibleModule module, SynapseAdminClient admin, string userId, JsonObject? user, JsonObject wanted, JsonObject? ratelimit, CancellationToken cancellationToken)
    {
        var password = module.Str("password");
        var changes = new JsonObject();
        var before = new JsonObject();
        foreach (var (field, value) in wanted)
        {
            if (user is null || !JsonNode.DeepEquals(user[field], value))
            {
                changes[field] = value?.DeepClone();
                before[field] = user?[field]?.DeepClone();
            }
        }

        var sendPassword = password is not null && (user is null || module.Str("update_password") == "always");
        var write = (JsonObject)changes.DeepClone();
        if (sendPassword)
        {
            write["password"] = password;
            if (user is not null)
            {
                write["logout_devices"] = module.Bool("logout_devices");
                changes["password"] = "(updated)";
            }
        }

        var changed = user is null || write.Count > 0;
        var after = user;
        if (changed && !module.CheckMode)
        {
            after = await admin.PutUserAsync(userId, write, cancellationToken);
        }

        var ratelimitChanged = await ConvergeRatelimitAsync(module, admin, userId, ratelimit, user is null, before, changes, cancellationToken);
        var result = new JsonObject
        {
            ["changed"] = changed || ratelimitChanged,
            ["user"] = after?.DeepClone() ?? Planned(userId, wanted),
            ["changes"] = new JsonArray([.. changes.Select(c => (JsonNode)c.Key)]),
        };
        if (module.DiffMode && (changed || ratelimitChanged))
        {
            result["diff"] = new JsonObject { ["before"] = user is null ? new JsonObject() : before, ["after"] = changes.DeepClone() };
        }

        return result;
    }

    /// <summary>Reads the override, and writes it only when the task's differs; <c>{}</c> removes one.</summary>
    private static async Task<bool> ConvergeRatelimitAsync(AnsibleModule module, SynapseAdminClient admin, string userId, JsonObject? wanted, bool creating, JsonObject before, JsonObject changes, CancellationToken cancellationToken)
    {
        if (wanted is null)
        {
            return false;
        }

        var current = creating && module.CheckMode ? [] : await admin.GetRatelimitOverrideAsync(userId, cancellationToken);
        var remove = wanted.All(p => p.Value is null);
        JsonObject target = remove
            ? []
            : new JsonObject { ["messages_per_second"] = Number(wanted["messages_per_second"]), ["burst_count"] = Number(wanted["burst_count"]) };
        var currentNormalized = current.Count == 0
            ? []
            : new JsonObject { ["messages_per_second"] = Number(current["messages_per_second"]), ["burst_count"] = Number(current["burst_count"]) };
        if (JsonNode.DeepEquals(currentNormalized, target))
        {
            return false;
        }

        before["ratelimit_override"] = currentNormalized;
        changes["ratelimit_override"] = target.DeepClone();
        if (!module.CheckMode)
        {
            if (remove)
            {
                await admin.DeleteRatelimitOverrideAsync(userId, cancellationToken);
            }
            else
            {
                await admin.SetRatelimitOverrideAsync(userId, Number(target["messages_per_second"]), Number(target["burst_count"]), cancellationToken);
            }
        }

        return true;
    }

    /// <summary><c>{messages_per_second, burst_count}</c>, or <c>{}</c> / <c>absent</c> to remove; null when not set.</summary>
    private static JsonObject? RatelimitWanted(JsonNode? value) => value switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() == "absent" => [],
        JsonObject o when o.All(p => p.Key is "messages_per_second" or "burst_count" && (p.Value is null || (p.Value is JsonValue n && n.GetValueKind() == JsonValueKind.Number && Number(n) >= 0))) => o,
        _ => throw new ModuleFailedException("ratelimit_override must be {messages_per_second: N, burst_count: N} with non-negative integers, {} or 'absent'"),
    };

    private static long Number(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? (long)double.Parse(v.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture) : 0;

    private static JsonObject Planned(string userId, JsonObject wanted)
    {
        var planned = (JsonObject)wanted.DeepClone();
        planned["name"] = userId;
        return planned;
    }
}
