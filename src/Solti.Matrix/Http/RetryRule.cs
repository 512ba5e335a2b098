using Polly;

namespace Solti.Matrix.Http;

/// <summary>Whether an attempt is retried and after how long, as pure functions of what happened: a 429 waits as the
/// server asked (<see cref="RetryAfter"/>, else <see cref="RetryOptions.DefaultRateLimitDelay"/>), unless that is more
/// than <see cref="RetryOptions.MaxDelay"/>; a transient failure (no answer, 5xx) of an idempotent request backs off
/// exponentially with jitter; nothing else is retried (other 4xx, token errors: the session heals those); no wait may
/// outlast the call's budget. The pipeline asks <see cref="Decide"/> whether to retry and <see cref="Delay"/> how long
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

        if (Kind(outcome) == FailureKind.RateLimited && wait > options.MaxDelay)
        {
            return RetryDecision.Stop($"the server asked to wait {RetryAfter.Describe(wait)}, more than the longest wait allowed ({RetryAfter.Describe(options.MaxDelay)})");
        }

        return wait < budget - elapsed
            ? RetryDecision.After(wait)
            : RetryDecision.Stop($"waiting {RetryAfter.Describe(wait)} more would exceed the call's budget of {RetryAfter.Describe(budget)}");
    }

    /// <summary>The wait before the next attempt; null when the outcome is not retried at all.</summary>
    public static TimeSpan? Delay(Outcome<MatrixResponse> outcome, MatrixRequest request, int attempt, RetryOptions options, double jitter) => Kind(outcome) switch
    {
        FailureKind.RateLimited => outcome.Result?.AskedWait ?? options.DefaultRateLimitDelay,
        FailureKind.Transient when request.Idempotent => Backoff(attempt, options, jitter),
        _ => null,
    };

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
