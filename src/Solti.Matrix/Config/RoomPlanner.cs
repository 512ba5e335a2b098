using System.Text.Json.Nodes;

namespace Solti.Matrix.Config;

/// <summary>Plans one room: create it with everything in one <c>createRoom</c>, or converge each managed state event,
/// the directory visibility and the membership; delete it for <c>state: absent</c>.</summary>
public static class RoomPlanner
{
    public const string Megolm = "m.megolm.v1.aes-sha2";

    public static void Plan(DesiredRoom room, ServerSnapshot snapshot, ConfigPlan plan, List<PlanAction> deletions)
    {
        var current = snapshot.Rooms.GetValueOrDefault(room.Alias);
        var result = new ItemResult("alias", room.Alias, "unchanged");
        plan.Rooms.Add(result);
        if (!room.Present)
        {
            if (current is not null)
            {
                result.Action = "deleted";
                result.Extra["room_id"] = current.RoomId;
                result.Changes.Add("state");
                result.Before["state"] = "present";
                result.After["state"] = "absent";
                deletions.Add(new PlanAction("delete_room", room.Alias, new JsonObject { ["room_id"] = current.RoomId, ["purge"] = true }, (admin, ct) =>
                    admin.DeleteRoomAsync(current.RoomId, new JsonObject { ["purge"] = true }, TimeSpan.FromMilliseconds(200), ct)));
            }

            return;
        }

        var target = new RoomTarget(current?.RoomId);
        if (current is null)
        {
            Create(room, snapshot.AdminUserId, plan, result, target);
        }
        else
        {
            result.Extra["room_id"] = current.RoomId;
            Converge(room, current, plan, result, target);
        }

        Members(room, current, snapshot.AdminUserId, plan, result, target);
        if (result.Action == "unchanged" && result.Changes.Count > 0)
        {
            result.Action = result.Changes.Count == 1 && result.Changes[0] == "members" && ((JsonArray?)result.Extra["members_removed"] ?? []).Count == 0
                ? "members_added"
                : "updated";
        }
    }

    /// <summary>Holds the room id, known only after a planned creation has run.</summary>
    private sealed class RoomTarget(string? roomId)
    {
        public string? RoomId { get; set; } = roomId;

        public string Id => RoomId ?? throw new InvalidOperationException("the room was not created");
    }

    private static void Create(DesiredRoom room, string adminUserId, ConfigPlan plan, ItemResult result, RoomTarget target)
    {
        result.Action = "created";
        var request = new JsonObject { ["room_alias_name"] = room.Alias[1..room.Alias.IndexOf(':', StringComparison.Ordinal)] };
        var initialState = new JsonArray();
        void State(string type, JsonObject content, string key = "") =>
            initialState.Add((JsonNode)new JsonObject { ["type"] = type, ["state_key"] = key, ["content"] = content });

        if (room.Name is not null)
        {
            request["name"] = room.Name;
        }

        if (room.Topic is not null)
        {
            request["topic"] = room.Topic;
        }

        if (room.Preset is not null)
        {
            request["preset"] = room.Preset;
        }

        if (room.Visibility is not null)
        {
            request["visibility"] = room.Visibility;
        }

        if (room.Encrypted == true)
        {
            State("m.room.encryption", new JsonObject { ["algorithm"] = Megolm });
        }

        if (room.Retention is not null)
        {
            State("m.room.retention", (JsonObject)room.Retention.DeepClone());
        }

        if (room.JoinRule is not null)
        {
            State("m.room.join_rules", new JsonObject { ["join_rule"] = room.JoinRule });
        }

        if (room.HistoryVisibility is not null)
        {
            State("m.room.history_visibility", new JsonObject { ["history_visibility"] = room.HistoryVisibility });
        }

        if (room.GuestAccess is not null)
        {
            State("m.room.guest_access", new JsonObject { ["guest_access"] = room.GuestAccess });
        }

        foreach (var extra in room.ExtraState)
        {
            State(extra.Type, (JsonObject)extra.Content.DeepClone(), extra.StateKey);
        }

        if (initialState.Count > 0)
        {
            request["initial_state"] = initialState;
        }

        var levels = CreationPowerLevels(room, adminUserId);
        if (levels is not null)
        {
            request["power_level_content_override"] = levels;
        }

        result.Before["state"] = "absent";
        result.After["state"] = "present";
        foreach (var (key, value) in Described(room))
        {
            result.Changes.Add(key);
            result.After[key] = value?.DeepClone();
        }

        var details = (JsonObject)request.DeepClone();
        plan.Actions.Add(new PlanAction("create_room", room.Alias, new JsonObject { ["request"] = details }, async (admin, ct) =>
            target.RoomId = await admin.CreateRoomAsync((JsonObject)request.DeepClone(), ct)));
    }

