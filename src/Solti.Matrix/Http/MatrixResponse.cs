namespace Solti.Matrix.Http;

/// <summary>An HTTP answer: status, JSON body (null when none or not JSON) and how long it asked the caller to wait
/// (<see cref="RetryAfter"/>, read when the answer arrived; null when it said nothing).</summary>
public sealed record MatrixResponse(int Status, JsonNode? Body, TimeSpan? AskedWait)
{
    /// <summary>True for a 2xx status.</summary>
    public bool IsSuccess => Status is >= 200 and < 300;

    /// <summary>The body's <c>errcode</c>; a bare 429 (a proxy's) is <c>M_LIMIT_EXCEEDED</c>, anything else without one <c>M_UNKNOWN</c>.</summary>
    public string Errcode => ServerErrcode ?? (Status == 429 ? MatrixErrorCodes.LimitExceeded : MatrixErrorCodes.Unknown);

    /// <summary>The <c>errcode</c> the body names, or null when the body is not a Matrix error.</summary>
    private string? ServerErrcode => Body is JsonObject obj && obj["errcode"] is JsonValue c && c.TryGetValue<string>(out var code) ? code : null;

    /// <summary>Whether this answer is transient, a rate limit, a token problem or final; null for a success.</summary>
    public FailureKind? Failure => IsSuccess ? null : FailureClassification.Of(Status, Errcode);

    /// <summary>The failure as a <see cref="MatrixException"/>: status, errcode, the server's error text (with
    /// <paramref name="note"/> when given) and what it said of waiting.</summary>
    public MatrixException ToException(string? note = null)
    {
        var obj = Body as JsonObject;
        var error = ErrorText(obj) ?? $"HTTP {Status} without a Matrix error body";
        bool? soft = obj?["soft_logout"] is JsonValue s && s.TryGetValue<bool>(out var b) ? b : null;
        return new MatrixException(Status, Errcode, note is null ? error : $"{error}; {note}", soft, Status == 429 ? AskedWait : null) { HasMatrixBody = ServerErrcode is not null, UserInteractiveAuth = Status == 401 && obj?["flows"] is JsonArray ? (JsonObject)obj.DeepClone() : null };
    }

    /// <summary>The error text of a body in any of the shapes the servers we speak to use: Matrix's <c>error</c> (with
    /// OAuth 2.0's <c>error_description</c> after it, as MAS's token endpoint answers), or the <c>errors[].title</c> of
    /// MAS's admin API (JSON:API).</summary>
    private static string? ErrorText(JsonObject? body)
    {
        static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var text) ? text : null;
        if (Text(body?["error"]) is { } error)
        {
            return Text(body!["error_description"]) is { } description ? $"{error}: {description}" : error;
        }

        var titles = (body?["errors"] as JsonArray)?.Select(e => Text(e?["title"])).OfType<string>().ToList();
        return titles is { Count: > 0 } ? string.Join("; ", titles) : null;
    }
}
