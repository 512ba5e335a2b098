namespace Solti.Matrix.Http;

/// <summary>An HTTP answer: status, JSON body (null when none or not JSON) and how long it asked the caller to wait
/// (<see cref="RetryAfter"/>, read when the answer arrived; null when it said nothing).</summary>
public sealed record MatrixResponse(int Status, JsonNode? Body, TimeSpan? AskedWait)
{
    /// <summary>True for a 2xx status.</summary>
    public bool IsSuccess => Status is >= 200 and < 300;

    /// <summary>The body's <c>errcode</c>; a bare 429 (a proxy's) is <c>M_LIMIT_EXCEEDED</c>, anything else without one <c>M_UNKNOWN</c>.</summary>
    public string Errcode => Body is JsonObject obj && obj["errcode"] is JsonValue c && c.TryGetValue<string>(out var code)
        ? code
        : Status == 429 ? MatrixErrorCodes.LimitExceeded : MatrixErrorCodes.Unknown;

    /// <summary>Whether this answer is transient, a rate limit, a token problem or final; null for a success.</summary>
    public FailureKind? Failure => IsSuccess ? null : FailureClassification.Of(Status, Errcode);

    /// <summary>The failure as a <see cref="MatrixException"/>: status, errcode, the server's error text (with
    /// <paramref name="note"/> when given) and what it said of waiting.</summary>
    public MatrixException ToException(string? note = null)
    {
        var obj = Body as JsonObject;
        var error = obj?["error"] is JsonValue e && e.TryGetValue<string>(out var text) ? text : $"HTTP {Status} without a Matrix error body";
        bool? soft = obj?["soft_logout"] is JsonValue s && s.TryGetValue<bool>(out var b) ? b : null;
        return new MatrixException(Status, Errcode, note is null ? error : $"{error}; {note}", soft, Status == 429 ? AskedWait : null);
    }
}
