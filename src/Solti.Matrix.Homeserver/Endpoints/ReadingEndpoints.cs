namespace Solti.Matrix.Homeserver.Endpoints;

/// <summary>Read markers, receipts and typing notices. The fully-read marker is kept as the room account data
/// <c>m.fully_read</c>, as Synapse keeps it; receipts and typing are accepted and not passed on (no ephemeral events in sync).</summary>
public static class ReadingEndpoints
{
    private static readonly string[] ReceiptTypes = ["m.read", "m.read.private", "m.fully_read"];

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapClient("POST", "/rooms/{roomId}/read_markers", "rooms.read_markers", AuthMode.User, scope =>
        {
            var room = scope.Server.Aliases.Room(scope.Route("roomId"));
            if (Json.OptionalString(scope.Body, "m.fully_read") is { } fullyRead)
            {
                SetFullyRead(scope, room, fullyRead);
            }

            return Reply.Empty();
        });
        routes.MapClient("POST", "/rooms/{roomId}/receipt/{receiptType}/{eventId}", "rooms.receipt", AuthMode.User, scope =>
        {
            var receiptType = scope.Route("receiptType");
            if (!ReceiptTypes.Contains(receiptType))
            {
                throw Errors.InvalidParam($"Receipt type must be {string.Join(", ", ReceiptTypes.Select(t => $"'{t}'"))}");
            }

            var room = scope.Server.Aliases.Room(scope.Route("roomId"));
            if (receiptType == "m.fully_read")
            {
                SetFullyRead(scope, room, scope.Route("eventId"));
            }

            return Reply.Empty();
        });
        routes.MapClient("PUT", "/rooms/{roomId}/typing/{userId}", "rooms.typing", AuthMode.User, scope =>
        {
            if (scope.Route("userId") != scope.Requester.UserId)
            {
                throw Errors.Forbidden("Cannot set another user's typing state");
            }

            scope.Server.Authorizer.RequireJoined(scope.Server.Aliases.Room(scope.Route("roomId")), scope.Requester.UserId);
            return Reply.Empty();
        });
    }

    private static void SetFullyRead(RequestScope scope, RoomRecord room, string eventId)
    {
        scope.Server.Authorizer.RequireJoined(room, scope.Requester.UserId);
        Sync.AccountData.Set(scope.State, scope.Requester.UserId, room.RoomId, "m.fully_read", new JsonObject { ["event_id"] = eventId });
    }
}
