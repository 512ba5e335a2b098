namespace Solti.Matrix.Homeserver.Endpoints;

/// <summary>Join, leave, invite, kick, ban, unban, the member lists and the user's joined rooms.</summary>
public static class MembershipEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapClient("POST", "/join/{roomIdOrAlias}", "join", AuthMode.User, scope => Join(scope, scope.Route("roomIdOrAlias")));
        routes.MapClient("POST", "/rooms/{roomId}/join", "rooms.join", AuthMode.User, scope => Join(scope, scope.Route("roomId")));
        routes.MapClient("POST", "/rooms/{roomId}/leave", "rooms.leave", AuthMode.User, scope =>
        {
            scope.Server.Memberships.Leave(scope.Server.Aliases.Room(scope.Route("roomId")), scope.Requester.UserId);
            return Reply.Empty();
        });
        routes.MapClient("POST", "/rooms/{roomId}/invite", "rooms.invite", AuthMode.User, scope =>
        {
            var (room, target, reason) = Target(scope);
            if (Admin.Users.ShadowBans.IsBanned(scope.State, scope.Requester.UserId))
            {
                return Reply.Empty(); // Synapse: a shadow-banned user's invite succeeds and reaches nobody
            }

            scope.Server.RateLimiter.Invite(scope.Requester.UserId, room.RoomId, target);
            scope.Server.Memberships.Invite(room, scope.Requester.UserId, target, reason);
            return Reply.Empty();
        });
        routes.MapClient("POST", "/rooms/{roomId}/kick", "rooms.kick", AuthMode.User, scope =>
        {
            var (room, target, reason) = Target(scope);
            scope.Server.Memberships.Kick(room, scope.Requester.UserId, target, reason);
            return Reply.Empty();
        });
        routes.MapClient("POST", "/rooms/{roomId}/ban", "rooms.ban", AuthMode.User, scope =>
        {
            var (room, target, reason) = Target(scope);
            scope.Server.Memberships.Ban(room, scope.Requester.UserId, target, reason);
            return Reply.Empty();
        });
        routes.MapClient("POST", "/rooms/{roomId}/unban", "rooms.unban", AuthMode.User, scope =>
        {
            var (room, target, reason) = Target(scope);
            scope.Server.Memberships.Unban(room, scope.Requester.UserId, target, reason);
            return Reply.Empty();
        });
        routes.MapClient("GET", "/rooms/{roomId}/joined_members", "rooms.joined_members", AuthMode.User, JoinedMembers);
        routes.MapClient("GET", "/rooms/{roomId}/members", "rooms.members", AuthMode.User, Members);
        routes.MapClient("GET", "/joined_rooms", "joined_rooms", AuthMode.User, scope => Reply.Ok(new JsonObject
        {
            ["joined_rooms"] = new JsonArray([.. scope.State.Data.Rooms.Values
                .Where(room => scope.Server.Authorizer.Membership(room, scope.Requester.UserId) == "join")
                .Select(room => (JsonNode)room.RoomId)]),
        }));
    }

    private static Reply Join(RequestScope scope, string roomIdOrAlias)
    {
        var room = scope.Server.Aliases.Resolve(roomIdOrAlias);
        var userId = scope.Requester.UserId;
        if (scope.Server.Authorizer.Membership(room, userId) != "join")
        {
            scope.Server.RateLimiter.Join(userId);
            scope.Server.Memberships.Join(room, userId);
        }

        return Reply.Ok(new JsonObject { ["room_id"] = room.RoomId });
    }

    private static (RoomRecord Room, string Target, string? Reason) Target(RequestScope scope)
    {
        var body = scope.Body;
        var target = MatrixIds.RequireUserId(Json.OptionalString(body, "user_id") ?? throw Errors.MissingParam("user_id"));
        return (scope.Server.Aliases.Room(scope.Route("roomId")), target, Json.OptionalString(body, "reason"));
    }

    private static Reply JoinedMembers(RequestScope scope)
    {
        var room = scope.Server.Aliases.Room(scope.Route("roomId"));
        scope.Server.Authorizer.RequireJoined(room, scope.Requester.UserId);
        var joined = new JsonObject();
        foreach (var userId in scope.Server.Memberships.Members(room, "join"))
        {
            var content = scope.Server.Events.StateEvent(room, "m.room.member", userId)!.Content;
            joined[userId] = new JsonObject
            {
                ["avatar_url"] = content["avatar_url"]?.DeepClone(), // key order as recorded from Synapse
                ["display_name"] = content["displayname"]?.DeepClone(),
            };
        }

        return Reply.Ok(new JsonObject { ["joined"] = joined });
    }

    /// <summary>Member events as of now, or as of the sync token <c>at</c>, filtered by <c>membership</c> / <c>not_membership</c>.</summary>
    private static Reply Members(RequestScope scope)
    {
        var room = scope.Server.Aliases.Room(scope.Route("roomId"));
        RoomEventEndpoints.RequireCanSeeHistory(scope, room);
        var only = scope.Query("membership");
        var not = scope.Query("not_membership");
        var at = StreamTokens.Parse(scope.Query("at"));
        var chunk = new JsonArray();
        foreach (var e in scope.Server.Events.StateAt(room, at).Values.Where(e => e.Type == "m.room.member").OrderBy(e => e.StreamOrdering))
        {
            var membership = e.Content["membership"]?.GetValue<string>();
            if ((only is null || membership == only) && (not is null || membership != not))
            {
                chunk.Add(scope.Server.Events.Render(e, null));
            }
        }

        return Reply.Ok(new JsonObject { ["chunk"] = chunk });
    }
}
