using System.Text.Json;
using System.Text.Json.Nodes;
using Solti.Matrix.Homeserver.Admin.Users;
using Solti.Matrix.Homeserver.Auth;
using Solti.Matrix.Homeserver.Http;
using Solti.Matrix.Homeserver.State;

namespace Solti.Matrix.Homeserver.Admin;

/// <summary>Users: get, upsert, list, deactivate, and login-as-user.</summary>
public static class AdminUserEndpoints
{
    private static readonly string[] OrderBy = ["name", "is_guest", "admin", "user_type", "deactivated", "shadow_banned", "displayname", "avatar_url", "creation_ts", "last_seen_ts", "locked"];

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.Map("GET", "/_synapse/admin/v2/users/{userId}", "admin.users.get", AuthMode.Admin, scope =>
            Reply.Ok(AdminUserFormat.Details(scope.State, AdminUsers.RequireLocal(scope.State, scope.Route("userId")))));
        routes.Map("PUT", "/_synapse/admin/v2/users/{userId}", "admin.users.put", AuthMode.Admin, Put);
        routes.Map("GET", "/_synapse/admin/v2/users", "admin.users.list", AuthMode.Admin, List);
        routes.Map("POST", "/_synapse/admin/v1/deactivate/{userId}", "admin.users.deactivate", AuthMode.Admin, scope =>
        {
            var user = AdminUsers.RequireLocal(scope.State, scope.Route("userId"), "Can only deactivate local users");
            var erase = Json.OptionalBool(scope.BodyOrEmpty, "erase") ?? false;
            AdminUsers.Deactivate(scope.Server, user, erase);
            return Reply.Ok(new JsonObject { ["id_server_unbind_result"] = "success" });
        });
        routes.Map("POST", "/_synapse/admin/v1/users/{userId}/login", "admin.users.login", AuthMode.Admin, LoginAsUser);
    }

    /// <summary>Upsert: 201 when created, 200 when modified; only the keys present change.</summary>
    private static Reply Put(RequestScope scope)
    {
        var state = scope.State;
        var userId = scope.Route("userId");
        AdminUsers.RequireLocalId(state, userId, "This endpoint can only be used with local users");
        var body = scope.Body;
        var password = Json.OptionalString(body, "password");
        if (password is not null && (password.Length == 0 || password.Length > 512))
        {
            throw Errors.InvalidParam("Invalid password");
        }

        var admin = Flag(body, "admin");
        var deactivated = Flag(body, "deactivated");
        var locked = Flag(body, "locked");
        var logoutDevices = Flag(body, "logout_devices") ?? true;
        string? userType = null;
        var setsUserType = body.ContainsKey("user_type");
        if (setsUserType)
        {
            userType = body["user_type"] is null ? null : Json.OptionalString(body, "user_type");
            if (userType is not (null or "bot" or "support"))
            {
                throw Errors.Unknown(400, "Invalid user type");
            }
        }

        var displayName = Json.OptionalString(body, "displayname");
        var avatarUrl = Json.OptionalString(body, "avatar_url");
        var threepids = List(body, "threepids");
        var externalIds = List(body, "external_ids");

        var user = state.FindUser(userId);
        var created = user is null;
        if (user is null)
        {
            var localpart = Identifiers.Localpart(userId);
            if (!MatrixIds.IsLocalpart(localpart))
            {
                throw new MatrixException(400, "M_INVALID_USERNAME", "User ID can only contain characters a-z, 0-9, or '=_-./+'");
            }

            user = new UserRecord { UserId = userId, DisplayName = localpart, CreationTsMs = state.NowMs };
            state.Data.Users[userId] = user;
        }
        else
        {
            if (admin == false && user.Admin && userId == scope.Requester.UserId)
            {
                throw Errors.Unknown(400, "You may not demote yourself.");
            }

            if (deactivated == false && user.Deactivated && password is null && user.PasswordHash is null)
            {
                throw Errors.Unknown(400, "Must provide a password to re-activate an account.");
            }
        }

        if (displayName is not null)
        {
            user.DisplayName = displayName;
        }

        if (avatarUrl is not null)
        {
            user.AvatarUrl = avatarUrl;
        }

        user.ThreePids = threepids ?? user.ThreePids;
        user.ExternalIds = externalIds ?? user.ExternalIds;
        user.Admin = admin ?? user.Admin;
        user.Locked = locked ?? user.Locked;
        if (setsUserType)
        {
            user.UserType = userType;
        }

        if (password is not null)
        {
            user.PasswordHash = PasswordHasher.Hash(password);
            if (!created && logoutDevices)
            {
                SessionTokens.LogoutAll(state, userId);
            }
        }

        if (deactivated == true && !user.Deactivated)
        {
            AdminUsers.Deactivate(scope.Server, user, erase: false);
        }
        else if (deactivated == false && user.Deactivated)
        {
            user.Deactivated = false;
        }

        return new Reply(created ? 201 : 200, AdminUserFormat.Details(state, user));
    }

    private static Reply List(RequestScope scope)
    {
        var from = scope.QueryInt("from", 0);
        var limit = scope.QueryInt("limit", 100);
        _ = scope.QueryBool("guests"); // validated; this server has no guests
        var admins = scope.QueryBool("admins");
        var deactivated = scope.QueryBool("deactivated") ?? false;
        var name = scope.Query("name");
        var userIdFilter = scope.Query("user_id");
        var orderBy = scope.Query("order_by") ?? "name";
        if (!OrderBy.Contains(orderBy))
        {
            throw Errors.Unknown(400, $"Unknown value for order_by - must be in {string.Join(", ", OrderBy)}");
        }

        var dir = scope.Query("dir") ?? "f";
        if (dir is not ("f" or "b"))
        {
            throw Errors.Unknown(400, "Unknown direction: " + dir);
        }

        var users = scope.State.Data.Users.Values
            .Where(u => deactivated || !u.Deactivated)
            .Where(u => admins is null || u.Admin == admins)
            .Where(u => name is null
                || Identifiers.Localpart(u.UserId).Contains(name, StringComparison.OrdinalIgnoreCase)
                || (u.DisplayName?.Contains(name, StringComparison.OrdinalIgnoreCase) ?? false))
            .Where(u => userIdFilter is null || u.UserId.Contains(userIdFilter, StringComparison.OrdinalIgnoreCase))
            .Select(u => AdminUserFormat.ListEntry(scope.State, u))
            .ToList();
        var ordered = (dir == "f"
                ? users.OrderBy(u => SortKey(u, orderBy), SortKeyComparer.Instance)
                : users.OrderByDescending(u => SortKey(u, orderBy), SortKeyComparer.Instance))
            .ThenBy(u => u["name"]!.GetValue<string>(), StringComparer.Ordinal)
            .ToList();
        var page = ordered.Skip(from).Take(limit).ToList();
        var reply = new JsonObject
        {
            ["users"] = new JsonArray([.. page]),
            ["total"] = ordered.Count,
        };
        if (from + page.Count < ordered.Count)
        {
            reply["next_token"] = (from + page.Count).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return Reply.Ok(reply);
    }

    /// <summary>A device-less token for a user; no device is created, so whoami shows none.</summary>
    private static Reply LoginAsUser(RequestScope scope)
    {
        var userId = scope.Route("userId");
        var user = AdminUsers.RequireLocal(scope.State, userId, "Only local users can be logged in as");
        if (userId == scope.Requester.UserId)
        {
            throw Errors.Unknown(400, "Cannot use admin API to login as self");
        }

        var validUntil = Json.OptionalLong(scope.BodyOrEmpty, "valid_until_ms");
        return Reply.Ok(new JsonObject { ["access_token"] = SessionTokens.IssueDeviceless(scope.State, user.UserId, validUntil) });
    }

    private static bool? Flag(JsonObject body, string key) => body[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        _ => throw Errors.Unknown(400, $"'{key}' parameter is not of type boolean"),
    };

    private static JsonArray? List(JsonObject body, string key) => body[key] switch
    {
        null => null,
        JsonArray a => (JsonArray)a.DeepClone(),
        _ => throw Errors.InvalidParam($"'{key}' must be a list"),
    };

    private static JsonNode? SortKey(JsonObject user, string orderBy) => user[orderBy];

    /// <summary>Orders JSON scalars: nulls first, then numbers, booleans and strings by value.</summary>
    private sealed class SortKeyComparer : IComparer<JsonNode?>
    {
        public static readonly SortKeyComparer Instance = new();

        public int Compare(JsonNode? x, JsonNode? y) => (x, y) switch
        {
            (null, null) => 0,
            (null, _) => -1,
            (_, null) => 1,
            _ => string.CompareOrdinal(Key(x), Key(y)),
        };

        private static string Key(JsonNode node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.Number
            ? v.GetValue<double>().ToString("000000000000000000.####", System.Globalization.CultureInfo.InvariantCulture)
            : node.ToJsonString();
    }
}
