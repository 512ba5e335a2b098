using System.Text.Json;

namespace Solti.Matrix.Homeserver.Admin.Users;

/// <summary><c>PUT /_synapse/admin/v2/users/{userId}</c>: create (201) or modify (200); only keys present change.</summary>
public static class AdminUserUpsert
{
    public static Reply Handle(RequestScope scope)
    {
        var body = scope.Body;
        var userId = scope.Route("userId");
        AdminTargets.RequireUserIdShape(userId);

        if (!scope.State.IsLocal(userId))
        {
            throw Errors.Unknown(400, "This endpoint can only be used with local users");
        }

        var request = Parse(body);
        var state = scope.State;
        if (state.FindUser(userId) is { } user)
        {
            Modify(scope, user, request, body);
            return Reply.Ok(AdminUserFormat.Full(state, user));
        }

        user = Create(scope, userId, request, body);
        return new Reply(201, AdminUserFormat.Full(state, user));
    }

    private sealed record Request(
        string? Password,
        bool LogoutDevices,
        bool? Admin,
        bool? Deactivated,
        bool? Locked,
        string? UserType,
        JsonArray? ThreePids,
        JsonArray? ExternalIds);

    /// <summary>Synapse validates these before touching anything; displayname and avatar_url are checked as applied.</summary>
    private static Request Parse(JsonObject body)
    {
        var threepids = List(body, "threepids", "medium", "address");
        var externalIds = List(body, "external_ids", "auth_provider", "external_id");
        var userType = body["user_type"] switch
        {
            null => null,
            JsonValue v when v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() is "bot" or "support" => v.GetValue<string>(),
            _ => throw Errors.Unknown(400, "Invalid user type"),
        };
        var admin = Bool(body, "admin", Errors.BadJson("Param 'admin' must be a boolean, if given"));
        var password = body["password"] switch
        {
            null => null,
            JsonValue v when v.GetValueKind() == JsonValueKind.String && v.GetValue<string>().Length <= 512 => v.GetValue<string>(),
            _ => throw Errors.Unknown(400, "Invalid password"),
        };
        var logout = Bool(body, "logout_devices", Errors.Unknown(400, "'logout_devices' parameter is not of type boolean")) ?? true;
        var deactivated = Bool(body, "deactivated", Errors.Unknown(400, "'deactivated' parameter is not of type boolean"));
        var locked = Bool(body, "locked", Errors.Unknown(400, "'locked' parameter is not of type boolean"));
        if (deactivated == true && locked == true)
        {
            throw Errors.Unknown(400, "An user can't be deactivated and locked");
        }

        return new Request(password, logout, admin, deactivated, locked, userType, threepids, externalIds);
    }

    private static UserRecord Create(RequestScope scope, string userId, Request request, JsonObject body)
    {
        // Like Synapse, creation ignores "deactivated" and "locked" (matrix-org/synapse#12057).
        var state = scope.State;
        Usernames.Check(state, Identifiers.Localpart(userId));
        var user = new UserRecord
        {
            UserId = userId,
            PasswordHash = request.Password is null ? null : PasswordHasher.Hash(request.Password),
            Admin = request.Admin ?? false,
            UserType = request.UserType,
            DisplayName = body["displayname"] is JsonValue d && d.GetValueKind() == JsonValueKind.String ? d.GetValue<string>() : Identifiers.Localpart(userId),
            AvatarUrl = body["avatar_url"] is JsonValue a && a.GetValueKind() == JsonValueKind.String ? a.GetValue<string>() : null,
            CreationTsMs = state.NowMs,
            ThreePids = Stamped(state, request.ThreePids) ?? [],
            ExternalIds = request.ExternalIds ?? [],
        };
        state.Data.Users[userId] = user;
        return user;
    }

