using System.Text.Json;
using Solti.Matrix.Homeserver.Admin.Rooms;
using Solti.Matrix.Homeserver.Admin.Users;

namespace Solti.Matrix.Homeserver.Admin;

/// <summary>Rooms: list, details, members, state, async delete (v2) with status, make_room_admin, force join.</summary>
public static class AdminRoomEndpoints
{
    private static readonly string[] OrderBy =
    [
        "name", "canonical_alias", "joined_members", "joined_local_members", "version", "creator", "encryption",
        "federatable", "public", "join_rules", "guest_access", "history_visibility", "state_events",
    ];

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.Map("GET", "/_synapse/admin/v1/rooms", "admin.rooms.list", AuthMode.Admin, List);
        routes.Map("GET", "/_synapse/admin/v1/rooms/{roomId}", "admin.rooms.get", AuthMode.Admin, scope =>
            Reply.Ok(AdminRoomFormat.Details(scope.Server, Room(scope))));
        routes.Map("GET", "/_synapse/admin/v1/rooms/{roomId}/members", "admin.rooms.members", AuthMode.Admin, scope =>
        {
            var members = scope.Server.Memberships.Members(Room(scope), "join").Order(StringComparer.Ordinal).Select(m => (JsonNode)m).ToList();
            return Reply.Ok(new JsonObject { ["members"] = new JsonArray([.. members]), ["total"] = members.Count });
        });
        routes.Map("GET", "/_synapse/admin/v1/rooms/{roomId}/state", "admin.rooms.state", AuthMode.Admin, scope =>
        {
            var room = Room(scope);
            return Reply.Ok(new JsonObject
            {
                ["state"] = new JsonArray([.. scope.Server.Events.CurrentState(room).Select(e => (JsonNode)scope.Server.Events.Render(e, null))]),
            });
        });
        routes.Map("DELETE", "/_synapse/admin/v2/rooms/{roomId}", "admin.rooms.delete", AuthMode.Admin, Delete);
        routes.Map("GET", "/_synapse/admin/v2/rooms/delete_status/{deleteId}", "admin.rooms.delete_status", AuthMode.Admin, scope =>
        {
            var id = scope.Route("deleteId");
            var record = scope.State.Data.RoomDeletions.GetValueOrDefault(id) ?? throw Errors.NotFound("delete id '" + id + "' not found");
            return Reply.Ok(Status(record, withId: false, scope.State.Options.Compatibility));
        });
        routes.Map("GET", "/_synapse/admin/v2/rooms/{roomId}/delete_status", "admin.rooms.delete_status_by_room", AuthMode.Admin, scope =>
        {
            var roomId = RoomId(scope);
            var results = scope.State.Data.RoomDeletions.Values.Where(d => d.RoomId == roomId).Select(d => (JsonNode)Status(d, withId: true, scope.State.Options.Compatibility)).ToList();
            return results.Count == 0 ? throw Errors.NotFound("No delete task for room_id '" + roomId + "' found") : Reply.Ok(new JsonObject { ["results"] = new JsonArray([.. results]) });
        });
        routes.Map("POST", "/_synapse/admin/v1/rooms/{roomIdOrAlias}/make_room_admin", "admin.rooms.make_room_admin", AuthMode.Admin, MakeRoomAdmin);
        routes.Map("POST", "/_synapse/admin/v1/join/{roomIdOrAlias}", "admin.rooms.join", AuthMode.Admin, ForceJoin);
    }

    private static string RoomId(RequestScope scope)
    {
        var roomId = scope.Route("roomId");
        return MatrixIds.IsRoomId(roomId) ? roomId : throw Errors.InvalidParam($"{roomId} is not a legal room ID");
    }

    private static RoomRecord Room(RequestScope scope) =>
        scope.State.Data.Rooms.GetValueOrDefault(RoomId(scope)) is { CurrentState.Count: > 0 } room ? room : throw Errors.NotFound("Room not found");

    private static Reply List(RequestScope scope)
    {
        var from = scope.QueryInt("from", 0);
        var limit = scope.QueryInt("limit", 100);
        var orderBy = scope.Query("order_by") ?? "name";
        if (!OrderBy.Contains(orderBy))
        {
            throw Errors.InvalidParam("Unknown value for order_by: " + orderBy);
        }

        var dir = scope.Query("dir") ?? "f";
        if (dir is not ("f" or "b"))
        {
            throw Errors.Unknown(400, "Unknown direction: " + dir);
        }

        var search = scope.Query("search_term");
        if (search is { Length: 0 })
        {
            throw Errors.InvalidParam("search_term cannot be an empty string");
        }

        var rooms = scope.State.Data.Rooms.Values
            .Where(r => r.CurrentState.Count > 0)
            .Select(r => AdminRoomFormat.Summary(scope.Server, r))
            .Where(r => search is null || new[] { "name", "canonical_alias", "room_id" }.Any(k =>
                r[k] is JsonValue v && v.GetValue<string>().Contains(search, StringComparison.OrdinalIgnoreCase)))
            .ToList();
        // As in Synapse, sizes and versions sort largest first; dir=b flips whichever order applies.
        var ascending = orderBy is not ("joined_members" or "joined_local_members" or "version" or "state_events");
        var ordered = (ascending == (dir == "f") ? rooms.OrderBy(r => Key(r[orderBy]), StringComparer.Ordinal) : rooms.OrderByDescending(r => Key(r[orderBy]), StringComparer.Ordinal))
            .ThenBy(r => r["room_id"]!.GetValue<string>(), StringComparer.Ordinal)
            .ToList();
        var page = ordered.Skip(from).Take(limit).ToList();
        var reply = new JsonObject { ["offset"] = from, ["rooms"] = new JsonArray([.. page]), ["total_rooms"] = ordered.Count };
        if (from + page.Count < ordered.Count)
        {
            reply["next_batch"] = from + page.Count;
        }

        if (from > 0)
        {
            reply["prev_batch"] = Math.Max(0, from - limit);
        }

        return Reply.Ok(reply);
    }

    /// <summary>Sorts nulls first; numbers as zero-padded text so they order by value.</summary>
    private static string Key(JsonNode? node) => node switch
    {
        null => "",
        JsonValue v when Json.TryGetInteger(v, out var n) => "1" + n.ToString("D19", System.Globalization.CultureInfo.InvariantCulture),
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => "1" + v.GetValue<bool>(),
        JsonValue v => "1" + v.GetValue<string>(),
        _ => "1" + node.ToJsonString(),
    };

    private static Reply Delete(RequestScope scope)
    {
        var roomId = RoomId(scope);
        var body = scope.BodyOrEmpty;
        var request = new RoomDeletionRequest(
            Json.OptionalBool(body, "block") ?? false,
            Json.OptionalBool(body, "purge") ?? true,
            Json.OptionalString(body, "message"),
            Json.OptionalString(body, "new_room_user_id"),
            Json.OptionalString(body, "room_name"),
            scope.Requester.UserId);
        if (request.NewRoomUserId is { } creator)
        {
            MatrixIds.RequireUserId(creator, "new_room_user_id");
        }

        if (!scope.State.Data.Rooms.TryGetValue(roomId, out var room))
        {
            throw Errors.NotFound("Unknown room id " + roomId);
        }

        if (RoomDeletions.IsRunning(scope.State, roomId))
        {
            throw Errors.Unknown(400, "History purge already in progress for " + roomId);
        }

        var record = RoomDeletions.Schedule(scope.Server, room, request);
        return Reply.Ok(new JsonObject { ["delete_id"] = record.DeleteId });
    }

    private static JsonObject Status(RoomDeletionRecord record, bool withId, Configuration.Compatibility compatibility)
    {
        var status = new JsonObject();
        if (withId)
        {
            status["delete_id"] = record.DeleteId;
        }

        status["status"] = record.Status;
        if (record.Error is not null && compatibility.LegacyRoomDeletionStatus)
        {
            status["error"] = record.Error;
        }

        status["shutdown_room"] = new JsonObject
        {
            ["kicked_users"] = new JsonArray([.. record.KickedUsers.Select(u => (JsonNode)u)]),
            ["failed_to_kick_users"] = new JsonArray(),
            ["local_aliases"] = new JsonArray([.. record.LocalAliases.Select(a => (JsonNode)a)]),
            ["new_room_id"] = record.NewRoomId,
        };
        return status;
    }

    /// <summary>The local member with the highest power level raises the user to that level; the user is joined
    /// (or invited, for a room they cannot join), as Synapse does.</summary>
    private static Reply MakeRoomAdmin(RequestScope scope)
    {
        var server = scope.Server;
        var room = server.Aliases.Resolve(scope.Route("roomIdOrAlias"));
        var userId = Json.OptionalString(scope.BodyOrEmpty, "user_id") ?? scope.Requester.UserId;
        AdminUsers.RequireLocal(scope.State, userId, "Only local users can be admins of this room");
        var levels = server.Authorizer.PowerLevels(room);
        var admin = server.Memberships.Members(room, "join")
            .Where(scope.State.IsLocal)
            .OrderByDescending(u => levels.UserLevel(u, room.Creator))
            .FirstOrDefault();
        var adminLevel = admin is null ? 0 : levels.UserLevel(admin, room.Creator);
        if (admin is null || adminLevel < levels.EventLevel("m.room.power_levels", isState: true))
        {
            throw Errors.Unknown(400, "No local admin user in room with power to update power levels.");
        }

        var content = (JsonObject)(server.Events.StateEvent(room, "m.room.power_levels", "")?.Content.DeepClone() ?? new JsonObject());
        var users = content["users"] as JsonObject ?? [];
        // A version 12 room's creator is not listed: the user gets 100, as Synapse gives them.
        users[userId] = adminLevel == Homeserver.Rooms.PowerLevels.CreatorLevel ? 100 : adminLevel;
        content["users"] = users;
        server.Events.Append(room, "m.room.power_levels", admin, content, "");
        var membership = server.Authorizer.Membership(room, userId);
        if (membership != "join")
        {
            if (server.Authorizer.JoinRule(room) == "public")
            {
                server.Memberships.Join(room, userId, force: true);
            }
            else if (membership != "invite")
            {
                server.Memberships.SetMembership(room, admin, userId, "invite", reason: null);
            }
        }

        return Reply.Empty();
    }

    /// <summary>Joins a local user; for a room that is not public the admin must be in it (and invites on their behalf).</summary>
    private static Reply ForceJoin(RequestScope scope)
    {
        var server = scope.Server;
        var userId = Json.OptionalString(scope.Body, "user_id") ?? throw Errors.MissingParam("user_id");
        if (!MatrixIds.IsUserId(userId) || !scope.State.IsLocal(userId))
        {
            throw Errors.Unknown(400, "This endpoint can only be used with local users");
        }

        if (scope.State.FindUser(userId) is null)
        {
            throw Errors.NotFound("User not found");
        }

        var room = server.Aliases.Resolve(scope.Route("roomIdOrAlias"));
        if (server.Authorizer.JoinRule(room) != "public" && server.Authorizer.Membership(room, userId) is not ("join" or "invite"))
        {
            var admin = scope.Requester.UserId;
            if (server.Authorizer.Membership(room, admin) != "join")
            {
                throw Errors.Forbidden($"{admin} not in room {room.RoomId}.");
            }

            server.Memberships.Invite(room, admin, userId, reason: null);
        }

        if (server.Authorizer.Membership(room, userId) != "join")
        {
            server.Memberships.Join(room, userId);
        }

        return Reply.Ok(new JsonObject { ["room_id"] = room.RoomId });
    }
}