    /// <summary>The creating admin keeps 100 (an override's <c>users</c> replaces the whole map) unless the input says otherwise.</summary>
    private static JsonObject? CreationPowerLevels(DesiredRoom room, string adminUserId)
    {
        var levels = (JsonObject?)room.PowerLevels?.DeepClone();
        var memberLevels = (room.Members ?? []).Where(m => m.PowerLevel is not null).ToList();
        if (levels is null && memberLevels.Count == 0)
        {
            return null;
        }

        levels ??= [];
        var users = levels["users"] as JsonObject ?? [];
        foreach (var member in memberLevels)
        {
            users[member.UserId] = member.PowerLevel;
        }

        if (users.Count > 0)
        {
            users[adminUserId] ??= 100;
            levels["users"] = users.DeepClone();
        }

        return levels;
    }

    /// <summary>What the input sets, as the diff shows it.</summary>
    private static JsonObject Described(DesiredRoom room)
    {
        var described = new JsonObject();
        void Add(string key, JsonNode? value)
        {
            if (value is not null)
            {
                described[key] = value;
            }
        }

        Add("name", room.Name);
        Add("topic", room.Topic);
        Add("encrypted", room.Encrypted);
        Add("retention", room.Retention?.DeepClone());
        Add("preset", room.Preset);
        Add("join_rule", room.JoinRule);
        Add("history_visibility", room.HistoryVisibility);
        Add("guest_access", room.GuestAccess);
        Add("visibility", room.Visibility);
        Add("power_levels", room.PowerLevels?.DeepClone());
        foreach (var extra in room.ExtraState)
        {
            Add(StateLabel(extra.Type, extra.StateKey), extra.Content.DeepClone());
        }

        return described;
    }

    private static string StateLabel(string type, string key) => key.Length == 0 ? $"state {type}" : $"state {type}/{key}";

    private static void Converge(DesiredRoom room, RoomSnapshot current, ConfigPlan plan, ItemResult result, RoomTarget target)
    {
        void Field(string label, string type, string key, string? wanted)
        {
            if (wanted is null)
            {
                return;
            }

            var content = current.Content(type);
            if (JsonSemantics.Equal(content?[key], JsonValue.Create(wanted)))
            {
                return;
            }

            var next = (JsonObject?)content?.DeepClone() ?? [];
            next[key] = wanted;
            Put(label, type, "", content?[key]?.DeepClone(), JsonValue.Create(wanted), next);
        }

        void Put(string label, string type, string stateKey, JsonNode? before, JsonNode? after, JsonObject content)
        {
            result.Changes.Add(label);
            result.Before[label] = before;
            result.After[label] = after;
            plan.Actions.Add(new PlanAction("set_state", room.Alias, new JsonObject { ["room_id"] = current.RoomId, ["event_type"] = type, ["state_key"] = stateKey, ["field"] = label }, (admin, ct) =>
                admin.PutStateAsync(target.Id, type, stateKey, (JsonObject)content.DeepClone(), ct)));
        }

        Field("name", "m.room.name", "name", room.Name);
        Field("topic", "m.room.topic", "topic", room.Topic);
        var encryption = current.Content("m.room.encryption");
        if (room.Encrypted == true && encryption?["algorithm"] is null)
        {
            Put("encrypted", "m.room.encryption", "", false, true, new JsonObject { ["algorithm"] = Megolm });
        }
        else if (room.Encrypted == false && encryption?["algorithm"] is not null)
        {
            plan.Errors.Add($"{room.Path}.encrypted: {room.Alias} is encrypted, and encryption cannot be turned off once enabled (Matrix forbids it); remove encrypted or set it to true");
        }

        if (room.Retention is { } retention && !JsonSemantics.Equal(current.Content("m.room.retention") ?? [], retention))
        {
            Put("retention", "m.room.retention", "", current.Content("m.room.retention")?.DeepClone(), retention.DeepClone(), retention);
        }

        Field("join_rule", "m.room.join_rules", "join_rule", room.JoinRule);
        Field("history_visibility", "m.room.history_visibility", "history_visibility", room.HistoryVisibility);
        Field("guest_access", "m.room.guest_access", "guest_access", room.GuestAccess);
        foreach (var extra in room.ExtraState)
        {
            var content = current.Content(extra.Type, extra.StateKey);
            if (!JsonSemantics.Equal(content ?? [], extra.Content) || content is null)
            {
                Put(StateLabel(extra.Type, extra.StateKey), extra.Type, extra.StateKey, content?.DeepClone(), extra.Content.DeepClone(), extra.Content);
            }
        }

        PowerLevels(room, current, plan, result, target);
        if (room.Visibility is { } visibility && current.Visibility != visibility)
        {
            result.Changes.Add("visibility");
            result.Before["visibility"] = current.Visibility;
            result.After["visibility"] = visibility;
            plan.Actions.Add(new PlanAction("set_visibility", room.Alias, new JsonObject { ["room_id"] = current.RoomId, ["visibility"] = visibility }, (admin, ct) =>
                admin.SetDirectoryVisibilityAsync(target.Id, visibility, ct)));
        }

        if (result.Changes.Count > 0)
        {
            result.Action = "updated";
        }
    }

