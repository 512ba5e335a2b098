namespace Solti.Matrix.Config;

/// <summary>Plans one room, for <c>matrix_config</c> and <c>synapse_room</c> alike: create it with everything in one
/// <c>createRoom</c>, or converge each managed state event (<see cref="ManagedRoomState"/>), the power levels
/// (<see cref="PowerLevels"/>), the directory visibility and the membership; delete it for <c>state: absent</c>.</summary>
public static class RoomPlanner
{
    /// <summary>Plans what makes the server's room what <paramref name="room"/> says: its result and writes go to
    /// <paramref name="plan"/>, a deletion to <paramref name="deletions"/> (they run last).</summary>
    public static void Plan(DesiredRoom room, ServerSnapshot snapshot, ConfigPlan plan, List<PlanAction> deletions)
    {
        var current = snapshot.Rooms.GetValueOrDefault(room.Key);
        var result = new ItemResult("alias", room.Key, "unchanged");
        plan.Rooms.Add(result);
        if (!room.Present)
        {
            if (current is not null)
            {
                result.Action = "deleted";
                result.RoomId = current.RoomId;
                result.Changes.Add("state");
                result.Before["state"] = "present";
                result.After["state"] = "absent";
                var details = new JsonObject { ["room_id"] = current.RoomId };
                foreach (var (key, value) in room.DeleteOptions.Where(o => o.Key != "message"))
                {
                    details[key] = value?.DeepClone();
                }

                deletions.Add(new PlanAction(PlanActionKind.DeleteRoom, room.Key, details, async (admin, ct) =>
                    result.Server = await admin.DeleteRoomAsync(current.RoomId, (JsonObject)room.DeleteOptions.DeepClone(), TimeSpan.FromMilliseconds(200), ct)));
            }

            return;
        }

        if (current is null)
        {
            Create(room, snapshot, plan, result);
        }
        else
        {
            result.RoomId = current.RoomId;
            Converge(room, current, plan, result);
        }

        Members(room, current, snapshot.AdminUserId, plan, result);
        if (result.Action == "unchanged" && result.Changes.Count > 0)
        {
            result.Action = result.Changes is ["members"] && result.MembersRemoved is null or [] ? "members_added" : "updated";
        }
    }

    /// <summary>The room's id for a write: known, or set once the planned creation has run.</summary>
    private static string Id(ItemResult result) => result.RoomId ?? throw new InvalidOperationException("the room was not created");

