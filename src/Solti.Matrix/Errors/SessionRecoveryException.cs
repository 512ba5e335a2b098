namespace Solti.Matrix.Errors;

/// <summary>The access token was rejected and no recovery step could replace it. The message says which
/// steps were tried and why each failed; it never contains a token or a password.</summary>
public sealed class SessionRecoveryException(string userId, IReadOnlyList<string> steps, MatrixException? last)
    : MatrixException(
        last?.Status ?? 401,
        last?.Errcode ?? MatrixErrorCodes.UnknownToken,
        $"session for {userId} could not be recovered: {string.Join("; ", steps)}",
        inner: last)
{
    /// <summary>A session that cannot get a working token is a token problem, whatever the last login attempt answered.</summary>
    public override FailureKind Kind => FailureKind.Token;

    /// <summary>True when the account itself is the problem (deactivated, locked, bad credentials): retrying cannot help.</summary>
    public bool IsTerminal => last?.Errcode is MatrixErrorCodes.UserDeactivated or MatrixErrorCodes.UserLocked or MatrixErrorCodes.Forbidden;
}