    /// <summary>Merges the input's levels (and members' levels) into the current content; one write when anything differs.</summary>
    private static void PowerLevels(DesiredRoom room, RoomSnapshot current, ConfigPlan plan, ItemResult result, RoomTarget target)
    {
        var memberLevels = (room.Members ?? []).Where(m => m.PowerLevel is not null).ToList();
        if (room.PowerLevels is null && memberLevels.Count == 0)
        {
            return;
        }

        var before = current.Content("m.room.power_levels") ?? [];
        var after = (JsonObject)before.DeepClone();
        foreach (var (key, value) in room.PowerLevels ?? [])
        {
            if (value is JsonObject map)
            {
                var merged = after[key] as JsonObject ?? [];
                foreach (var (entry, level) in map)
                {
                    merged[entry] = level?.DeepClone();
                }

                after[key] = merged.DeepClone();
            }
            else
            {
                after[key] = value?.DeepClone();
            }
        }

        var users = after["users"] as JsonObject ?? [];
        foreach (var member in memberLevels)
        {
            users[member.UserId] = member.PowerLevel;
        }

        after["users"] = users.DeepClone();
        if (JsonSemantics.Equal(before, after))
        {
            return;
        }

        var (changedBefore, changedAfter) = JsonSemantics.Changed(before, after);
        result.Changes.Add("power_levels");
        result.Before["power_levels"] = changedBefore;
        result.After["power_levels"] = changedAfter;
        plan.Actions.Add(new PlanAction("set_state", room.Alias, new JsonObject { ["room_id"] = current.RoomId, ["event_type"] = "m.room.power_levels", ["state_key"] = "", ["field"] = "power_levels" }, (admin, ct) =>
            admin.PutStateAsync(target.Id, "m.room.power_levels", "", (JsonObject)after.DeepClone(), ct)));
    }

    /// <summary>Joins (admin API) or invites each listed member who is not there yet; with exclusive members, kicks the
    /// joined and invited users who are not listed — never the acting admin.</summary>
    private static void Members(DesiredRoom room, RoomSnapshot? current, string adminUserId, ConfigPlan plan, ItemResult result, RoomTarget target)
    {
        if (room.Members is null)
        {
            return;
        }

        var added = new JsonArray();
        var removed = new JsonArray();
        var before = new JsonObject();
        var after = new JsonObject();
        foreach (var member in room.Members)
        {
            var membership = current?.Membership(member.UserId) ?? (current is null && member.UserId == adminUserId ? "join" : null);
            if (membership == member.Membership || (membership == "join" && member.Membership == "invite"))
            {
                continue;
            }

            if (membership == "ban")
            {
                plan.Errors.Add($"{member.Path}: {member.UserId} is banned from {room.Alias}; unban them first (the configuration never lifts a ban)");
                continue;
            }

            added.Add((JsonNode)member.UserId);
            before[member.UserId] = membership ?? "none";
            after[member.UserId] = member.Membership;
            var roomId = current?.RoomId;
            plan.Actions.Add(member.Membership == "join"
                ? new PlanAction("join_member", room.Alias, new JsonObject { ["room_id"] = roomId, ["user_id"] = member.UserId }, (admin, ct) => admin.ForceJoinAsync(target.Id, member.UserId, ct))
                : new PlanAction("invite_member", room.Alias, new JsonObject { ["room_id"] = roomId, ["user_id"] = member.UserId }, (admin, ct) => admin.InviteAsync(target.Id, member.UserId, ct)));
        }

        if (room.ExclusiveMembers && current is not null)
        {
            var listed = room.Members.Select(m => m.UserId).ToHashSet(StringComparer.Ordinal);
            foreach (var (userId, membership) in current.Members().Where(m => !listed.Contains(m.UserId) && m.UserId != adminUserId))
            {
                removed.Add((JsonNode)userId);
                before[userId] = membership;
                after[userId] = "none";
                plan.Actions.Add(new PlanAction("kick_member", room.Alias, new JsonObject { ["room_id"] = current.RoomId, ["user_id"] = userId }, (admin, ct) =>
                    admin.KickAsync(target.Id, userId, "not in the managed member list", ct)));
            }
        }

        result.Extra["members_added"] = added;
        result.Extra["members_removed"] = removed;
        if (before.Count > 0)
        {
            result.Changes.Add("members");
            result.Before["members"] = before;
            result.After["members"] = after;
        }
    }
}
