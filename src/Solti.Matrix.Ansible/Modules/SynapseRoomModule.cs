using System.Text.Json;
using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Host;

namespace Solti.Matrix.Ansible.Modules;

/// <summary><c>synapse_room</c>: a room by id or alias. <c>present</c> creates it only when its alias does not resolve and
/// converges name, topic, guest access and power levels; <c>absent</c> deletes it (async, waited for); <c>info</c>,
/// <c>members</c> read; <c>join</c> force-joins <c>user_id</c>.</summary>
public sealed class SynapseRoomModule : IModule
{
    public string Name => "synapse_room";

    public ArgumentSpec Spec { get; } = new(new Dictionary<string, OptionSpec>(ConnectionOptions.SharedAdmin)
    {
        ["room_id"] = new(),
        ["state"] = new() { Default = "present", Choices = ["present", "absent", "info", "members", "join"] },
        ["room_alias_name"] = new(),
        ["server_name"] = new(),
        ["room_name"] = new(),
        ["topic"] = new(),
        ["preset"] = new() { Choices = ["private_chat", "public_chat", "trusted_private_chat"] },
        ["guest_access"] = new() { Choices = ["can_join", "forbidden"] },
        ["invite"] = new(OptionType.List) { Elements = OptionType.Str },
        ["admins"] = new(OptionType.List) { Elements = OptionType.Str },
        ["moderators"] = new(OptionType.List) { Elements = OptionType.Str },
        ["power_level_content_override"] = new(OptionType.Dict),
        ["user_id"] = new(),
        ["purge"] = new(OptionType.Bool) { Default = true },
        ["block"] = new(OptionType.Bool) { Default = false },
        ["new_room_user_id"] = new(),
        ["message"] = new(),
    })
    {
        RequiredOneOf = [["room_id", "room_alias_name"]],
        RequiredIf = [new RequiredIf("state", "join", ["user_id"])],
    };

    public async Task<JsonObject> RunAsync(AnsibleModule module, CancellationToken cancellationToken)
    {
        var (client, admin) = ConnectionOptions.AdminClient(module);
        using var _ = client;
        var alias = Alias(module);
        var roomId = module.Str("room_id") ?? await admin.ResolveAliasAsync(alias!, cancellationToken);
        var room = roomId is null ? null : await admin.GetRoomAsync(roomId, cancellationToken);
        switch (module.Str("state"))
        {
            case "info":
                return new JsonObject { ["changed"] = false, ["room_id"] = roomId, ["room"] = room };
            case "members":
                return new JsonObject { ["changed"] = false, ["room_id"] = roomId, ["members"] = room is null ? new JsonArray() : await admin.RoomMembersAsync(roomId!, cancellationToken) };
            case "join":
                return await JoinAsync(module, admin, roomId, cancellationToken);
            case "absent":
                return await AbsentAsync(module, admin, roomId, room, cancellationToken);
            default:
                return room is null
                    ? await CreateAsync(module, client, admin, alias, cancellationToken)
                    : await ConvergeAsync(module, admin, roomId!, cancellationToken);
        }
    }

    private static string? Alias(AnsibleModule module)
    {
        if (module.Str("room_alias_name") is not { } name)
        {
            return null;
        }

        var local = name.TrimStart('#');
        if (local.Contains(':', StringComparison.Ordinal))
        {
            return "#" + local;
        }

        return module.Str("server_name") is { } server
            ? $"#{local}:{server}"
            : throw new ModuleFailedException($"room_alias_name '{name}' needs a server: write it as {local}:example.com or set server_name");
    }

    private static async Task<JsonObject> CreateAsync(AnsibleModule module, MatrixClient client, SynapseAdminClient admin, string? alias, CancellationToken cancellationToken)
    {
        if (alias is null)
        {
            throw new ModuleFailedException($"room {module.Str("room_id")} does not exist; give room_alias_name to create one");
        }

        var request = new JsonObject { ["room_alias_name"] = alias[1..alias.IndexOf(':', StringComparison.Ordinal)] };
        Copy(module, request, ("room_name", "name"), ("topic", "topic"), ("preset", "preset"), ("invite", "invite"), ("power_level_content_override", "power_level_content_override"));
        var users = Levels(module);
        if (users.Count > 0)
        {
            var overrides = request["power_level_content_override"] as JsonObject ?? [];
            var levelUsers = overrides["users"] as JsonObject ?? [];

            // An override's "users" replaces the whole map: keep the creating admin at 100, or it loses the room.
            if (!module.CheckMode && (await client.WhoAmIAsync(cancellationToken))["user_id"]?.GetValue<string>() is { } creator)
            {
                levelUsers[creator] ??= 100;
            }

            foreach (var (user, level) in users)
            {
                levelUsers[user] = level;
            }

            overrides["users"] = levelUsers.DeepClone();
            request["power_level_content_override"] = overrides.DeepClone();
        }

        if (module.Str("guest_access") is { } guest)
        {
            request["initial_state"] = new JsonArray(new JsonObject { ["type"] = "m.room.guest_access", ["state_key"] = "", ["content"] = new JsonObject { ["guest_access"] = guest } });
        }

        var result = new JsonObject { ["changed"] = true, ["created"] = true, ["room_alias"] = alias };
        if (!module.CheckMode)
        {
            result["room_id"] = await admin.CreateRoomAsync(request, cancellationToken);
        }

        if (module.DiffMode)
        {
            result["diff"] = new JsonObject { ["before"] = new JsonObject(), ["after"] = request.DeepClone() };
        }

        return result;
    }

