namespace Solti.Matrix.Homeserver.Endpoints;

/// <summary><c>POST /createRoom</c>, limited by <c>rc_message</c> as Synapse does.</summary>
public static class RoomCreationEndpoints
{
    public static void Map(IEndpointRouteBuilder routes) =>
        routes.MapClient("POST", "/createRoom", "createRoom", AuthMode.User, scope =>
        {
            var body = scope.Body;
            scope.Server.RateLimiter.Message(scope.Requester.UserId);
            var (room, alias) = scope.Server.Creation.Create(scope.Requester, body);
            var reply = new JsonObject { ["room_id"] = room.RoomId };
            if (alias is not null && scope.State.Options.Compatibility.CreateRoomReturnsAlias)
            {
                reply["room_alias"] = alias;
            }

            return Reply.Ok(reply);
        });
}
