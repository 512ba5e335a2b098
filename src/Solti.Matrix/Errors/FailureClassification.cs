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
