using System.Text.Json;
using Solti.Matrix.Homeserver.Admin.Users;

namespace Solti.Matrix.Homeserver.Admin;

/// <summary><c>/_synapse/admin/v1/users/{userId}/override_ratelimit</c>: per-user message rate-limit override.</summary>
public static class AdminRatelimitEndpoints
{
    private const string Path = "/_synapse/admin/v1/users/{userId}/override_ratelimit";

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.Map("GET", Path, "admin.ratelimit.get", AuthMode.Admin, Get);
        routes.Map("POST", Path, "admin.ratelimit.set", AuthMode.Admin, Set);
        routes.Map("DELETE", Path, "admin.ratelimit.delete", AuthMode.Admin, Delete);
    }

    private static UserRecord Target(RequestScope scope, string remoteError = "Only local users can be ratelimited") =>
        AdminTargets.LocalUser(scope, remoteError);

    private static Reply Get(RequestScope scope) => Reply.Ok(Render(Target(scope, "Can only look up local users").RatelimitOverride));

    private static Reply Set(RequestScope scope)
    {
        var user = Target(scope);
        var body = scope.BodyOrEmpty;
        var perSecond = NonNegative(body, "messages_per_second");
        var burst = NonNegative(body, "burst_count");
        user.RatelimitOverride = new RatelimitOverride(perSecond, burst);
        return Reply.Ok(Render(user.RatelimitOverride));
    }

    private static Reply Delete(RequestScope scope)
    {
        Target(scope).RatelimitOverride = null;
        return Reply.Empty();
    }

    private static long NonNegative(JsonObject body, string key) => body[key] switch
    {
        null => 0,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out var n) && n >= 0 => n,
        var other => throw Errors.InvalidParam($"{PythonRepr(other!)} parameter must be a positive int"),
    };

    /// <summary>Synapse words this error with Python's repr of the value.</summary>
    private static string PythonRepr(JsonNode value) => value switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => $"'{v.GetValue<string>()}'",
        JsonValue v when v.GetValueKind() == JsonValueKind.True => "True",
        JsonValue v when v.GetValueKind() == JsonValueKind.False => "False",
        _ => value.ToJsonString(),
    };

    private static JsonObject Render(RatelimitOverride? value) => value is null
        ? []
        : new JsonObject { ["messages_per_second"] = value.MessagesPerSecond, ["burst_count"] = value.BurstCount };
}
