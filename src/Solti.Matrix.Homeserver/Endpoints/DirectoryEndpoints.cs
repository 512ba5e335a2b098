using System.Text.Json.Nodes;
using Solti.Matrix.Homeserver.Auth;
using Solti.Matrix.Homeserver.Http;

namespace Solti.Matrix.Homeserver.Endpoints;

/// <summary>Room aliases in the directory: resolve, create, delete.</summary>
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
    }
}
