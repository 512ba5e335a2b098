using System.Text.Json;
using System.Text.Json.Nodes;
using Solti.Matrix.Homeserver.Admin.Users;
using Solti.Matrix.Homeserver.Auth;
using Solti.Matrix.Homeserver.Http;
using Solti.Matrix.Homeserver.State;

namespace Solti.Matrix.Homeserver.Admin;

/// <summary><c>override_ratelimit</c>: 0/0 exempts the user from every per-user limiter; other values replace the message limiter.</summary>
public static class AdminRatelimitEndpoints
{
    private const string Path = "/_synapse/admin/v1/users/{userId}/override_ratelimit";

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.Map("GET", Path, "admin.ratelimit.get", AuthMode.Admin, scope => Reply.Ok(Format(User(scope).RatelimitOverride)));
        routes.Map("POST", Path, "admin.ratelimit.set", AuthMode.Admin, scope =>
        {
            var user = User(scope);
            var body = scope.BodyOrEmpty;
            user.RatelimitOverride = new RatelimitOverride(NonNegative(body, "messages_per_second"), NonNegative(body, "burst_count"));
            return Reply.Ok(Format(user.RatelimitOverride));
        });
        routes.Map("DELETE", Path, "admin.ratelimit.delete", AuthMode.Admin, scope =>
        {
            User(scope).RatelimitOverride = null;
            return Reply.Empty();
        });
    }

    private static UserRecord User(RequestScope scope) =>
        AdminUsers.RequireLocal(scope.State, scope.Route("userId"), "Can only look up local users");

    private static JsonObject Format(RatelimitOverride? value) => value is null
        ? []
        : new JsonObject { ["messages_per_second"] = value.MessagesPerSecond, ["burst_count"] = value.BurstCount };

    private static long NonNegative(JsonObject body, string key) => body[key] switch
    {
        null => 0,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out var n) && n >= 0 => n,
        _ => throw Errors.InvalidParam($"{key} must be a positive integer"),
    };
}
