namespace Solti.Matrix.Errors;

/// <summary>Matrix error codes the library acts on, and local codes for failures without a server answer.</summary>
public static class MatrixErrorCodes
{
    public const string UnknownToken = "M_UNKNOWN_TOKEN";
    public const string MissingToken = "M_MISSING_TOKEN";
    public const string Forbidden = "M_FORBIDDEN";
    public const string NotFound = "M_NOT_FOUND";
    public const string LimitExceeded = "M_LIMIT_EXCEEDED";
    public const string UserDeactivated = "M_USER_DEACTIVATED";
    public const string UserLocked = "M_USER_LOCKED";
    public const string Unknown = "M_UNKNOWN";

    /// <summary>No answer within the per-request timeout.</summary>
    public const string Timeout = "SOLTI_TIMEOUT";

    /// <summary>The connection failed or was closed without an answer.</summary>
    public const string ConnectionFailed = "SOLTI_CONNECTION_FAILED";

    /// <summary>The call's total retry budget was spent.</summary>
    public const string BudgetExhausted = "SOLTI_RETRY_BUDGET_EXHAUSTED";

    /// <summary>The answer was not the JSON a Matrix server sends.</summary>
    public const string BadResponse = "SOLTI_BAD_RESPONSE";
}
