namespace Solti.Matrix.Errors;

/// <summary>What a failure means to whoever has to decide what to do next: retry, wait, heal the session, or give up.
/// <see cref="FailureClassification"/> is the one place that decides it; every retry, exit code, spool and dead-letter
/// decision reads it.</summary>
public enum FailureKind
{
    /// <summary>No answer (timeout, connection failure), a 5xx, or an answer that was not what a Matrix server sends: the
    /// same call may succeed later.</summary>
    Transient,

    /// <summary>429: the server asked the caller to slow down (still in force when the wait cap or the budget ran out).</summary>
    RateLimited,

    /// <summary>The access token is no good (<c>401 M_UNKNOWN_TOKEN</c>/<c>M_MISSING_TOKEN</c>, never a 403), or the
    /// session could not get a new one.</summary>
    Token,

    /// <summary>Refused for good: any other answer (403, 400, 404, 413, …). Repeating the request gets the same refusal.</summary>
    Final,
}
