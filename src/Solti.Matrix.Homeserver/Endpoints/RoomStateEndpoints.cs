namespace Solti.Matrix.Homeserver.Endpoints;

/// <summary>Room state: all of it, one event's content, and setting one (with power-level checks).</summary>
public static class RoomStateEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapClient("GET", "/rooms/{roomId}/state", "rooms.state", AuthMode.User, scope =>
        {
            var room = scope.Server.Aliases.Room(scope.Route("roomId"));
            RoomEventEndpoints.RequireCanSeeHistory(scope, room);
            return Reply.Ok(new JsonArray([.. scope.Server.Events.CurrentState(room).Select(e => (JsonNode)scope.Server.Events.Render(e, null))]));
        });
        foreach (var path in new[] { "/rooms/{roomId}/state/{eventType}", "/rooms/{roomId}/state/{eventType}/{stateKey}" })
        {
            routes.MapClient("GET", path, "rooms.state.get", AuthMode.User, GetState);
            routes.MapClient("PUT", path, "rooms.state.put", AuthMode.User, PutState);
        }
    }

    private static string StateKey(RequestScope scope) => scope.Context.Request.RouteValues["stateKey"] as string ?? "";

    private static Reply GetState(RequestScope scope)
    {
        var room = scope.Server.Aliases.Room(scope.Route("roomId"));
        RoomEventEndpoints.RequireCanSeeHistory(scope, room);
        var e = scope.Server.Events.StateEvent(room, scope.Route("eventType"), StateKey(scope)) ?? throw Errors.NotFound("Event not found.");
        return Reply.Ok(e.Content.DeepClone());
    }

    private static Reply PutState(RequestScope scope)
    {
        var server = scope.Server;
        var room = server.Aliases.Room(scope.Route("roomId"));
        var type = scope.Route("eventType");
        var stateKey = StateKey(scope);
        var content = scope.Body;
        var sender = scope.Requester.UserId;
        if (type == "m.room.member")
        {
            return Reply.Ok(new JsonObject { ["event_id"] = SetMemberState(scope, room, stateKey, content).EventId });
        }

        if (Admin.Users.ShadowBans.IsBanned(scope.State, sender))
        {
            return Reply.Ok(new JsonObject { ["event_id"] = Admin.Users.ShadowBans.FakeEventId() }); // as Synapse: nothing is stored
        }

        server.Authorizer.AuthorizeEvent(room, sender, type, stateKey, content);

        // Synapse de-duplicates a state event identical to the current one from the same sender.
        if (server.Events.StateEvent(room, type, stateKey) is { } current && current.Sender == sender && JsonNode.DeepEquals(current.Content, content))
        {
            return Reply.Ok(new JsonObject { ["event_id"] = current.EventId });
        }

        server.RateLimiter.Message(sender);
        return Reply.Ok(new JsonObject { ["event_id"] = server.Events.Append(room, type, sender, content, stateKey).EventId });
    }

    private static EventRecord SetMemberState(RequestScope scope, RoomRecord room, string target, JsonObject content)
    {
        var memberships = scope.Server.Memberships;
        var sender = scope.Requester.UserId;
        var reason = Json.OptionalString(content, "reason");
        return Json.OptionalString(content, "membership") switch
        {
            "join" when target == sender => memberships.Join(room, sender),
            "leave" when target == sender => memberships.Leave(room, sender),
            "leave" => memberships.Kick(room, sender, target, reason),
            "invite" => memberships.Invite(room, sender, target, reason),
            "ban" => memberships.Ban(room, sender, target, reason),
            _ => throw Errors.Forbidden("That membership change is not allowed"),
        };
    }
}
