namespace Solti.Matrix.Homeserver.Http;

/// <summary>The errors Synapse returns, with Synapse's codes and wording.</summary>
public static class Errors
{
    public static HomeserverErrorException NotFound(string error) => new(404, "M_NOT_FOUND", error);

    public static HomeserverErrorException Forbidden(string error) => new(403, "M_FORBIDDEN", error);

    public static HomeserverErrorException NotAdmin() => Forbidden("You are not a server admin");

    public static HomeserverErrorException BadJson(string error) => new(400, "M_BAD_JSON", error);

    public static HomeserverErrorException NotJson() => new(400, "M_NOT_JSON", "Content not JSON.");

    public static HomeserverErrorException MissingParam(string name) => new(400, "M_MISSING_PARAM", $"Missing params: ['{name}']");

    public static HomeserverErrorException InvalidParam(string error) => new(400, "M_INVALID_PARAM", error);

    public static HomeserverErrorException Unknown(int status, string error) => new(status, "M_UNKNOWN", error);

    public static HomeserverErrorException Unrecognized(int status = 404) => new(status, "M_UNRECOGNIZED", "Unrecognized request");

    public static HomeserverErrorException UnknownToken(string error, bool softLogout) =>
        new(401, "M_UNKNOWN_TOKEN", error, new JsonObject { ["soft_logout"] = softLogout });

    public static HomeserverErrorException MissingToken(string error = "Missing access token") => new(401, "M_MISSING_TOKEN", error);

    public static HomeserverErrorException TooLarge(string error = "event too large") => new(413, "M_TOO_LARGE", error);

    public static HomeserverErrorException UserInUse() => new(400, "M_USER_IN_USE", "User ID already taken.");

    public static HomeserverErrorException LimitExceeded(long retryAfterMs) =>
        new(429, "M_LIMIT_EXCEEDED", "Too Many Requests", new JsonObject { ["retry_after_ms"] = retryAfterMs });
}
