using Solti.Matrix.Homeserver.E2ee;

namespace Solti.Matrix.Homeserver.Sync;

/// <summary>Builds one <c>/sync</c> answer under the state lock, in Synapse's shape: only the sections that have
/// something (<c>rooms</c>, <c>account_data</c>, <c>to_device</c>, <c>device_lists</c>), always
/// <c>device_one_time_keys_count</c> and the unused fallback key types; <see cref="Result.HasUpdates"/> is false when
/// there is nothing to report (a long poll then waits).</summary>
public sealed class SyncBuilder(ServerContext server, Requester requester, long? since, bool fullState, SyncFilter filter)
{
    /// <summary>The state types stripped into an invite (Synapse's default <c>room_prejoin_state</c>).</summary>
    private static readonly string[] PrejoinStateTypes =
        ["m.room.join_rules", "m.room.canonical_alias", "m.room.avatar", "m.room.encryption", "m.room.name", "m.room.create", "m.room.topic"];

    public sealed record Result(JsonObject Body, bool HasUpdates);

    private ServerState State => server.State;

    private string UserId => requester.UserId;

    private string ViewerScope => requester.TxnScope(State.Options.Compatibility.TxnScope);

    public Result Build()
    {
        var now = State.CurrentPosition;
        var join = new JsonObject();
        var invite = new JsonObject();
        var leave = new JsonObject();
        foreach (var room in State.Data.Rooms.Values.Where(r => filter.AcceptsRoom(r.RoomId)).OrderBy(r => r.RoomId, StringComparer.Ordinal))
        {
            var membership = server.Authorizer.Membership(room, UserId);
            var then = since is null ? null : server.Events.MembershipsAt(room, since).GetValueOrDefault(UserId);
            switch (membership)
            {
                case "join":
                    if (JoinedRoom(room, newlyJoined: since is null || fullState || then != "join") is { } joined)
                    {
                        join[room.RoomId] = joined;
                    }

                    break;
                case "invite" when since is null || server.Events.StateEvent(room, "m.room.member", UserId)!.StreamOrdering >= since:
                    invite[room.RoomId] = InvitedRoom(room);
                    break;
                case "leave" or "ban" when since is not null && then is "join" or "invite" && LeftRoom(room) is { } leftRoom:
                    leave[room.RoomId] = leftRoom;
                    break;
            }
        }

        var body = new JsonObject { ["next_batch"] = StreamTokens.Format(now) };
        var accountData = GlobalAccountData();
        if (accountData.Count > 0)
        {
            body["account_data"] = new JsonObject { ["events"] = accountData };
        }

        var device = requester.DeviceId is { } deviceId ? State.FindDevice(UserId, deviceId) : null;
        var toDevice = device is null ? [] : ToDeviceInbox.Pending(State, UserId, device.DeviceId, since);
        if (toDevice.Count > 0)
        {
            body["to_device"] = new JsonObject { ["events"] = new JsonArray([.. toDevice.Select(m => (JsonNode)ToDeviceInbox.Render(m))]) };
        }

        var (changed, left) = since is null ? ([], []) : DeviceLists.Since(server, UserId, since.Value);
        if (changed.Count > 0 || left.Count > 0)
        {
            var lists = new JsonObject();
            if (changed.Count > 0)
            {
                lists["changed"] = new JsonArray([.. changed.Select(u => (JsonNode)u)]);
            }

            if (left.Count > 0)
            {
                lists["left"] = new JsonArray([.. left.Select(u => (JsonNode)u)]);
            }

            body["device_lists"] = lists;
        }

        body["device_one_time_keys_count"] = device is null ? new JsonObject() : DeviceKeys.Counts(device);
        body["org.matrix.msc2732.device_unused_fallback_key_types"] = device is null ? new JsonArray() : DeviceKeys.UnusedFallbackTypes(device);
        body["device_unused_fallback_key_types"] = device is null ? new JsonArray() : DeviceKeys.UnusedFallbackTypes(device);
        if (join.Count > 0 || invite.Count > 0 || leave.Count > 0)
        {
            var rooms = new JsonObject();
            AddIfAny(rooms, "join", join);
            AddIfAny(rooms, "invite", invite);
            AddIfAny(rooms, "leave", leave);
            body["rooms"] = rooms;
        }

        var hasUpdates = join.Count > 0 || invite.Count > 0 || leave.Count > 0 || accountData.Count > 0 || toDevice.Count > 0 || changed.Count > 0 || left.Count > 0;
        if (!hasUpdates && since is { } unchanged)
        {
            body["next_batch"] = StreamTokens.Format(unchanged); // nothing happened: the token the client came with, as Synapse answers
        }

        return new Result(body, hasUpdates);
    }

