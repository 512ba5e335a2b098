using Solti.Matrix.Homeserver.Admin.Users;

namespace Solti.Matrix.Homeserver.Admin.Rooms;

/// <summary>The async room deletion of the v2 admin API: <c>scheduled</c> → <c>active</c> → <c>complete</c> (or
/// <c>failed</c>), each step after <c>RoomDeletionStepDelay</c>, in the background; on the 1.67 profile
/// <c>shutting_down</c> → <c>purging</c> → … (<see cref="Configuration.Compatibility.LegacyRoomDeletionStatus"/>).</summary>
public static class RoomDeletions
{
    public static RoomDeletionRecord Schedule(ServerContext server, RoomRecord room, RoomDeletionRequest request)
    {
        var state = server.State;
        var (first, second) = state.Options.Compatibility.LegacyRoomDeletionStatus ? ("shutting_down", "purging") : ("scheduled", "active");
        var record = new RoomDeletionRecord { DeleteId = Identifiers.DeleteId(), RoomId = room.RoomId, Status = first };
        state.Data.RoomDeletions[record.DeleteId] = record;
        _ = Task.Run(async () =>
        {
            await Task.Delay(state.Options.RoomDeletionStepDelay);
            Step(state, () => record.Status = second);
            await Task.Delay(state.Options.RoomDeletionStepDelay);
            Step(state, () =>
            {
                try
                {
                    Run(server, record, request);
                    record.Status = "complete";
                }
                catch (Http.HomeserverErrorException e)
                {
                    record.Status = "failed";
                    record.Error = e.Message;
                }
            });
        });
        return record;
    }

    public static bool IsRunning(ServerState state, string roomId) =>
        state.Data.RoomDeletions.Values.Any(d => d.RoomId == roomId && d.Status is not ("complete" or "failed"));

    private static void Step(ServerState state, Action action)
    {
        lock (state.Sync)
        {
            action();
            state.Persist();
        }
    }

    /// <summary>Kicks local members (into a new room when asked), removes local aliases, then blocks and/or purges.</summary>
    private static void Run(ServerContext server, RoomDeletionRecord record, RoomDeletionRequest request)
    {
        var state = server.State;
        if (!state.Data.Rooms.TryGetValue(record.RoomId, out var room))
        {
            throw Http.Errors.NotFound($"Unknown room {record.RoomId}");
        }

        RoomRecord? newRoom = null;
        if (request.NewRoomUserId is { } creator)
        {
            AdminUsers.RequireLocal(state, creator, "User must be local to create a new room");
            var requester = new Auth.Requester(creator, null, 0, "", IsAdmin: false);
            (newRoom, _) = server.Creation.Create(requester, new System.Text.Json.Nodes.JsonObject
            {
                ["name"] = request.RoomName ?? "Content Violation Notification",
                ["preset"] = "public_chat",
            });
            if (request.Message is { } message)
            {
                server.Events.Append(newRoom, "m.room.message", creator, new System.Text.Json.Nodes.JsonObject { ["msgtype"] = "m.text", ["body"] = message }, null);
            }

            record.NewRoomId = newRoom.RoomId;
        }

        foreach (var member in server.Memberships.Members(room, "join").Where(state.IsLocal).ToList())
        {
            server.Memberships.SetMembership(room, member, member, "leave", reason: null);
            record.KickedUsers.Add(member);
            if (newRoom is not null && member != request.NewRoomUserId)
            {
                server.Memberships.SetMembership(newRoom, member, member, "join", reason: null);
            }
        }

        foreach (var alias in server.Aliases.AliasesOf(room.RoomId).ToList())
        {
            state.Data.Aliases.Remove(alias);
            record.LocalAliases.Add(alias);
        }

        room.Public = false;
        room.Blocked = request.Block;
        if (request.Purge)
        {
            foreach (var eventId in room.Timeline)
            {
                state.Data.Events.Remove(eventId);
            }

            foreach (var key in state.Data.Transactions.Where(t => !state.Data.Events.ContainsKey(t.Value.EventId)).Select(t => t.Key).ToList())
            {
                state.Data.Transactions.Remove(key);
            }

            if (request.Block)
            {
                room.Timeline.Clear();
                room.CurrentState.Clear();
            }
            else
            {
                state.Data.Rooms.Remove(room.RoomId);
            }
        }
    }
}
