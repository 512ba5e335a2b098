namespace Solti.Matrix.Storage;

/// <summary>Where solti-matrix keeps its state, by the XDG base directory rules: <c>$XDG_STATE_HOME/solti-matrix</c>
/// when that is an absolute path (a relative one is ignored, as the specification says), else
/// <c>~/.local/state/solti-matrix</c>. The credential cache and the outbox both live below it.</summary>
public static class StatePaths
{
    /// <summary><c>$XDG_STATE_HOME/solti-matrix</c> (else <c>~/.local/state/solti-matrix</c>).</summary>
    public static string Root()
    {
        var state = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        if (string.IsNullOrEmpty(state) || !Path.IsPathRooted(state))
        {
            state = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        }

        return Path.Combine(state, "solti-matrix");
    }

    /// <summary>The credential cache's directory: the state root itself.</summary>
    public static string CredentialCache() => Root();

    /// <summary><c>…/solti-matrix/outbox/outbox.db</c>.</summary>
    public static string Outbox() => Path.Combine(Root(), "outbox", "outbox.db");

    /// <summary>Where <c>events follow</c> keeps its positions, one file per homeserver, user and room.</summary>
    public static string FollowPositions() => Path.Combine(Root(), "follow");
}