    /// <summary>Reads each managed state event and writes only the ones whose content differs.</summary>
    private static async Task<JsonObject> ConvergeAsync(AnsibleModule module, SynapseAdminClient admin, string roomId, CancellationToken cancellationToken)
    {
        var before = new JsonObject();
        var after = new JsonObject();
        async Task Converge(string type, string key, JsonNode? wanted)
        {
            if (wanted is null)
            {
                return;
            }

            var current = await admin.GetStateAsync(roomId, type, cancellationToken);
            if (JsonNode.DeepEquals(current?[key], wanted))
            {
                return;
            }

            before[key] = current?[key]?.DeepClone();
            after[key] = wanted.DeepClone();
            if (!module.CheckMode)
            {
                var content = (JsonObject?)current?.DeepClone() ?? [];
                content[key] = wanted.DeepClone();
                await admin.PutStateAsync(roomId, type, content, cancellationToken);
            }
        }

        await Converge("m.room.name", "name", module.Params["room_name"]);
        await Converge("m.room.topic", "topic", module.Params["topic"]);
        await Converge("m.room.guest_access", "guest_access", module.Params["guest_access"]);
        var levels = Levels(module);
        if (levels.Count > 0)
        {
            var current = await admin.GetStateAsync(roomId, "m.room.power_levels", cancellationToken) ?? [];
            var users = (JsonObject?)current["users"]?.DeepClone() ?? [];
            var changedUsers = levels.Where(l => !(users[l.Key] is JsonValue v && v.ToJsonString() == l.Value.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();
            if (changedUsers.Count > 0)
            {
                before["power_levels"] = new JsonObject([.. changedUsers.Select(u => KeyValuePair.Create(u.Key, users[u.Key]?.DeepClone()))]);
                after["power_levels"] = new JsonObject([.. changedUsers.Select(u => KeyValuePair.Create(u.Key, (JsonNode?)u.Value))]);
                if (!module.CheckMode)
                {
                    foreach (var (user, level) in changedUsers)
                    {
                        users[user] = level;
                    }

                    current["users"] = users;
                    await admin.PutStateAsync(roomId, "m.room.power_levels", current, cancellationToken);
                }
            }
        }

        var result = new JsonObject
        {
            ["changed"] = after.Count > 0,
            ["created"] = false,
            ["room_id"] = roomId,
            ["changes"] = new JsonArray([.. after.Select(p => (JsonNode)p.Key)]),
        };
        if (module.DiffMode && after.Count > 0)
        {
            result["diff"] = new JsonObject { ["before"] = before, ["after"] = after };
        }

        return result;
    }

    private static async Task<JsonObject> AbsentAsync(AnsibleModule module, SynapseAdminClient admin, string? roomId, JsonObject? room, CancellationToken cancellationToken)
    {
        if (room is null)
        {
            return new JsonObject { ["changed"] = false, ["room_id"] = roomId };
        }

        var result = new JsonObject { ["changed"] = true, ["room_id"] = roomId };
        if (!module.CheckMode)
        {
            var options = new JsonObject { ["purge"] = module.Bool("purge"), ["block"] = module.Bool("block") };
            Copy(module, options, ("new_room_user_id", "new_room_user_id"), ("message", "message"));
            result["shutdown"] = await admin.DeleteRoomAsync(roomId!, options, TimeSpan.FromMilliseconds(200), cancellationToken);
        }

        return result;
    }

    private static async Task<JsonObject> JoinAsync(AnsibleModule module, SynapseAdminClient admin, string? roomId, CancellationToken cancellationToken)
    {
        if (roomId is null)
        {
            throw new ModuleFailedException("the room does not exist");
        }

        var userId = module.Str("user_id")!;
        var members = await admin.RoomMembersAsync(roomId, cancellationToken);
        var joined = members.Any(m => m?.GetValue<string>() == userId);
        if (!joined && !module.CheckMode)
        {
            await admin.ForceJoinAsync(roomId, userId, cancellationToken);
        }

        return new JsonObject { ["changed"] = !joined, ["room_id"] = roomId, ["user_id"] = userId };
    }

    /// <summary><c>admins</c> get 100, <c>moderators</c> 50.</summary>
    private static Dictionary<string, int> Levels(AnsibleModule module)
    {
        var levels = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (option, level) in new[] { ("moderators", 50), ("admins", 100) })
        {
            foreach (var user in module.Params[option] as JsonArray ?? [])
            {
                levels[user!.GetValue<string>()] = level;
            }
        }

        return levels;
    }

    private static void Copy(AnsibleModule module, JsonObject target, params (string Option, string Key)[] pairs)
    {
        foreach (var (option, key) in pairs)
        {
            if (module.Params[option] is { } value && !(value is JsonValue v && v.GetValueKind() == JsonValueKind.Null))
            {
                target[key] = value.DeepClone();
            }
        }
    }
}
