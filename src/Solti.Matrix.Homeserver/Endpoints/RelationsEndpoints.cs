using Solti.Matrix.Homeserver.Rooms;

namespace Solti.Matrix.Homeserver.Endpoints;

/// <summary><c>GET /_matrix/client/v1/rooms/{roomId}/relations/{eventId}[/{relType}[/{eventType}]]</c> as Synapse's
/// <c>RelationPaginationServlet</c> (v1 only, on 1.67 too): <c>limit</c> 5 by default, newest first unless
/// <c>dir=f</c>, <c>from</c>/<c>next_batch</c>/<c>prev_batch</c> stream tokens. <c>recurse</c> is not served.</summary>
public static class RelationsEndpoints
{
    private const string Base = "/_matrix/client/v1/rooms/{roomId}/relations/{eventId}";

    public static void Map(IEndpointRouteBuilder routes)
    {
        foreach (var suffix in new[] { "", "/{relType}", "/{relType}/{eventType}" })
        {
            routes.Map("GET", Base + suffix, "rooms.relations", AuthMode.User, List);
        }
    }

    private static Reply List(RequestScope scope)
    {
        var server = scope.Server;
        var room = server.Aliases.Room(scope.Route("roomId"));
        RoomEventEndpoints.RequireCanSeeHistory(scope, room);
        if (!scope.State.Data.Events.TryGetValue(scope.Route("eventId"), out var parent) || parent.RoomId != room.RoomId)
        {
            throw Errors.Unknown(404, "Unknown parent event.");
        }

        var legacy = scope.State.Options.Compatibility.LegacyRelations;
        var backwards = legacy || Direction(scope) == "b"; // 1.67 knew only the unstable, disabled dir flag
        var limit = scope.QueryInt("limit", 5, 0, 1000);
        var from = StreamTokens.Parse(scope.Query("from"));
        var page = Window(scope, room, parent.EventId, backwards, from).Take(limit + 1).ToList();
        var viewer = scope.Requester.TxnScope(scope.State.Options.Compatibility.TxnScope);
        var reply = new JsonObject
        {
            ["chunk"] = new JsonArray([.. page.Take(limit).Select(e => (JsonNode)Relations.Bundle(server, e, server.Events.Render(e, viewer), scope.Requester.UserId, viewer))]),
        };
        if (legacy)
        {
            reply["original_event"] = server.Events.Render(parent, viewer);
        }

        if (page.Count > limit && limit > 0)
        {
            var last = page[limit - 1].StreamOrdering;
            reply["next_batch"] = StreamTokens.Format(backwards ? last : last + 1);
        }

        if (scope.Query("from") is { } token)
        {
            reply["prev_batch"] = token;
        }

        return Reply.Ok(reply);
    }

    /// <summary>The relations after the <c>from</c> token in the direction asked, filtered by the path's rel_type and type.</summary>
    private static IEnumerable<EventRecord> Window(RequestScope scope, RoomRecord room, string parentId, bool backwards, long? from)
    {
        var relType = scope.Context.Request.RouteValues["relType"] as string;
        var eventType = scope.Context.Request.RouteValues["eventType"] as string;
        var related = Relations.Children(scope.State, room, parentId, relType).Where(e => eventType is null || e.Type == eventType);
        return backwards
            ? related.Where(e => from is null || e.StreamOrdering < from).OrderByDescending(e => e.StreamOrdering)
            : related.Where(e => from is null || e.StreamOrdering >= from).OrderBy(e => e.StreamOrdering);
    }

    private static string Direction(RequestScope scope) => scope.Query("dir") switch
    {
        null or "b" => "b",
        "f" => "f",
        _ => throw Errors.InvalidParam("Query parameter 'dir' must be one of ['b', 'f']"),
    };
}
