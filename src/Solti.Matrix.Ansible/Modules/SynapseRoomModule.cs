using Solti.Matrix.Config;

namespace Solti.Matrix.Ansible.Modules;

/// <summary><c>synapse_room</c>: a room by id or alias. <c>present</c>, <c>absent</c> and <c>join</c> express the task as one
/// <see cref="DesiredRoom"/> planned by <see cref="RoomPlanner"/>, as <c>matrix_config</c> plans its rooms
/// (<see cref="EngineRun"/>): <c>present</c> creates the room only when its alias does not resolve and converges name,
/// topic, guest access and power levels (by the rules of the room's version: in version 12 the creators are never
/// listed in the levels; <c>room_version</c> and <c>additional_creators</c> are set on creation); <c>absent</c> deletes it (async, waited for); <c>join</c> force-joins
/// <c>user_id</c> through the admin API, and without it joins the session's own user through the client-server API, so a
/// bot's own token (no admin right) joins a room it was invited to. <c>info</c> and <c>members</c> read. A bare <c>room_alias_name</c> takes its
/// server from <c>room_id</c>, <c>server_name</c> or the homeserver's own name (<see cref="ModuleInputs.QualifyAliasAsync"/>).</summary>
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
        ["preset"] = new() { Choices = ManagedRoomState.Presets },
        ["guest_access"] = new() { Choices = ManagedRoomState.ChoicesOf("guest_access") },
        ["invite"] = new(OptionType.List) { Elements = OptionType.Str },
        ["admins"] = new(OptionType.List) { Elements = OptionType.Str },
        ["moderators"] = new(OptionType.List) { Elements = OptionType.Str },
        ["power_level_content_override"] = new(OptionType.Dict),
        ["room_version"] = new(),
        ["additional_creators"] = new(OptionType.List) { Elements = OptionType.Str },
        ["user_id"] = new(),
        ["purge"] = new(OptionType.Bool) { Default = true },
        ["block"] = new(OptionType.Bool) { Default = false },
        ["new_room_user_id"] = new(),
        ["message"] = new(),
        ["purge_history_before"] = new(),
        ["delete_local_events"] = new(OptionType.Bool) { Default = false },
        ["wait"] = new(OptionType.Bool) { Default = true },
    })
    {
        RequiredOneOf = [["room_id", "room_alias_name"]],
    };

    public async Task<JsonObject> RunAsync(AnsibleModule module, CancellationToken cancellationToken)
    {
        var given = module.Str("room_id") is { } id ? MatrixId.Require(MatrixIdKind.RoomOrAlias, id, "room_id") : null;
        var aliasName = ModuleInputs.AliasOption(module, "room_alias_name");
        var server = module.Str("server_name") is { } name ? MatrixId.Require(MatrixIdKind.ServerName, name, "server_name") : null;
        CheckUserIds(module);
        var purgePoint = PurgePointOf(module);
        var (client, admin) = ConnectionOptions.AdminClient(module);
        using var _ = client;

        // A bare local part: the server of room_id when it names one (an alias, or a room id with a server part), else
        // server_name, else the homeserver's own.
        var alias = aliasName is { } named
            ? await ModuleInputs.QualifyAliasAsync(named, "room_alias_name", client, [given is null ? null : MatrixId.Server(given), server], cancellationToken)
            : null;

        if (module.Str("state") == "join" && module.Str("user_id") is null)
        {
            return await JoinOwnUserAsync(module, client, admin, given ?? alias!, cancellationToken);
        }

        var roomId = given is not null && given[0] == '!' ? given : await admin.ResolveAliasAsync(given ?? alias!, cancellationToken);
        var room = roomId is null ? null : await admin.GetRoomAsync(roomId, cancellationToken);
        var existing = room is null ? null : roomId;
        switch (module.Str("state"))
        {
            case "info":
                return new JsonObject { ["changed"] = false, ["room_id"] = roomId, ["room"] = room };
            case "members":
                return new JsonObject { ["changed"] = false, ["room_id"] = roomId, ["members"] = room is null ? new JsonArray() : await admin.RoomMembersAsync(roomId!, cancellationToken) };
            case "join":
                return await JoinAsync(module, admin, existing, cancellationToken);
            case "absent":
                return await AbsentAsync(module, admin, existing, roomId, cancellationToken);
            default:
                if (purgePoint is not null && existing is null)
                {
                    throw new ModuleFailedException($"room {given ?? alias} does not exist: purge_history_before needs an existing room");
                }

                var present = await PresentAsync(module, admin, alias, existing, cancellationToken);
                return purgePoint is null ? present : await PurgeAsync(module, admin, existing!, purgePoint, present, cancellationToken);
        }
    }

    /// <summary><c>purge_history_before</c> as a point (null without it), checked with <c>delete_local_events</c> before any
    /// request.</summary>
    private static PurgePoint? PurgePointOf(AnsibleModule module)
    {
        if (module.Str("purge_history_before") is not { } before)
        {
            return module.Bool("delete_local_events") ? throw new ModuleFailedException("delete_local_events needs purge_history_before (the point to purge the room's history up to)") : null;
        }

        if (module.Str("state") != "present")
        {
            throw new ModuleFailedException($"purge_history_before works with state=present, not state={module.Str("state")}");
        }

        return PurgePoint.Parse(before, DateTimeOffset.UtcNow) ?? throw new ModuleFailedException($"purge_history_before must be {PurgePoint.Expected}; got '{before}'");
    }

    /// <summary>Purges the room's history before the point (an action: <c>changed</c> each time; check mode sends
    /// nothing) and, with <c>wait</c>, follows the async purge to its end: <c>failed</c> fails the task, and so does a purge
    /// still <c>active</c> when the call's budget (<c>timeout</c>) runs out.</summary>
    private static async Task<JsonObject> PurgeAsync(AnsibleModule module, SynapseAdminClient admin, string roomId, PurgePoint point, JsonObject result, CancellationToken cancellationToken)
    {
        var deleteLocal = module.Bool("delete_local_events");
        if (!deleteLocal)
        {
            module.Warn("delete_local_events is false: Synapse keeps the events of its own users, so on a single-server install this purge removes no messages");
        }

        var converged = result["changed"]?.GetValue<bool>() == true;
        result["changed"] = true;
        result["room_id"] = roomId;
        result["purge_id"] = null;
        result["purge_status"] = null;
        var diff = result["diff"] as JsonObject;
        if (module.DiffMode)
        {
            // Beside what the room's convergence changes (its diff, when any).
            var purged = "purged before " + (point.EventId ?? DateTimeOffset.FromUnixTimeMilliseconds(point.BeforeTs!.Value).ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            result["diff"] = new JsonObject
            {
                ["before"] = With(diff?["before"], "kept"),
                ["after"] = With(diff?["after"], purged),
            };
        }

        if (module.CheckMode)
        {
            return result;
        }

        string purgeId;
        try
        {
            purgeId = await admin.StartPurgeHistoryAsync(roomId, point.EventId, point.BeforeTs, deleteLocal, cancellationToken);
        }
        catch (Errors.MatrixException e) when (e.IsAbsent && point.EventId is null)
        {
            // Synapse's 404 for a time before the room's first event: "there is no event to be purged".
            result["changed"] = converged;
            result.Remove("diff");
            if (diff is not null)
            {
                result["diff"] = diff;
            }

            result["msg"] = "the room has no event before that time: nothing to purge";
            return result;
        }

        result["purge_id"] = purgeId;
        var status = module.Bool("wait") ? await admin.WaitForPurgeAsync(purgeId, cancellationToken) : await admin.PurgeHistoryStatusAsync(purgeId, cancellationToken);
        var text = status?["status"]?.GetValue<string>() ?? "active";
        result["purge_status"] = text;
        if (text == "failed")
        {
            throw new ModuleFailedException($"the purge {purgeId} of {roomId} failed: {status?["error"]?.GetValue<string>() ?? "no reason given"}", new JsonObject { ["purge_id"] = purgeId });
        }

        if (text == "active" && module.Bool("wait"))
        {
            throw new ModuleFailedException($"the purge {purgeId} of {roomId} is still active at the end of the call's time budget (timeout); it goes on in the background (a larger timeout waits longer)", new JsonObject { ["purge_id"] = purgeId });
        }

        return result;
    }

    private static JsonObject With(JsonNode? side, string history)
    {
        var copy = side?.DeepClone() as JsonObject ?? [];
        copy["history"] = history;
        return copy;
    }

    /// <summary>Every option that names users, checked by the Matrix grammar before any request.</summary>
    private static void CheckUserIds(AnsibleModule module)
    {
        foreach (var option in new[] { "user_id", "new_room_user_id" })
        {
            if (module.Str(option) is { } userId)
            {
                MatrixId.Require(MatrixIdKind.User, userId, option);
            }
        }

        foreach (var option in new[] { "invite", "admins", "moderators", "additional_creators" })
        {
            ModuleInputs.UserIds(module, option);
        }

        if (module.Str("room_version") is { } version && RoomVersions.Problem(version) is { } problem)
        {
            throw new ModuleFailedException($"room_version: {problem}");
        }
    }

    /// <summary>The task's options as one desired room, known by id when it exists (else by alias, to be created). The
    /// levels of <c>admins</c> and <c>moderators</c> are desired power levels; <c>power_level_content_override</c>,
    /// <c>preset</c> and <c>invite</c> are used only when the room is created.</summary>
    private static DesiredRoom Desired(AnsibleModule module, string? alias, string? roomId, bool present) => new(alias ?? roomId ?? "room_id", alias ?? "", present)
    {
        RoomId = roomId,
        Name = module.Str("room_name"),
        Topic = module.Str("topic"),
        Preset = module.Str("preset"),
        GuestAccess = module.Str("guest_access"),
        PowerLevels = Levels(module) is { Count: > 0 } users ? new JsonObject { ["users"] = users } : null,
        CreationPowerLevels = (JsonObject?)module.Params["power_level_content_override"]?.DeepClone(),
        CreationInvites = [.. ModuleInputs.UserIds(module, "invite")],
        RoomVersion = module.Str("room_version"),
        AdditionalCreators = [.. ModuleInputs.UserIds(module, "additional_creators")],
    };

    private static DesiredState State(string domainOf, DesiredRoom room) =>
        new(domainOf[(domainOf.IndexOf(':', StringComparison.Ordinal) + 1)..], [], [room], Tokens: false);

    private static async Task<JsonObject> PresentAsync(AnsibleModule module, SynapseAdminClient admin, string? alias, string? roomId, CancellationToken cancellationToken)
    {
        if (roomId is null && alias is null)
        {
            throw new ModuleFailedException($"room {module.Str("room_id")} does not exist; give room_alias_name to create one");
        }

        // A room that exists is converged by id; one that does not is created under its alias.
        var desired = Desired(module, roomId is null ? alias : null, roomId, present: true);
        var plan = await EngineRun.ConvergeAsync(module, admin, State(alias ?? roomId!, desired), cancellationToken);
        var item = plan.Rooms[0];
        var created = item.Action == "created";
        var result = new JsonObject { ["changed"] = plan.Changed, ["created"] = created };
        if (created)
        {
            result["room_alias"] = alias;
        }

        if (item.RoomId is not null)
        {
            result["room_id"] = item.RoomId;
        }

        result["changes"] = EngineRun.Changes(item);
        EngineRun.AddDiff(module, result, item);
        return result;
    }

    private static async Task<JsonObject> AbsentAsync(AnsibleModule module, SynapseAdminClient admin, string? roomId, string? given, CancellationToken cancellationToken)
    {
        if (roomId is null)
        {
            return new JsonObject { ["changed"] = false, ["room_id"] = given };
        }

        var options = new JsonObject { ["purge"] = module.Bool("purge"), ["block"] = module.Bool("block") };
        Copy(module, options, ("new_room_user_id", "new_room_user_id"), ("message", "message"));
        var desired = Desired(module, null, roomId, present: false) with { DeleteOptions = options };
        var plan = await EngineRun.ConvergeAsync(module, admin, State(roomId, desired), cancellationToken);
        var item = plan.Rooms[0];
        var result = new JsonObject { ["changed"] = plan.Changed, ["room_id"] = roomId };
        if (item.Server is not null)
        {
            result["shutdown"] = item.Server.DeepClone();
        }

        EngineRun.AddDiff(module, result, item);
        return result;
    }

    /// <summary>Force-joins <c>user_id</c> as a desired member of the room, planned like <c>matrix_config</c>'s members.</summary>
    private static async Task<JsonObject> JoinAsync(AnsibleModule module, SynapseAdminClient admin, string? roomId, CancellationToken cancellationToken)
    {
        if (roomId is null)
        {
            throw new ModuleFailedException("the room does not exist");
        }

        var userId = MatrixId.Require(MatrixIdKind.User, module.Str("user_id"), "user_id");
        var desired = new DesiredRoom(roomId, "", Present: true) { RoomId = roomId, Members = [new DesiredMember("user_id", userId, null, "join")] };
        var plan = await EngineRun.ConvergeAsync(module, admin, State(roomId, desired), cancellationToken);
        var result = new JsonObject { ["changed"] = plan.Changed, ["room_id"] = roomId, ["user_id"] = userId };
        EngineRun.AddDiff(module, result, plan.Rooms[0]);
        return result;
    }

    /// <summary>Joins the user whose token the task runs with (as the Python collection joined the token's owner) through the
    /// client-server API only, never the admin API, which a bot's token may not use: <c>/joined_rooms</c> says whether it
    /// is a member, <c>POST /join</c> joins (by alias when one is given, so the server can find the room). Check mode
    /// reads and never joins.</summary>
    private static async Task<JsonObject> JoinOwnUserAsync(AnsibleModule module, MatrixClient client, SynapseAdminClient admin, string room, CancellationToken cancellationToken)
    {
        var roomId = room[0] == '!' ? room : await admin.ResolveAliasAsync(room, cancellationToken) ?? throw new ModuleFailedException("the room does not exist");
        var userId = await ModuleInputs.OwnUserAsync(client, cancellationToken);
        var joined = (await client.JoinedRoomsAsync(cancellationToken)).Contains(roomId, StringComparer.Ordinal);
        if (!joined && !module.CheckMode)
        {
            await client.JoinAsync(room, cancellationToken);
        }

        var result = new JsonObject { ["changed"] = !joined, ["room_id"] = roomId, ["user_id"] = userId };
        if (module.DiffMode && !joined)
        {
            result["diff"] = new JsonObject
            {
                ["before"] = new JsonObject { ["members"] = new JsonObject { [userId] = "not joined" } },
                ["after"] = new JsonObject { ["members"] = new JsonObject { [userId] = "join" } },
            };
        }

        return result;
    }

    /// <summary><c>admins</c> get 100, <c>moderators</c> 50 (a user in both is an admin).</summary>
    private static JsonObject Levels(AnsibleModule module)
    {
        var levels = new JsonObject();
        foreach (var (option, level) in new[] { ("moderators", 50), ("admins", 100) })
        {
            foreach (var user in ModuleInputs.UserIds(module, option))
            {
                levels[user] = level;
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
