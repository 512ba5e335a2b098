using Solti.Matrix.Homeserver.Sync;

namespace Solti.Matrix.Homeserver.Endpoints;

/// <summary>A user's account data, global and per room; reported by <c>/sync</c>.</summary>
public static class AccountDataEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapClient("GET", "/user/{userId}/account_data/{type}", "account_data.get", AuthMode.User, scope => Get(scope, null));
        routes.MapClient("PUT", "/user/{userId}/account_data/{type}", "account_data.put", AuthMode.User, scope => Put(scope, null));
        routes.MapClient("GET", "/user/{userId}/rooms/{roomId}/account_data/{type}", "room_account_data.get", AuthMode.User, scope => Get(scope, RoomId(scope)));
        routes.MapClient("PUT", "/user/{userId}/rooms/{roomId}/account_data/{type}", "room_account_data.put", AuthMode.User, scope => Put(scope, RoomId(scope)));
    }

    private static string RoomId(RequestScope scope)
    {
        var roomId = scope.Route("roomId");
        return MatrixIds.IsRoomId(roomId) ? roomId : throw Errors.InvalidParam($"{roomId} is not a valid room ID");
    }

    private static string Owner(RequestScope scope, string verb)
    {
        var userId = scope.Route("userId");
        return userId == scope.Requester.UserId ? userId : throw Errors.Forbidden($"Cannot {verb} account data for other users.");
    }

    private static Reply Get(RequestScope scope, string? roomId) =>
        AccountData.Get(scope.State, Owner(scope, "get"), roomId, scope.Route("type")) is { } record
            ? Reply.Ok(record.Content.DeepClone())
            : throw Errors.NotFound(roomId is null ? "Account data not found" : "Room account data not found");

    private static Reply Put(RequestScope scope, string? roomId)
    {
        var userId = Owner(scope, "add");
        AccountData.Set(scope.State, userId, roomId, scope.Route("type"), scope.Body);
        return Reply.Empty();
    }
}
