namespace Solti.Matrix.Errors;

/// <summary>Matrix error codes the library acts on, and local codes for failures without a server answer.</summary>
public static class MatrixErrorCodes
{
    /// <summary>The access token is not known (expired, logged out, or never issued).</summary>
    public const string UnknownToken = "M_UNKNOWN_TOKEN";

    /// <summary>The request carried no access token.</summary>
    public const string MissingToken = "M_MISSING_TOKEN";

    /// <summary>The request is not allowed (not in the room, not an admin, wrong password at login).</summary>
    public const string Forbidden = "M_FORBIDDEN";

    /// <summary>The thing asked for does not exist.</summary>
    public const string NotFound = "M_NOT_FOUND";

    /// <summary>A parameter's value is not allowed (a registration token outside its alphabet, …).</summary>
    public const string InvalidParam = "M_INVALID_PARAM";

    /// <summary>The server does not serve this endpoint (on Synapse with MAS: what MAS owns).</summary>
    public const string Unrecognized = "M_UNRECOGNIZED";

    /// <summary>The server is rate limiting this user.</summary>
    public const string LimitExceeded = "M_LIMIT_EXCEEDED";

    /// <summary>The account is deactivated.</summary>
    public const string UserDeactivated = "M_USER_DEACTIVATED";

    /// <summary>The account is locked.</summary>
    public const string UserLocked = "M_USER_LOCKED";

    /// <summary>An error the server did not name otherwise.</summary>
    public const string Unknown = "M_UNKNOWN";

    /// <summary>The upload is over the homeserver's size limit (413).</summary>
    public const string TooLarge = "M_TOO_LARGE";

    /// <summary>No answer within the per-request timeout.</summary>
    public const string Timeout = "SOLTI_TIMEOUT";

    /// <summary>The connection failed or was closed without an answer.</summary>
    public const string ConnectionFailed = "SOLTI_CONNECTION_FAILED";

    /// <summary>The call's total retry budget was spent.</summary>
    public const string BudgetExhausted = "SOLTI_RETRY_BUDGET_EXHAUSTED";

    /// <summary>The answer was not the JSON a Matrix server sends.</summary>
    public const string BadResponse = "SOLTI_BAD_RESPONSE";

    /// <summary>MAS's admin API needs a given token: the client-credentials grant is not allowed (check mode).</summary>
    public const string MasTokenNeeded = "SOLTI_MAS_TOKEN_NEEDED";
}
