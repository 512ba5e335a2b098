using Solti.Matrix.Errors;
using Solti.Matrix.Sessions;

namespace Solti.Matrix.Commands;

/// <summary>The documented exit codes of <c>solti-matrix</c>.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>Any other error the server answered (e.g. 403 M_FORBIDDEN, 413 M_TOO_LARGE).</summary>
    public const int Failed = 1;

    /// <summary>Bad arguments or configuration.</summary>
    public const int Usage = 2;

    /// <summary>The session could not be authenticated or recovered (bad credentials, deactivated, no token).</summary>
    public const int Auth = 3;

    /// <summary>A room, alias or user does not exist (<c>404 M_NOT_FOUND</c>).</summary>
    public const int NotFound = 4;

    /// <summary>Still rate limited when the wait cap or the call's budget ran out (429).</summary>
    public const int RateLimited = 5;

    /// <summary>5xx, timeouts, connection failures after every retry; or the credential cache refused a path.</summary>
    public const int ServerError = 6;

    /// <summary>The server does not offer what was asked (an endpoint it does not serve: an older Synapse, a proxy that
    /// does not pass it on, or what MAS owns on a delegated homeserver).</summary>
    public const int Unsupported = 7;

    /// <summary>Stopped by SIGINT or SIGTERM before the work was done (128 + SIGINT, as shells report it).</summary>
    public const int Interrupted = 130;

    /// <summary>Every code with what it means, as the manual page's EXIT STATUS lists them.</summary>
    public static readonly IReadOnlyList<(int Code, string Meaning)> Meanings =
    [
        (Ok, "success"), (Failed, "the server refused"), (Usage, "bad arguments or configuration"),
        (Auth, "the session could not be authenticated"), (NotFound, "not found"), (RateLimited, "still rate limited"),
        (ServerError, "server errors, timeouts or an untrusted credential cache"),
        (Unsupported, "the server does not offer this"), (Interrupted, "interrupted before the work was done"),
    ];

    /// <summary>A Matrix failure by its <see cref="FailureKind"/> ("absent" and "not served" have codes of their own); the
    /// rest by type.</summary>
    public static int For(Exception e) => e switch
    {
        MatrixException m => m.Kind switch
        {
            FailureKind.Token => Auth,
            FailureKind.RateLimited => RateLimited,
            FailureKind.Transient => ServerError,
            _ when m.IsAbsent => NotFound,
            _ when m.IsUnrecognized => Unsupported,
            _ => Failed,
        },
        CredentialCacheException => ServerError,
        ArgumentException or FormatException or Events.SchemaValidationException or Events.SchemaException => Usage,
        _ => Failed,
    };
}