    private static void Create(DesiredRoom room, ServerSnapshot snapshot, ConfigPlan plan, ItemResult result)
    {
        result.Action = "created";
        var request = new JsonObject { ["room_alias_name"] = room.Alias[1..room.Alias.IndexOf(':', StringComparison.Ordinal)] };
        var initialState = new JsonArray();
        void State(string type, JsonObject content, string key = "") =>
            initialState.Add((JsonNode)new JsonObject { ["type"] = type, ["state_key"] = key, ["content"] = content });

        foreach (var entry in ManagedRoomState.Entries)
        {
            if (entry.Desired(room) is not { } wanted)
            {
                continue;
            }

            if (entry.CreateRequestKey is { } requestKey)
            {
                request[requestKey] = wanted;
            }
            else if (entry.Content(null, wanted) is { } content)
            {
                State(entry.EventType, content);
            }
        }

        if (room.Preset is not null)
        {
            request["preset"] = room.Preset;
        }

        if (room.Visibility is not null)
        {
            request["visibility"] = room.Visibility;
        }

        if (room.CreationInvites.Count > 0)
        {
            request["invite"] = new JsonArray([.. room.CreationInvites.Select(u => (JsonNode)u)]);
        }

        foreach (var extra in room.ExtraState)
        {
            State(extra.Type, (JsonObject)extra.Content.DeepClone(), extra.StateKey);
        }

        if (initialState.Count > 0)
        {
            request["initial_state"] = initialState;
        }

        // The room's version decides its creators' power: the one asked for, else the server's default.
        var version = room.RoomVersion ?? snapshot.DefaultRoomVersion;
        if (room.RoomVersion is { } asked)
        {
            request["room_version"] = asked;
        }

        var privileged = version is not null && RoomVersions.CreatorsPrivileged(version);
        if (room.AdditionalCreators.Count > 0)
        {
            if (!privileged)
            {
                plan.Errors.Add($"{room.Path}.additional_creators: room version {version ?? "(the server's default)"} has no additional creators; they need a version whose creators are privileged, such as 12 (room_version: \"12\")");
            }

            request["creation_content"] = new JsonObject { ["additional_creators"] = new JsonArray([.. room.AdditionalCreators.Select(u => (JsonNode)u)]) };
        }

        IReadOnlyList<string> creators = privileged ? [snapshot.AdminUserId, .. room.AdditionalCreators] : [];
        if (PowerLevels.ForCreation(room, snapshot.AdminUserId, creators, version ?? "", plan.Errors) is { } levels)
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
        plan.Actions.Add(new PlanAction(PlanActionKind.CreateRoom, room.Key, new JsonObject { ["request"] = details }, async (admin, ct) =>
            result.RoomId = await admin.CreateRoomAsync((JsonObject)request.DeepClone(), ct)));
    }

    /// <summary>What the input sets, as the diff of a new room shows it.</summary>
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

        foreach (var entry in ManagedRoomState.Entries)
        {
            Add(entry.Key, entry.Desired(room));
        }

        Add("preset", room.Preset);
        Add("visibility", room.Visibility);
        Add("room_version", room.RoomVersion);
        if (room.AdditionalCreators.Count > 0)
        {
            Add("additional_creators", new JsonArray([.. room.AdditionalCreators.Select(u => (JsonNode)u)]));
        }

        if (room.CreationInvites.Count > 0)
        {
            Add("invite", new JsonArray([.. room.CreationInvites.Select(u => (JsonNode)u)]));
        }

        Add("power_levels", room.PowerLevels?.DeepClone());
        foreach (var extra in room.ExtraState)
        {
            Add(StateLabel(extra.Type, extra.StateKey), extra.Content.DeepClone());
        }

        return described;
    }

    private static string StateLabel(string type, string key) => key.Length == 0 ? $"state {type}" : $"state {type}/{key}";

    private static void Converge(DesiredRoom room, RoomSnapshot current, ConfigPlan plan, ItemResult result)
    {
        if (room.RoomVersion is { } version && current.Version != version)
        {
            plan.Errors.Add($"{room.Path}.room_version: {room.Key} is a room of version {current.Version}, not {version}; room upgrades are not done here (upgrade it with /upgrade, or remove room_version)");
            return;
        }

        var creators = current.Creators;
        if (room.AdditionalCreators.Except(creators, StringComparer.Ordinal).ToList() is { Count: > 0 } missing)
        {
            plan.Errors.Add($"{room.Path}.additional_creators: {room.Key} (room version {current.Version}) does not have {string.Join(", ", missing)} as creators; creators are set only when a room is created");
        }

        void Put(string label, string type, string stateKey, JsonNode? before, JsonNode? after, JsonObject content)
        {
            result.Changes.Add(label);
            result.Before[label] = before;
            result.After[label] = after;
            plan.Actions.Add(new PlanAction(PlanActionKind.SetState, room.Key, new JsonObject { ["room_id"] = current.RoomId, ["event_type"] = type, ["state_key"] = stateKey, ["field"] = label }, (admin, ct) =>
                admin.PutStateAsync(Id(result), type, stateKey, (JsonObject)content.DeepClone(), ct)));
        }

        foreach (var entry in ManagedRoomState.Entries)
        {
            var content = current.Content(entry.EventType);
            if (entry.Desired(room) is not { } wanted || entry.Matches(content, wanted))
            {
                continue;
            }

            if (entry.Content(content, wanted) is { } next)
            {
                Put(entry.Key, entry.EventType, "", entry.Read(content), wanted, next);
            }
            else
            {
                plan.Errors.Add($"{room.Path}.{entry.Key}: {entry.Refusal?.Invoke(room) ?? $"{entry.Key} cannot be set to {wanted.ToJsonString()} on an existing room"}");
            }
        }

        foreach (var extra in room.ExtraState)
        {
            var content = current.Content(extra.Type, extra.StateKey);
            if (!JsonSemantics.Equal(content ?? [], extra.Content) || content is null)
            {
                Put(StateLabel(extra.Type, extra.StateKey), extra.Type, extra.StateKey, content?.DeepClone(), extra.Content.DeepClone(), extra.Content);
            }
        }

        if (PowerLevels.Managed(room))
        {
            var before = current.Content("m.room.power_levels") ?? [];
            var after = PowerLevels.Merge(before, room.PowerLevels, room.Members ?? []);
            if (creators.Count > 0)
            {
                PowerLevels.LeaveOutCreators(after, room, creators, current.Version, plan.Errors);
            }

            if (!JsonSemantics.Equal(before, after))
            {
                var (changedBefore, changedAfter) = JsonSemantics.Changed(before, after);
                Put("power_levels", "m.room.power_levels", "", changedBefore, changedAfter, after);
            }
        }

        if (room.Visibility is { } visibility && current.Visibility != visibility)
        {
            result.Changes.Add("visibility");
            result.Before["visibility"] = current.Visibility;
            result.After["visibility"] = visibility;
            plan.Actions.Add(new PlanAction(PlanActionKind.SetVisibility, room.Key, new JsonObject { ["room_id"] = current.RoomId, ["visibility"] = visibility }, (admin, ct) =>
                admin.SetDirectoryVisibilityAsync(Id(result), visibility, ct)));
        }

        if (result.Changes.Count > 0)
        {
            result.Action = "updated";
        }
    }

    /// <summary>Joins (admin API) or invites each listed member who is not there yet; with exclusive members, kicks the
    /// joined and invited users who are not listed — never the acting admin, nor a creator of a version 12 room.</summary>
    private static void Members(DesiredRoom room, RoomSnapshot? current, string adminUserId, ConfigPlan plan, ItemResult result)
    {
        if (room.Members is null)
        {
            return;
        }

        var added = new List<string>();
        var removed = new List<string>();
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
                plan.Errors.Add($"{member.Path}: {member.UserId} is banned from {room.Key}; unban them first (the configuration never lifts a ban)");
                continue;
            }

            added.Add(member.UserId);
            before[member.UserId] = membership ?? "none";
            after[member.UserId] = member.Membership;
            var details = new JsonObject { ["room_id"] = current?.RoomId, ["user_id"] = member.UserId };
            plan.Actions.Add(member.Membership == "join"
                ? new PlanAction(PlanActionKind.JoinMember, room.Key, details, (admin, ct) => admin.ForceJoinAsync(Id(result), member.UserId, ct))
                : new PlanAction(PlanActionKind.InviteMember, room.Key, details, (admin, ct) => admin.InviteAsync(Id(result), member.UserId, ct)));
        }

        if (room.ExclusiveMembers && current is not null)
        {
            // A version 12 room's creators cannot be kicked (their power is unlimited): never tried, like the acting admin.
            var listed = room.Members.Select(m => m.UserId).Concat(current.Creators).ToHashSet(StringComparer.Ordinal);
            foreach (var (userId, membership) in current.Members().Where(m => !listed.Contains(m.UserId) && m.UserId != adminUserId))
            {
                removed.Add(userId);
                before[userId] = membership;
                after[userId] = "none";
                plan.Actions.Add(new PlanAction(PlanActionKind.KickMember, room.Key, new JsonObject { ["room_id"] = current.RoomId, ["user_id"] = userId }, (admin, ct) =>
                    admin.KickAsync(Id(result), userId, "not in the managed member list", ct)));
            }
        }

        result.MembersAdded = added;
        result.MembersRemoved = removed;
        if (before.Count > 0)
        {
            result.Changes.Add("members");
            result.Before["members"] = before;
            result.After["members"] = after;
        }
    }
}
