using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Solti.Matrix.Errors;

namespace Solti.Matrix.Http;

/// <summary>An HTTP answer: status, JSON body (null when none or not JSON) and the Retry-After header.</summary>
public sealed record MatrixResponse(int Status, JsonNode? Body, RetryConditionHeaderValue? RetryAfterHeader)
{
    public bool IsSuccess => Status is >= 200 and < 300;

    public MatrixException ToException(string? note = null, TimeSpan? retryAfter = null)
    {
        var obj = Body as JsonObject;
        var errcode = obj?["errcode"] is JsonValue c && c.TryGetValue<string>(out var code) ? code : Status == 429 ? MatrixErrorCodes.LimitExceeded : MatrixErrorCodes.Unknown;
        var error = obj?["error"] is JsonValue e && e.TryGetValue<string>(out var text) ? text : $"HTTP {Status} without a Matrix error body";
        bool? soft = obj?["soft_logout"] is JsonValue s && s.TryGetValue<bool>(out var b) ? b : null;
        return new MatrixException(Status, errcode, note is null ? error : $"{error}; {note}", soft, retryAfter);
    }
}
