using Polly;

namespace Solti.Matrix.Http;

/// <summary>Whether an attempt is retried and after how long, as pure functions of what happened: a 429 waits as the
/// server asked (<see cref="RetryAfter"/>, else <see cref="RetryOptions.DefaultRateLimitDelay"/>) plus a jitter of up
/// to a quarter of that (at least 100 ms, at most 2 s), so that clients the server turned away together do not come back
/// together, unless the wait is more than <see cref="RetryOptions.MaxDelay"/>; 429s are retried for as long as the call's
/// budget lasts, however many; a transient failure (no answer, 5xx) of an idempotent request backs off exponentially with
/// jitter, at most <see cref="RetryOptions.MaxAttempts"/> attempts; nothing else is retried (other 4xx, token errors:
/// the session heals those); no wait may outlast the call's budget. The pipeline asks <see cref="Decide"/> whether to retry and <see cref="Delay"/> how long
/// to wait, and asks again at the end for the reason it stopped.</summary>
internal static class RetryRule
{
    /// <summary>Retry after <see cref="RetryDecision.Delay"/>, or stop (with a reason when the rule, not the answer, stopped it).</summary>
    public static RetryDecision Decide(Outcome<MatrixResponse> outcome, MatrixRequest request, int attempt, TimeSpan elapsed, TimeSpan budget, RetryOptions options, double jitter)
    {
        if (Delay(outcome, request, attempt, options, jitter) is not { } wait)
        {
            return RetryDecision.Stop(null);
        }

        var rateLimited = Kind(outcome) == FailureKind.RateLimited;
        if (rateLimited && Asked(outcome, options) > options.MaxDelay)
        {
            return RetryDecision.Stop($"the server asked to wait {RetryAfter.Describe(Asked(outcome, options))}, more than the longest wait allowed ({RetryAfter.Describe(options.MaxDelay)}); {RateLimitRemedies}");
        }

        if (!rateLimited && attempt + 1 >= options.MaxAttempts)
        {
            return RetryDecision.Stop($"gave up after {attempt + 1} attempts");
        }

        return wait < budget - elapsed
            ? RetryDecision.After(wait)
            : RetryDecision.Stop($"waiting {RetryAfter.Describe(wait)} more would exceed the call's budget of {RetryAfter.Describe(budget)}" + (rateLimited ? "; " + RateLimitRemedies : ""));
    }

    /// <summary>What to do about a sender the homeserver keeps rate limiting past the call's budget.</summary>
    public const string RateLimitRemedies = "for a bot, lift its limit with a ratelimit_override (synapse_user's ratelimit_override, or matrix_config), "
        + "give it a longer budget (--budget, timeout), or queue the event instead of failing (spool: on_failure, --spool on_failure)";

    /// <summary>The wait before the next attempt; null when the outcome is not retried at all.</summary>
    public static TimeSpan? Delay(Outcome<MatrixResponse> outcome, MatrixRequest request, int attempt, RetryOptions options, double jitter) => Kind(outcome) switch
    {
        FailureKind.RateLimited => RateLimitWait(Asked(outcome, options), jitter),
        FailureKind.Transient when request.Idempotent => Backoff(attempt, options, jitter),
        _ => null,
    };

    /// <summary>The server's wait and a jitter on top (<paramref name="jitter"/> in [0, 1)): up to a quarter of it, at
    /// least 100 ms and at most 2 s; never less than asked.</summary>
    public static TimeSpan RateLimitWait(TimeSpan asked, double jitter)
    {
        var spread = Math.Clamp(asked.Ticks / 4, TimeSpan.FromMilliseconds(100).Ticks, TimeSpan.FromSeconds(2).Ticks);
        return asked + TimeSpan.FromTicks((long)(spread * jitter));
    }

    private static TimeSpan Asked(Outcome<MatrixResponse> outcome, RetryOptions options) => outcome.Result?.AskedWait ?? options.DefaultRateLimitDelay;

    /// <summary>Exponential from <see cref="RetryOptions.BaseDelay"/>, capped at <see cref="RetryOptions.MaxDelay"/>, with
    /// "equal jitter": between half and all of it (<paramref name="jitter"/> in [0, 1)), so retrying clients spread out.</summary>
    public static TimeSpan Backoff(int attempt, RetryOptions options, double jitter)
    {
        var ceiling = Math.Min(options.MaxDelay.Ticks, options.BaseDelay.Ticks << Math.Min(attempt, 20));
        return TimeSpan.FromTicks((long)(ceiling * (0.5 + (0.5 * jitter))));
    }

    /// <summary>What went wrong in one attempt; null for a success or an exception the pipeline did not raise.</summary>
    private static FailureKind? Kind(Outcome<MatrixResponse> outcome) => outcome switch
    {
        { Exception: MatrixException e } => e.Kind,
        { Result: { } response } => response.Failure,
        _ => null,
    };
}

/// <summary>One answer of <see cref="RetryRule.Decide"/>.</summary>
internal readonly record struct RetryDecision(TimeSpan? Delay, string? StopReason)
{
    public bool Retry => Delay is not null;

    public static RetryDecision After(TimeSpan delay) => new(delay, null);

    public static RetryDecision Stop(string? reason) => new(null, reason);
}
