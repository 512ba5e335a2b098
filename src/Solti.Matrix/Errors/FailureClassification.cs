namespace Solti.Matrix.Errors;

/// <summary>The one rule that sorts failures into <see cref="FailureKind"/>s: the HTTP pipeline's retries, session
/// healing, the CLI's exit codes, the module host's messages, spooling, outbox delivery and the plan applier all ask
/// here instead of reading status codes themselves.</summary>
public static class FailureClassification
{
    /// <summary>An answer's status (0 when none arrived) and <c>errcode</c>.</summary>
    public static FailureKind Of(int status, string? errcode) => status switch
    {
        0 or >= 500 => FailureKind.Transient,
        _ when errcode == MatrixErrorCodes.BadResponse => FailureKind.Transient, // a 2xx that was not what a Matrix server sends
        429 => FailureKind.RateLimited,
        401 when errcode is MatrixErrorCodes.UnknownToken or MatrixErrorCodes.MissingToken => FailureKind.Token,
        _ => FailureKind.Final,
    };

    /// <summary>"Not served here": the server, or a proxy in front of it, has no such endpoint. Synapse answers an unknown
    /// path or method with <c>M_UNRECOGNIZED</c>: 400 before 1.74, then 404 (405 for a known path with another method,
    /// Synapse PR #14621); other servers and proxies answer 404 or 405 with a page that is not a Matrix error. Every
    /// probe of an endpoint newer than our oldest supported Synapse asks this, never a status code.</summary>
    /// <param name="status">The answer's status.</param>
    /// <param name="errcode">Its <c>errcode</c> (one the library chose when the body named none).</param>
    /// <param name="matrixBody">Whether the answer's body was a Matrix error (it named an <c>errcode</c>).</param>
    public static bool IsUnserved(int status, string errcode, bool matrixBody) =>
        (status is 400 or 404 or 405 && errcode == MatrixErrorCodes.Unrecognized) || (status is 404 or 405 && !matrixBody);

    /// <summary>"Absent": the endpoint is served and the thing asked for does not exist (<c>404 M_NOT_FOUND</c>). Every
    /// read of something that may not exist asks this.</summary>
    public static bool IsAbsent(int status, string errcode) => status == 404 && errcode == MatrixErrorCodes.NotFound;

    /// <summary>Any exception: a <see cref="MatrixException"/>'s own kind; a transport failure or timeout that did not go
    /// through the pipeline is transient; null for what is not a failure of the homeserver or the way to it (bad input,
    /// a bug), which no caller should retry or queue.</summary>
    public static FailureKind? Of(Exception e) => e switch
    {
        MatrixException m => m.Kind,
        HttpRequestException or TimeoutException or OperationCanceledException or IOException => FailureKind.Transient,
        _ => null,
    };
}
