namespace Solti.Matrix.Sessions;

/// <summary>The ways a session recovers from a rejected token, in the order it tries them.</summary>
public enum RecoveryStep
{
    /// <summary>A token that another process (or an earlier run) wrote to the credential cache.</summary>
    Cache,

    /// <summary>The refresh token (<c>POST /refresh</c>).</summary>
    Refresh,

    /// <summary>A password login with the same device id as always.</summary>
    PasswordLogin,
}

/// <summary>The one vocabulary for recovery steps in messages and logs.</summary>
public static class RecoveryStepNames
{
    /// <summary>The step's name in messages and logs: <c>cache</c>, <c>refresh</c> or <c>password login</c>.</summary>
    public static string Name(this RecoveryStep step) => step switch
    {
        RecoveryStep.Cache => "cache",
        RecoveryStep.Refresh => "refresh",
        _ => "password login",
    };
}
