using Solti.Matrix.Homeserver.Mas;

namespace Solti.Matrix.Homeserver.Endpoints;

/// <summary>Password login, refresh and logout; with MAS, its compatibility layer's (<see cref="MasCompatEndpoints"/>).</summary>
public static class LoginEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapClient("GET", "/login", "login.flows", AuthMode.None, scope => Reply.Ok(scope.State.Options.AuthenticationService is { } mas
            ? mas.LoginFlows() // MAS's compatibility layer answers /login on a delegated homeserver
            : new JsonObject { ["flows"] = new JsonArray(new JsonObject { ["type"] = "m.login.password" }, new JsonObject { ["type"] = "m.login.application_service" }) }));
        routes.MapClient("POST", "/login", "login", AuthMode.None, scope => Delegated(scope) ? MasCompatEndpoints.Login(scope) : Login(scope));
        routes.MapClient("POST", "/refresh", "refresh", AuthMode.None, scope => RefreshAt(scope, v1: false));
        routes.Map("POST", "/_matrix/client/v1/refresh", "refresh", AuthMode.None, scope => RefreshAt(scope, v1: true));
        routes.MapClient("POST", "/logout", "logout", AuthMode.None, scope => Delegated(scope) ? MasCompatEndpoints.Logout(scope) : Logout(Authenticated(scope)));
        routes.MapClient("POST", "/logout/all", "logout.all", AuthMode.None, scope => Delegated(scope) ? MasCompatEndpoints.LogoutAll(scope) : LogoutAll(Authenticated(scope)));
    }

    /// <summary><c>/refresh</c> where the release serves it: <c>v1</c> only before Synapse 1.72, <c>r0</c>/<c>v3</c> only
    /// since (<see cref="Configuration.Compatibility.RefreshAtV1"/>); elsewhere as an unknown endpoint.</summary>
    private static Reply RefreshAt(RequestScope scope, bool v1)
    {
        var compatibility = scope.State.Options.Compatibility;
        if (v1 != compatibility.RefreshAtV1)
        {
            throw Errors.Unrecognized(compatibility.UnrecognizedStatus(404));
        }

        return Delegated(scope) ? MasCompatEndpoints.Refresh(scope) : Refresh(scope);
    }

    /// <summary>On a homeserver that delegates to MAS, MAS's compatibility layer answers these paths (the reverse proxy
    /// sends them there), with MAS's sessions and errors.</summary>
    private static bool Delegated(RequestScope scope) => scope.State.Options.AuthenticationService is not null;

    private static RequestScope Authenticated(RequestScope scope)
    {
        scope.RequesterOrNull = AccessTokenAuthenticator.Authenticate(scope.State, scope.Context);
        return scope;
    }

    private static Reply Login(RequestScope scope)
    {
        var body = scope.Body;
        var type = Json.OptionalString(body, "type") ?? throw Errors.MissingParam("type");
        if (type != "m.login.password")
        {
            throw Errors.Unknown(400, "Unknown login type " + type);
        }

        var userId = MatrixIds.Qualify(LoginUser(body), scope.State.ServerName);
        var password = Json.OptionalString(body, "password") ?? throw Errors.MissingParam("password");
        var limiter = scope.Server.RateLimiter;
        limiter.LoginAttempt(scope.ClientAddress, userId);

        var user = scope.State.FindUser(userId);
        if (user is { Deactivated: true } && scope.State.Options.Compatibility.LoginNamesDeactivation)
        {
            throw new HomeserverErrorException(403, "M_USER_DEACTIVATED", "This account has been deactivated");
        }

        if (user is null or { Deactivated: true } || !PasswordHasher.Verify(password, user.PasswordHash))
        {
            limiter.LoginFailed(userId);
            throw Errors.Forbidden("Invalid username or password");
        }

        if (user.Locked)
        {
            throw new HomeserverErrorException(401, "M_USER_LOCKED", "User account has been locked", new() { ["soft_logout"] = true });
        }

        limiter.LoginSucceeded(userId);
        var deviceId = Json.OptionalString(body, "device_id") ?? Identifiers.DeviceId();
        SessionTokens.EnsureDevice(scope.State, userId, deviceId, Json.OptionalString(body, "initial_device_display_name"));
        var issued = SessionTokens.IssueForDevice(scope.State, userId, deviceId, Json.OptionalBool(body, "refresh_token") == true);

        var reply = new JsonObject
        {
            ["user_id"] = userId,
            ["access_token"] = issued.AccessToken,
            ["home_server"] = scope.State.ServerName,
            ["device_id"] = deviceId,
        };
        AddRefresh(reply, issued);
        var request = scope.Context.Request;
        reply["well_known"] = new JsonObject
        {
            ["m.homeserver"] = new JsonObject { ["base_url"] = $"{request.Scheme}://{request.Host}/" },
        };
        return Reply.Ok(reply);
    }

    /// <summary>The user from <c>identifier.user</c> (m.id.user) or the legacy top-level <c>user</c>.</summary>
    private static string LoginUser(JsonObject body)
    {
        if (body["identifier"] is JsonObject identifier)
        {
            var idType = Json.OptionalString(identifier, "type");
            if (idType != "m.id.user")
            {
                throw Errors.Unknown(400, "Unknown login identifier type");
            }

            return Json.OptionalString(identifier, "user") ?? throw Errors.InvalidParam("User identifier is missing 'user' key");
        }

        return Json.OptionalString(body, "user") ?? throw Errors.MissingParam("identifier");
    }

    private static Reply Refresh(RequestScope scope)
    {
        var token = Json.OptionalString(scope.Body, "refresh_token") ?? throw Errors.MissingParam("refresh_token");
        if (!scope.State.Data.RefreshTokens.TryGetValue(token, out var record))
        {
            throw new HomeserverErrorException(401, "M_UNKNOWN_TOKEN", "refresh token does not exist");
        }

        SessionTokens.RetirePredecessors(scope.State, token);
        var issued = SessionTokens.Refresh(scope.State, record);
        var reply = new JsonObject { ["access_token"] = issued.AccessToken };
        AddRefresh(reply, issued);
        return Reply.Ok(reply);
    }

    private static void AddRefresh(JsonObject reply, SessionTokens.Issued issued)
    {
        if (issued.RefreshToken is not null)
        {
            reply["refresh_token"] = issued.RefreshToken;
            reply["expires_in_ms"] = issued.ExpiresInMs;
        }
    }

    /// <summary>Deletes the token and its device, as Synapse does.</summary>
    private static Reply Logout(RequestScope scope)
    {
        var requester = scope.Requester;
        if (requester.DeviceId is { } deviceId)
        {
            SessionTokens.DeleteDevice(scope.State, requester.UserId, deviceId);
        }
        else
        {
            scope.State.Data.AccessTokens.Remove(requester.AccessToken);
        }

        return Reply.Empty();
    }

    private static Reply LogoutAll(RequestScope scope)
    {
        SessionTokens.LogoutAll(scope.State, scope.Requester.UserId);
        return Reply.Empty();
    }
}