    private static void AddIfAny(JsonObject rooms, string key, JsonObject section)
    {
        if (section.Count > 0)
        {
            rooms[key] = section;
        }
    }

    /// <summary>A joined room: the whole room (last <c>limit</c> events, the state before them) when it is new to this
    /// sync, else what happened since; null when nothing did.</summary>
    private JsonObject? JoinedRoom(RoomRecord room, bool newlyJoined)
    {
        var from = newlyJoined ? null : since;
        var (timeline, limited) = Timeline(room, from, untilPosition: null);
        var accountData = RoomAccountData(room, from);
        var start = timeline.Count > 0 ? timeline[0].StreamOrdering : State.CurrentPosition;
        var stateEvents = StateBefore(room, start, from, timeline, includeOwnMember: from is null);
        if (!newlyJoined && timeline.Count == 0 && stateEvents.Count == 0 && accountData.Count == 0)
        {
            return null;
        }

        var result = RoomSection(timeline, limited, start, stateEvents, accountData);
        result["ephemeral"] = new JsonObject { ["events"] = new JsonArray() };
        result["unread_notifications"] = new JsonObject { ["notification_count"] = 0, ["highlight_count"] = 0 };
        result["summary"] = filter.State.LazyLoadMembers ? Summary(room) : new JsonObject();
        return result;
    }

    /// <summary>A room left (kicked, banned or left) since the token: the events up to the leave. An incremental sync
    /// always has the rooms newly left, with or without <c>include_leave</c> (Synapse's; Complement's "Newly left rooms
    /// appear in the leave section of incremental sync" sets no filter): <c>include_leave</c> is about initial syncs,
    /// which list no left room here.</summary>
    private JsonObject? LeftRoom(RoomRecord room)
    {
        var leaveEvent = server.Events.StateEvent(room, "m.room.member", UserId)!;
        if (leaveEvent.StreamOrdering < since)
        {
            return null;
        }

        var (timeline, limited) = Timeline(room, since, untilPosition: leaveEvent.StreamOrdering + 1);
        var start = timeline.Count > 0 ? timeline[0].StreamOrdering : leaveEvent.StreamOrdering + 1;
        var stateEvents = StateBefore(room, start, since, timeline, includeOwnMember: false);
        return RoomSection(timeline, limited, start, stateEvents, RoomAccountData(room, since));
    }

    private JsonObject RoomSection(List<EventRecord> timeline, bool limited, long start, List<EventRecord> stateEvents, JsonArray accountData) => new()
    {
        ["timeline"] = new JsonObject
        {
            ["events"] = new JsonArray([.. timeline.Select(e => (JsonNode)Render(e))]),
            ["prev_batch"] = StreamTokens.Format(start),
            ["limited"] = limited,
        },
        ["state"] = new JsonObject { ["events"] = new JsonArray([.. stateEvents.Select(e => (JsonNode)Render(e))]) },
        ["account_data"] = new JsonObject { ["events"] = accountData },
    };

    /// <summary>The last <c>limit</c> events the timeline filter accepts, from <paramref name="from"/> (all when null) until
    /// <paramref name="untilPosition"/> (now when null); limited when more were there.</summary>
    private (List<EventRecord> Events, bool Limited) Timeline(RoomRecord room, long? from, long? untilPosition)
    {
        var visible = room.Timeline.Select(id => State.Data.Events[id])
            .Where(e => (from is null || e.StreamOrdering >= from) && (untilPosition is null || e.StreamOrdering < untilPosition))
            .Where(e => filter.Timeline.Accepts(e.Type, e.Sender))
            .ToList();
        var limit = filter.Timeline.Limit;
        return visible.Count > limit ? (visible[^limit..], true) : (visible, false);
    }

