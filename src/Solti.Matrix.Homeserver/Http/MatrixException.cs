using System.Text.Json.Nodes;

namespace Solti.Matrix.Homeserver.Http;

/// <summary>A Matrix error response, shaped as Synapse shapes it: <c>{"errcode","error",...}</c>.</summary>
public sealed class MatrixException : Exception
{
    public MatrixException(int status, string errcode, string error, JsonObject? extra = null)
        : base(error)
    {
        Status = status;
        Errcode = errcode;
        Extra = extra;
    }

    public int Status { get; }

    public string Errcode { get; }

    public JsonObject? Extra { get; }

    public JsonObject ToBody()
    {
        var body = new JsonObject { ["errcode"] = Errcode, ["error"] = Message };
        if (Extra is not null)
        {
            foreach (var (key, value) in Extra)
            {
                body[key] = value?.DeepClone();
            }
        }

        return body;
    }
}

/// <summary>The errors Synapse returns, with Synapse's codes and wording.</summary>
public static class Errors
{
    public static MatrixException NotFound(string error) => new(404, "M_NOT_FOUND", error);

    public static MatrixException Forbidden(string error) => new(403, "M_FORBIDDEN", error);

    public static MatrixException NotAdmin() => Forbidden("You are not a server admin");

    public static MatrixException BadJson(string error) => new(400, "M_BAD_JSON", error);

    public static MatrixException NotJson() => new(400, "M_NOT_JSON", "Content not JSON.");

    public static MatrixException MissingParam(string name) => new(400, "M_MISSING_PARAM", $"Missing params: ['{name}']");

    public static MatrixException InvalidParam(string error) => new(400, "M_INVALID_PARAM", error);

    public static MatrixException Unknown(int status, string error) => new(status, "M_UNKNOWN", error);

    public static MatrixException Unrecognized(int status = 404) => new(status, "M_UNRECOGNIZED", "Unrecognized request");

    public static MatrixException UnknownToken(string error, bool softLogout) =>
        new(401, "M_UNKNOWN_TOKEN", error, new JsonObject { ["soft_logout"] = softLogout });

    public static MatrixException MissingToken(string error = "Missing access token") => new(401, "M_MISSING_TOKEN", error);

    public static MatrixException TooLarge(string error = "event too large") => new(413, "M_TOO_LARGE", error);

    public static MatrixException UserInUse() => new(400, "M_USER_IN_USE", "User ID already taken.");

    public static MatrixException LimitExceeded(long retryAfterMs) =>
        new(429, "M_LIMIT_EXCEEDED", "Too Many Requests", new JsonObject { ["retry_after_ms"] = retryAfterMs });
}
