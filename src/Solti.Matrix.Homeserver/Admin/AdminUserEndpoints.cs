using System.Text.Json;
using Solti.Matrix.Homeserver.Admin.Users;

namespace Solti.Matrix.Homeserver.Admin;

/// <summary>Synapse's admin user API: v2 users (get, upsert, list), deactivate, login-as-user.</summary>
public static class AdminUserEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.Map("GET", "/_synapse/admin/v2/users", "admin.users.list", AuthMode.Admin, AdminUserList.Handle);
        routes.Map("GET", "/_synapse/admin/v2/users/{userId}", "admin.users.get", AuthMode.Admin, Get);
        routes.Map("PUT", "/_synapse/admin/v2/users/{userId}", "admin.users.put", AuthMode.Admin, AdminUserUpsert.Handle);
        routes.Map("POST", "/_synapse/admin/v1/deactivate/{userId}", "admin.users.deactivate", AuthMode.Admin, Deactivate);
        routes.Map("POST", "/_synapse/admin/v1/users/{userId}/login", "admin.users.login", AuthMode.Admin, LoginAs);
        routes.Map("POST", "/_synapse/admin/v1/users/{userId}/_allow_cross_signing_replacement_without_uia", "admin.users.allow_cross_signing_replacement", AuthMode.Admin,
            scope => Reply.Ok(E2ee.CrossSigning.AllowReplacement(scope.State, scope.Route("userId"))));
    }

    private static Reply Get(RequestScope scope)
    {
        var user = AdminTargets.LocalUser(scope, "Can only look up local users");
        return Reply.Ok(AdminUserFormat.Full(scope.State, user));
    }

    private static Reply Deactivate(RequestScope scope)
    {
        var body = scope.BodyOrEmpty;
        var erase = body["erase"] switch
        {
            null => false,
            JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
            _ => throw Errors.BadJson("Param 'erase' must be a boolean, if given"),
        };
        var user = AdminTargets.LocalUser(scope, "Can only deactivate local users");
        AccountDeactivation.Deactivate(scope.Server, user, erase);
        return Reply.Ok(new JsonObject { ["id_server_unbind_result"] = "success" });
    }

    private static Reply LoginAs(RequestScope scope)
    {
        var userId = AdminTargets.RequireLocal(scope, "Only local users can be logged in as");
        var body = scope.BodyOrEmpty;
        long? validUntil = body["valid_until_ms"] switch
        {
            null => null,
            JsonValue v when v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out var n) => n,
            _ => throw Errors.Unknown(400, "'valid_until_ms' parameter must be an int"),
        };
        if (userId == scope.Requester.UserId)
        {
            throw Errors.Unknown(400, "Cannot use admin API to login as self");
        }

        // Synapse would mint a token for an unknown user that can never authenticate; a 404 says so up front.
        if (scope.State.FindUser(userId) is null)
        {
            throw Errors.NotFound("User not found");
        }

        var token = SessionTokens.IssueDeviceless(scope.State, userId, validUntil);
        return Reply.Ok(new JsonObject { ["access_token"] = token });
    }
}