    /// <summary>Applies changes in Synapse's order, so a later error leaves the earlier changes in place as Synapse does.</summary>
    private static void Modify(RequestScope scope, UserRecord user, Request request, JsonObject body)
    {
        var state = scope.State;
        if (body.ContainsKey("displayname"))
        {
            var displayName = body["displayname"] is JsonValue d && d.GetValueKind() == JsonValueKind.String
                ? d.GetValue<string>()
                : throw Errors.InvalidParam("'displayname' must be a string");
            if (displayName.Length > 256)
            {
                throw Errors.Unknown(400, "Displayname is too long (max 256)");
            }

            user.DisplayName = displayName.Length == 0 ? null : displayName;
        }

        if (request.ThreePids is { } threepids)
        {
            user.ThreePids = Stamped(state, threepids)!;
        }

        if (request.ExternalIds is { } externalIds)
        {
            user.ExternalIds = externalIds;
        }

        if (body.ContainsKey("avatar_url"))
        {
            var avatar = body["avatar_url"] is JsonValue a && a.GetValueKind() == JsonValueKind.String
                ? a.GetValue<string>()
                : throw Errors.InvalidParam("avatar_url must be a string");
            if (avatar.Length > 1000)
            {
                throw Errors.Unknown(400, "Avatar URL is too long (max 1000)");
            }

            user.AvatarUrl = avatar.Length == 0 ? null : avatar;
        }

        if (request.Admin is { } admin && admin != user.Admin)
        {
            if (user.UserId == scope.Requester.UserId && !admin)
            {
                throw Errors.Unknown(400, "You may not demote yourself.");
            }

            user.Admin = admin;
        }

        if (request.Password is { } password)
        {
            user.PasswordHash = PasswordHasher.Hash(password);
            if (request.LogoutDevices)
            {
                // Like Synapse's set_password: the requester keeps its own session when changing its own password.
                var keep = user.UserId == scope.Requester.UserId ? scope.Requester.DeviceId : null;
                SessionTokens.LogoutAll(state, user.UserId, keep);
            }
        }

        if (request.Deactivated is { } deactivated)
        {
            if (deactivated && !user.Deactivated)
            {
                AccountDeactivation.Deactivate(scope.Server, user, erase: false);
            }
            else if (!deactivated && user.Deactivated)
            {
                // Current Synapse reactivates without a password; the account then has none unless one was given.
                user.Deactivated = false;
            }
        }

        if (request.Locked is { } locked)
        {
            user.Locked = locked;
        }

        if (body.ContainsKey("user_type"))
        {
            user.UserType = request.UserType;
        }
    }

    private static bool? Bool(JsonObject body, string key, HomeserverErrorException error) => body[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        _ => throw error,
    };

    /// <summary>A list of objects each carrying the required keys (Synapse's assert_params_in_dict per item).</summary>
    private static JsonArray? List(JsonObject body, string key, params string[] required)
    {
        if (body[key] is null)
        {
            return null;
        }

        if (body[key] is not JsonArray list)
        {
            throw Errors.InvalidParam($"'{key}' parameter is not a list");
        }

        var result = new JsonArray();
        foreach (var item in list)
        {
            if (item is not JsonObject obj)
            {
                throw Errors.BadJson($"'{key}' items must be objects");
            }

            var missing = required.Where(r => obj[r] is not JsonValue v || v.GetValueKind() != JsonValueKind.String).ToList();
            if (missing.Count > 0)
            {
                throw new HomeserverErrorException(400, "M_MISSING_PARAM", $"Missing params: [{string.Join(", ", missing.Select(m => $"'{m}'"))}]");
            }

            var copy = new JsonObject();
            foreach (var r in required)
            {
                copy[r] = obj[r]!.GetValue<string>();
            }

            result.Add(copy);
        }

        return result;
    }

    /// <summary>Threepids as Synapse returns them: with validated_at and added_at stamps.</summary>
    private static JsonArray? Stamped(ServerState state, JsonArray? threepids)
    {
        if (threepids is null)
        {
            return null;
        }

        var result = new JsonArray();
        foreach (var item in threepids.OfType<JsonObject>())
        {
            var copy = (JsonObject)item.DeepClone();
            if (copy["medium"]?.GetValue<string>() == "email")
            {
                copy["address"] = copy["address"]!.GetValue<string>().ToLowerInvariant();
            }

            copy["validated_at"] = state.NowMs;
            copy["added_at"] = state.NowMs;
            result.Add(copy);
        }

        return result;
    }
}
