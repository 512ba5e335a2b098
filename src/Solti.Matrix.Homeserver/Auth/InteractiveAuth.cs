namespace Solti.Matrix.Homeserver.Auth;

/// <summary>User-interactive authentication as Synapse asks it for device deletion: one <c>m.login.password</c> stage
/// proving the requester's own password. Without <c>auth</c> the answer is 401 with the flows and a session; a wrong
/// password is 401 <c>M_FORBIDDEN</c> with them too. (Synapse's default <c>ui_auth.session_timeout</c> of 0: a completed
/// session is never reused.)</summary>
public static class InteractiveAuth
{
    public static void RequirePassword(RequestScope scope, JsonObject body)
    {
        var auth = body["auth"] as JsonObject;
        var session = auth is null ? null : Json.OptionalString(auth, "session");
        if (auth is null)
        {
            throw Challenge(session, null);
        }

        var user = auth["identifier"] is JsonObject identifier ? Json.OptionalString(identifier, "user") : Json.OptionalString(auth, "user");
        var password = Json.OptionalString(auth, "password");
        var record = scope.State.FindUser(scope.Requester.UserId);
        if (Json.OptionalString(auth, "type") != "m.login.password" || user is null || password is null
            || MatrixIds.Qualify(user, scope.State.ServerName) != scope.Requester.UserId || record is null || !PasswordHasher.Verify(password, record.PasswordHash))
        {
            throw Challenge(session, "Invalid username or password");
        }
    }

    private static HomeserverErrorException Challenge(string? session, string? error)
    {
        var body = new JsonObject();
        if (error is not null)
        {
            body["errcode"] = "M_FORBIDDEN";
            body["error"] = error;
            body["completed"] = new JsonArray();
        }

        body["session"] = session ?? Identifiers.Random("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", 24);
        body["flows"] = new JsonArray(new JsonObject { ["stages"] = new JsonArray("m.login.password") });
        body["params"] = new JsonObject();
        return new HomeserverErrorException(401, error is null ? "" : "M_FORBIDDEN", error ?? "", null) { Body = body };
    }
}
