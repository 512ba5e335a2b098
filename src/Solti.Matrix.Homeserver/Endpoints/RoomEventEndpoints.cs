namespace Solti.Matrix.Homeserver.Endpoints;

/// <summary>Sending events (with transaction-id de-duplication) and reading them back.</summary>
public static class RoomEventEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapClient("PUT", "/rooms/{roomId}/send/{eventType}/{txnId}", "rooms.send", AuthMode.User, Send);
        routes.MapClient("GET", "/rooms/{roomId}/messages", "rooms.messages", AuthMode.User, Messages);
        routes.MapClient("GET", "/rooms/{roomId}/event/{eventId}", "rooms.event", AuthMode.User, GetEvent);
    }

    /// <summary>A retransmission (same scope, room and txn id) returns the first event id; failures are not remembered.</summary>
    private static Reply Send(RequestScope scope)
    {
        var server = scope.Server;
        var state = scope.State;
        var roomId = scope.Route("roomId");
        var txnId = scope.Route("txnId");
        var txnScope = scope.Requester.TxnScope(state.Options.Compatibility.TxnScope);
        var txnKey = string.Join('\u001f', txnScope, roomId, txnId);
        if (state.Data.Transactions.TryGetValue(txnKey, out var seen)
            && state.NowMs - seen.CreatedMs < (long)state.Options.TransactionLifetime.TotalMilliseconds
            && (seen.Fake || state.Data.Events.ContainsKey(seen.EventId)))
        {
            return Reply.Ok(new JsonObject { ["event_id"] = seen.EventId });
        }

        if (Admin.Users.ShadowBans.IsBanned(state, scope.Requester.UserId))
        {
            // Synapse answers a shadow-banned user's send with a made-up event id, remembered for the transaction.
            var fake = Admin.Users.ShadowBans.FakeEventId();
            state.Data.Transactions[txnKey] = new TransactionRecord { EventId = fake, CreatedMs = state.NowMs, Fake = true };
            return Reply.Ok(new JsonObject { ["event_id"] = fake });
        }

        var room = server.Aliases.Room(roomId);
        var type = scope.Route("eventType");
        var content = scope.Body;
        var sender = scope.Requester.UserId;
        server.Authorizer.AuthorizeEvent(room, sender, type, null, content);
        server.RateLimiter.Message(sender);
        var e = server.Events.Append(room, type, sender, content, null);
        e.TxnId = txnId;
        e.TxnScope = txnScope;
        state.Data.Transactions[txnKey] = new TransactionRecord { EventId = e.EventId, CreatedMs = state.NowMs };
        return Reply.Ok(new JsonObject { ["event_id"] = e.EventId });
    }

    /// <summary>Members and former members may read; others get Synapse's 403.</summary>
    public static void RequireCanSeeHistory(RequestScope scope, RoomRecord room)
    {
        if (scope.Server.Authorizer.Membership(room, scope.Requester.UserId) is null or "invite")
        {
            throw Errors.Forbidden($"User {scope.Requester.UserId} not in room {room.RoomId}, and room previews are disabled");
        }
    }

    /// <summary>Pagination tokens are stream positions: <c>s{n}</c>.</summary>
    private static Reply Messages(RequestScope scope)
    {
        var server = scope.Server;
        var room = server.Aliases.Room(scope.Route("roomId"));
        RequireCanSeeHistory(scope, room);
        var dir = scope.Query("dir") ?? "b";
        if (dir is not ("b" or "f"))
        {
            throw Errors.InvalidParam("Query parameter 'dir' must be one of ['b', 'f']");
        }

        var limit = scope.QueryInt("limit", 10, 0, 1000);
        var backwards = dir == "b";
        var from = StreamTokens.Parse(scope.Query("from")) ?? (backwards ? long.MaxValue : 0);
        var to = StreamTokens.Parse(scope.Query("to"));
        var filter = MessageFilter.Parse(scope.Query("filter"));
        var ordered = room.Timeline.Select(id => scope.State.Data.Events[id]);
        IEnumerable<EventRecord> window = backwards
            ? ordered.Where(e => e.StreamOrdering < from && (to is null || e.StreamOrdering >= to)).OrderByDescending(e => e.StreamOrdering)
            : ordered.Where(e => e.StreamOrdering >= from && (to is null || e.StreamOrdering < to)).OrderBy(e => e.StreamOrdering);
        window = window.Where(filter.Accepts);
        var page = window.Take(limit).ToList();

        var viewer = scope.Requester.TxnScope(scope.State.Options.Compatibility.TxnScope);
        var reply = new JsonObject
        {
            ["chunk"] = new JsonArray([.. page.Select(e => (JsonNode)Rooms.Relations.Bundle(server, e, server.Events.Render(e, viewer), scope.Requester.UserId, viewer))]),
            ["start"] = scope.Query("from") ?? StreamTokens.Format(backwards ? scope.State.CurrentPosition : 0),
        };
        // As Synapse (handlers/pagination.py): every page with events has an end token, also the last one; only an
        // empty page has none, which is how a client knows it reached the end.
        if (page.Count > 0)
        {
            reply["end"] = StreamTokens.Format(backwards ? page[^1].StreamOrdering : page[^1].StreamOrdering + 1);
        }

        return Reply.Ok(reply);
    }

    private static Reply GetEvent(RequestScope scope)
    {
        var room = scope.Server.Aliases.Room(scope.Route("roomId"));
        RequireCanSeeHistory(scope, room);
        if (!scope.State.Data.Events.TryGetValue(scope.Route("eventId"), out var e) || e.RoomId != room.RoomId)
        {
            throw Errors.NotFound("Could not find event " + scope.Route("eventId"));
        }

        var viewer = scope.Requester.TxnScope(scope.State.Options.Compatibility.TxnScope);
        return Reply.Ok(Rooms.Relations.Bundle(scope.Server, e, scope.Server.Events.Render(e, viewer), scope.Requester.UserId, viewer));
    }
}
