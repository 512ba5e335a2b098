namespace Solti.Matrix.Homeserver.Endpoints;

/// <summary>Room aliases in the directory (resolve, create, delete) and whether a room is published in the room list.</summary>
public static class DirectoryEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapClient("GET", "/directory/room/{roomAlias}", "directory.get", AuthMode.None, scope =>
        {
            var alias = scope.Route("roomAlias");
            if (!State.MatrixIds.IsAlias(alias))
            {
                throw Errors.InvalidParam($"{alias} is not a valid room alias");
            }

            return Reply.Ok(new JsonObject
            {
                ["room_id"] = scope.Server.Aliases.Lookup(alias),
                ["servers"] = new JsonArray(scope.State.ServerName),
            });
        });
        routes.MapClient("PUT", "/directory/room/{roomAlias}", "directory.put", AuthMode.User, scope =>
        {
            var roomId = Json.RequiredString(scope.Body, "room_id");
            var room = scope.Server.Aliases.Room(roomId);
            scope.Server.Aliases.Create(scope.Route("roomAlias"), room.RoomId, scope.Requester.UserId);
            return Reply.Empty();
        });
        routes.MapClient("DELETE", "/directory/room/{roomAlias}", "directory.delete", AuthMode.User, scope =>
        {
            var alias = scope.Route("roomAlias");
            var record = scope.State.Data.Aliases.GetValueOrDefault(alias) ?? throw Errors.NotFound($"Room alias {alias} not found");
            if (record.Creator != scope.Requester.UserId && !scope.Requester.IsAdmin)
            {
                throw Errors.Forbidden("You don't have permission to delete the alias.");
            }

            scope.State.Data.Aliases.Remove(alias);
            return Reply.Empty();
        });
        routes.MapClient("GET", "/directory/list/room/{roomId}", "directory.list.get", AuthMode.None, scope =>
        {
            var room = scope.State.Data.Rooms.GetValueOrDefault(scope.Route("roomId")) ?? throw Errors.NotFound("Unknown room");
            return Reply.Ok(new JsonObject { ["visibility"] = room.Public ? "public" : "private" });
        });
        routes.MapClient("PUT", "/directory/list/room/{roomId}", "directory.list.put", AuthMode.User, SetVisibility);
    }

    /// <summary>As Synapse: visibility defaults to public; a server admin may always change it, anyone else must be
    /// joined with the power to send <c>m.room.canonical_alias</c>.</summary>
    private static Reply SetVisibility(RequestScope scope)
    {
        var visibility = Json.OptionalString(scope.Body, "visibility") ?? "public";
        if (visibility is not ("public" or "private"))
        {
            throw Errors.Unknown(400, "Invalid visibility setting");
        }

        var room = scope.State.Data.Rooms.GetValueOrDefault(scope.Route("roomId")) ?? throw Errors.Unknown(400, "Unknown room");
        if (!scope.Requester.IsAdmin)
        {
            var authorizer = scope.Server.Authorizer;
            if (authorizer.Membership(room, scope.Requester.UserId) != "join")
            {
                throw Errors.Forbidden($"User {scope.Requester.UserId} not in room {room.RoomId}");
            }

            if (authorizer.UserLevel(room, scope.Requester.UserId) < authorizer.PowerLevels(room).EventLevel("m.room.canonical_alias", isState: true))
            {
                throw Errors.Forbidden("This server requires you to be a moderator in the room to edit its room list entry");
            }
        }

        room.Public = visibility == "public";
        return Reply.Empty();
    }
}
