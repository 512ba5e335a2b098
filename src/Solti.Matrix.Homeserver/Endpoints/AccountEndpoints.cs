namespace Solti.Matrix.Homeserver.Endpoints;

/// <summary><c>account/whoami</c>: <c>device_id</c> is absent for device-less tokens.</summary>
public static class AccountEndpoints
{
    public static void Map(IEndpointRouteBuilder routes) =>
        routes.MapClient("GET", "/account/whoami", "whoami", AuthMode.User, scope =>
        {
            var requester = scope.Requester;
            var reply = new JsonObject { ["user_id"] = requester.UserId, ["is_guest"] = false };
            if (requester.DeviceId is not null)
            {
                reply["device_id"] = requester.DeviceId;
            }

            return Reply.Ok(reply);
        });
}
