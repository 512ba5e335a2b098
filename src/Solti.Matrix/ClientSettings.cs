using Microsoft.Extensions.Logging;

namespace Solti.Matrix;

/// <summary>The one way a caller's connection settings become a client: the CLI's flags and the modules' options both
/// say them here, and both get the same checks, defaults and options. What differs on purpose is a parameter:
/// <see cref="MaxSeconds"/> (the CLI's 86400 s, where a relay may wait long; a module's 3600 s, so a task never holds a
/// play for a day) and <see cref="Names"/> (how the caller spells the settings in its errors).</summary>
/// <param name="Homeserver">The homeserver's base URL.</param>
public sealed record ClientSettings(Uri Homeserver)
{
    /// <summary>Seconds one HTTP attempt may take.</summary>
    public double Timeout { get; init; } = 30;

    /// <summary>Seconds one call may take, retries, waits and a heal included; null: three attempts' worth
    /// (3 × <see cref="Timeout"/>).</summary>
    public double? Budget { get; init; }

    /// <summary>The longest single wait (a 429's, a backoff's); null: <see cref="Timeout"/>, at least 5 s.</summary>
    public double? MaxWait { get; init; }

    /// <summary>False accepts any TLS certificate (the operator's explicit choice).</summary>
    public bool ValidateCertificates { get; init; } = true;

    /// <summary>The <c>User-Agent</c>; null: the library's.</summary>
    public string? UserAgent { get; init; }

    /// <summary>Where retries and heals are logged; null: nowhere.</summary>
    public ILoggerFactory? Loggers { get; init; }

    /// <summary>The most seconds any of the settings may be.</summary>
    public double MaxSeconds { get; init; } = 86400;

    /// <summary>The caller's names of <see cref="Timeout"/>, <see cref="Budget"/> and <see cref="MaxWait"/>, for its errors.</summary>
    public (string Timeout, string Budget, string MaxWait) Names { get; init; } = ("timeout", "budget", "max_wait");

    /// <summary>The key of the bot's secret storage, with which a device signs itself on first use
    /// (<see cref="MatrixClientOptions.RecoveryKey"/>); null when not given.</summary>
    public Crypto.RecoveryKey? RecoveryKey { get; init; }

    /// <summary>The client's options; a setting out of range is an <see cref="ArgumentException"/> naming it.</summary>
    public MatrixClientOptions Options()
    {
        var timeout = Seconds(Timeout, Names.Timeout);
        var options = new MatrixClientOptions(Homeserver)
        {
            RequestTimeout = timeout,
            Retry = new RetryOptions
            {
                TotalBudget = Budget is { } budget ? Seconds(budget, Names.Budget) : timeout * 3,
                MaxDelay = MaxWait is { } wait ? Seconds(wait, Names.MaxWait) : TimeSpan.FromSeconds(Math.Max(Timeout, 5)),
            },
            ValidateCertificates = ValidateCertificates,
        };
        return options with
        {
            UserAgent = UserAgent ?? options.UserAgent,
            LoggerFactory = Loggers ?? options.LoggerFactory,
            RecoveryKey = RecoveryKey,
        };
    }

    /// <summary>A client with these settings and <paramref name="session"/>, its credentials kept in <paramref name="cache"/>.</summary>
    public MatrixClient Client(Sessions.SessionOptions session, Sessions.CredentialCache? cache) => new(Options(), session, cache);

    private TimeSpan Seconds(double value, string name) =>
        value > 0 && value <= MaxSeconds ? TimeSpan.FromSeconds(value) : throw new ArgumentException($"{name} must be a number of seconds between 0 and {MaxSeconds:0}, got {value}");
}