    /// <summary>The state before the timeline: all of it for a room new to this sync (<paramref name="from"/> null), else
    /// what changed between the token and the timeline. With <c>lazy_load_members</c> only the members who sent timeline
    /// events (and the user's own on a full sync), as Synapse lazy-loads.</summary>
    private List<EventRecord> StateBefore(RoomRecord room, long start, long? from, List<EventRecord> timeline, bool includeOwnMember)
    {
        var senders = timeline.Select(e => e.Sender).ToHashSet(StringComparer.Ordinal);
        if (includeOwnMember)
        {
            senders.Add(UserId);
        }

        return [.. server.Events.StateAt(room, start).Values
            .Where(e => from is null || e.StreamOrdering >= from)
            .Where(e => filter.State.Accepts(e.Type, e.Sender))
            .Where(e => !filter.State.LazyLoadMembers || e.Type != "m.room.member" || senders.Contains(e.StateKey!))
            .OrderBy(e => e.StreamOrdering)];
    }

    /// <summary>Synapse's room summary (computed when members are lazy-loaded): up to five heroes and the member counts.</summary>
    private JsonObject Summary(RoomRecord room)
    {
        var members = server.Events.MembershipsAt(room, null);
        var heroes = members.Where(m => m.Key != UserId && m.Value is "join" or "invite")
            .Select(m => server.Events.StateEvent(room, "m.room.member", m.Key)!)
            .OrderBy(e => e.StreamOrdering).Take(5).Select(e => (JsonNode)e.StateKey!);
        return new JsonObject
        {
            ["m.heroes"] = new JsonArray([.. heroes]),
            ["m.joined_member_count"] = members.Count(m => m.Value == "join"),
            ["m.invited_member_count"] = members.Count(m => m.Value == "invite"),
        };
    }

    /// <summary>What an invitee sees: the stripped prejoin state, the inviter's membership, and the invite itself.</summary>
    private JsonObject InvitedRoom(RoomRecord room)
    {
        var invite = server.Events.StateEvent(room, "m.room.member", UserId)!;
        var stripped = new JsonArray();
        foreach (var e in server.Events.CurrentState(room))
        {
            if ((e.StateKey == "" && PrejoinStateTypes.Contains(e.Type)) || (e.Type == "m.room.member" && e.StateKey == invite.Sender))
            {
                stripped.Add(new JsonObject { ["type"] = e.Type, ["state_key"] = e.StateKey, ["content"] = e.Content.DeepClone(), ["sender"] = e.Sender });
            }
        }

        stripped.Add(Render(invite));
        return new JsonObject { ["invite_state"] = new JsonObject { ["events"] = stripped } };
    }

    private JsonArray GlobalAccountData()
    {
        var events = new JsonArray();
        if (since is null && filter.AccountData.Accepts("m.push_rules", null))
        {
            events.Add(new JsonObject { ["type"] = "m.push_rules", ["content"] = PushRules.Defaults(UserId) }); // as Synapse on an initial sync
        }

        foreach (var record in AccountData.Changes(State, UserId, null, since).Where(r => filter.AccountData.Accepts(r.Type, null)))
        {
            events.Add(AccountData.Render(record));
        }

        return events;
    }

    private JsonArray RoomAccountData(RoomRecord room, long? from) =>
        new([.. AccountData.Changes(State, UserId, room.RoomId, from).Where(r => filter.RoomAccountData.Accepts(r.Type, null)).Select(r => (JsonNode)AccountData.Render(r))]);

    /// <summary>Sync's event form: the client form without <c>room_id</c>, <c>unsigned.transaction_id</c> for the sender's device.</summary>
    private JsonObject Render(EventRecord e)
    {
        var json = server.Events.Render(e, ViewerScope);
        json.Remove("room_id");
        return json;
    }
}
