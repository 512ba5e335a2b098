using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Solti.Matrix;

/// <summary>The knobs of one homeserver connection.</summary>
public sealed record MatrixClientOptions
{
    /// <summary>Options for the homeserver at <paramref name="homeserver"/>, with the defaults for everything
    /// else.</summary>
    public MatrixClientOptions(Uri homeserver)
    {
        ArgumentNullException.ThrowIfNull(homeserver);
        Homeserver = new Uri(homeserver.AbsoluteUri.TrimEnd('/') + "/");
    }

    /// <summary>The same knobs for another service beside the homeserver (MAS's admin API at <paramref name="url"/>).</summary>
    public MatrixClientOptions ForService(Uri url) => new(url)
    {
        RequestTimeout = RequestTimeout,
        Retry = Retry,
        UserAgent = UserAgent,
        ValidateCertificates = ValidateCertificates,
        LoggerFactory = LoggerFactory,
        Time = Time,
        Transport = Transport,
    };

    /// <summary>Base URL; a trailing slash or none are the same.</summary>
    public Uri Homeserver { get; }

    /// <summary>How long one HTTP attempt may take before it counts as a timeout (and is retried).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>When and how long failed requests are retried.</summary>
    public RetryOptions Retry { get; init; } = new();

    /// <summary>The <c>User-Agent</c> header of every request.</summary>
    public string UserAgent { get; init; } = "solti-matrix/" + ProductVersion.Current;

    /// <summary>False accepts any TLS certificate (a lab server with a self-signed one: the operator's explicit choice);
    /// true by default.</summary>
    public bool ValidateCertificates { get; init; } = true;

    /// <summary>Where the client logs retries and session recovery; nothing is logged by default.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>The clock of the call budgets, the retry waits, the per-attempt timeout and the reading of
    /// <c>Retry-After</c> dates: the system's; a test gives one it moves, so it never sleeps.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The key of the bot's secret storage (<c>recovery_key</c>, <c>--recovery-key-file</c>,
    /// <c>SOLTI_MATRIX_RECOVERY_KEY</c>): given it, a device of the bot that its identity has not signed yet signs itself
    /// on its first encrypted send (<see cref="Encryption.BotIdentity"/>); null leaves the device as it is. Its
    /// <c>ToString()</c> never shows it.</summary>
    public Crypto.RecoveryKey? RecoveryKey { get; init; }

    /// <summary>Replaces the network stack (tests); null uses a <see cref="SocketsHttpHandler"/>.</summary>
    public HttpMessageHandler? Transport { get; init; }
}

/// <summary>Retry rules: 429 waits as the server asks, 5xx/timeouts/connection failures back off with jitter.</summary>
public sealed record RetryOptions
{
    /// <summary>Attempts per call for failures that back off (5xx, timeouts, dropped connections), the first included;
    /// 1 turns every retry off. Rate-limited attempts (429) are not counted: they are retried as long as
    /// <see cref="TotalBudget"/> lasts.</summary>
    public int MaxAttempts { get; init; } = 8;

    /// <summary>First backoff for 5xx, timeouts and connection failures; doubles per attempt, with jitter.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest single wait. A server that asks for more is not waited for: the call fails and says so.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The whole call, every attempt and wait included.</summary>
    public TimeSpan TotalBudget { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>The wait after a 429 that says nothing about how long (a proxy's bare 429).</summary>
    public TimeSpan DefaultRateLimitDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>No retries: every call makes one attempt.</summary>
    public static RetryOptions None { get; } = new() { MaxAttempts = 1 };
}
