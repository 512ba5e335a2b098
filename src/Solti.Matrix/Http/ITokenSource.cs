namespace Solti.Matrix.Http;

/// <summary>Where the authentication step (<see cref="MatrixHttpPipeline.SendAuthenticatedAsync"/>) gets the bearer token
/// of a call and what a refusal of it means, as the Azure SDK's <c>BearerTokenAuthenticationPolicy</c> asks its
/// <c>TokenCredential</c>. Two sources: a Matrix user's session (<see cref="Sessions.MatrixSession"/>: only
/// <c>401 M_UNKNOWN_TOKEN</c>/<c>M_MISSING_TOKEN</c> is a bad token, healed from the cache, the refresh token or a
/// password login) and MAS's admin API (<see cref="Mas.MasAdminTokens"/>: a given token, or the client-credentials
/// grant's, renewed once on a 401). A source never puts a token in a log, a message or an error.</summary>
internal interface ITokenSource
{
    /// <summary>The token to send now, acquiring one when the source holds none; null when none can be had (the step then
    /// throws <see cref="GiveUp"/>). What failed is noted in <paramref name="log"/>.</summary>
    Task<string?> TokenAsync(RecoveryLog log, CancellationToken cancellationToken);

    /// <summary>Whether <paramref name="refusal"/> says this source's token is no good, so that another may be
    /// accepted; any other failure is the call's own answer and goes to the caller as it is.</summary>
    bool IsBadToken(MatrixException refusal);

    /// <summary>Another token after <paramref name="refused"/> was refused with <paramref name="refusal"/>; null when the
    /// source has no other to offer (the step then throws <see cref="GiveUp"/>). May throw the error of a renewal that
    /// failed for good. Each way of renewing runs at most once per call (<see cref="RecoveryLog.Tried"/>).</summary>
    Task<string?> RenewAsync(string refused, MatrixException refusal, RecoveryLog log, CancellationToken cancellationToken);

    /// <summary>The error the call ends with when the source has no (more) token: what was tried and why it failed,
    /// from <paramref name="log"/>.</summary>
    MatrixException GiveUp(RecoveryLog log);
}

/// <summary>One call's authentication, shared by the step and its token source: the request (null for a login asked
/// for directly), the budget every send and renewal of the call spends, the ways of renewing tried, why each failed,
/// and the error to report (the source decides which: a refusal, or a login's).</summary>
internal sealed class RecoveryLog(CallBudget budget, MatrixRequest? request = null)
{
    /// <summary>The call's budget: the sends, the renewals and the sends after them.</summary>
    public CallBudget Budget => budget;

    /// <summary>The request whose token is at stake, for logs.</summary>
    public MatrixRequest? Request => request;

    /// <summary>The names of the ways of renewing tried so far (<c>cache</c>, <c>refresh</c>, <c>password login</c>,
    /// <c>grant</c>): each at most once per call.</summary>
    public HashSet<string> Tried { get; } = new(StringComparer.Ordinal);

    /// <summary>Why each step failed, in order, without secrets.</summary>
    public List<string> Failures { get; } = [];

    /// <summary>The error to report when the source gives up.</summary>
    public MatrixException? LastError { get; set; }
}
