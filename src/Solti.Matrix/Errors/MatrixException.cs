namespace Solti.Matrix.Errors;

/// <summary>An error answered by the homeserver (or a transport failure), with Matrix's error code.</summary>
public class MatrixException : Exception
{
    /// <summary>A failure with its HTTP <paramref name="status"/> (0 when no answer came), Matrix
    /// <paramref name="errcode"/> and <paramref name="error"/> text; <paramref name="softLogout"/> and
    /// <paramref name="retryAfter"/> as the server said them.</summary>
    public MatrixException(int status, string errcode, string error, bool? softLogout = null, TimeSpan? retryAfter = null, Exception? inner = null)
        : base(Describe(status, errcode, error), inner)
    {
        Status = status;
        Errcode = errcode;
        Error = error;
        SoftLogout = softLogout;
        RetryAfter = retryAfter;
    }

    /// <summary>HTTP status; 0 when no response arrived.</summary>
    public int Status { get; }

    /// <summary>Matrix <c>errcode</c> (<c>M_FORBIDDEN</c>, …), or a local code such as <c>SOLTI_TIMEOUT</c>.</summary>
    public string Errcode { get; }

    /// <summary>The server's <c>error</c> text.</summary>
    public string Error { get; }

    /// <summary>The <c>soft_logout</c> flag of a token error: true when the token expired (the device survives), false
    /// when it was logged out, null when not said.</summary>
    public bool? SoftLogout { get; }

    /// <summary>How long the server asked to wait (429), when it said.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>Whether this failure is transient, a rate limit, a token problem or final (<see cref="FailureClassification"/>).</summary>
    public virtual FailureKind Kind => FailureClassification.Of(Status, Errcode);

    /// <summary>False when the answer's body was not a Matrix error (a proxy's page, an empty body): its
    /// <see cref="Errcode"/> is then one the library chose, not the server's.</summary>
    public bool HasMatrixBody { get; init; } = true;

    /// <summary>The server's user-interactive authentication (a 401 whose body has <c>flows</c>): the flows, the
    /// <c>session</c>, the stages' <c>params</c> and those <c>completed</c>; null for any other failure.</summary>
    public JsonObject? UserInteractiveAuth { get; init; }

    /// <summary>The server serves no such endpoint (<see cref="FailureClassification.IsUnserved"/>: <c>M_UNRECOGNIZED</c>
    /// with 400, 404 or 405, or a 404/405 that is not a Matrix error; on Synapse with MAS, what MAS owns).</summary>
    public bool IsUnrecognized => FailureClassification.IsUnserved(Status, Errcode, HasMatrixBody);

    /// <summary>The thing asked for does not exist (<see cref="FailureClassification.IsAbsent"/>: <c>404 M_NOT_FOUND</c>).</summary>
    public bool IsAbsent => FailureClassification.IsAbsent(Status, Errcode);

    /// <summary>The server rejected the access token itself (<c>401 M_UNKNOWN_TOKEN</c>/<c>M_MISSING_TOKEN</c>; 403 never
    /// is): the one failure that starts session recovery.</summary>
    public bool IsTokenError => FailureClassification.Of(Status, Errcode) == FailureKind.Token;

    private static string Describe(int status, string errcode, string error) =>
        status == 0 ? $"{errcode}: {error}" : $"{errcode} (HTTP {status}): {error}";
}
