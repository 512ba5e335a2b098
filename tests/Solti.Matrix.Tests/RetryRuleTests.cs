using System.Text.Json.Nodes;
using Polly;
using Solti.Matrix.Errors;
using Solti.Matrix.Http;

namespace Solti.Matrix.Tests;

/// <summary>The retry rule as the pure function it is: the same outcome, attempt and time give the same answer.</summary>
[Trait("tier", "unit")]
public sealed class RetryRuleTests
{
    private static readonly RetryOptions Options = new() { BaseDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromSeconds(10), TotalBudget = TimeSpan.FromSeconds(30) };
    private static readonly MatrixRequest Put = MatrixRequest.Put("/_matrix/client/v3/rooms/!r:x/send/m.room.message/t1", new JsonObject());
    private static readonly MatrixRequest Post = MatrixRequest.Post("/_matrix/client/v3/createRoom", new JsonObject(), idempotent: false);

    private static Outcome<MatrixResponse> Answer(int status, TimeSpan? asked = null, string? errcode = null) =>
        Outcome.FromResult(new MatrixResponse(status, errcode is null ? null : new JsonObject { ["errcode"] = errcode, ["error"] = "x" }, asked));

    private static RetryDecision Decide(Outcome<MatrixResponse> outcome, MatrixRequest? request = null, int attempt = 0, double elapsedSeconds = 0, double jitter = 0.5) =>
        RetryRule.Decide(outcome, request ?? Put, attempt, TimeSpan.FromSeconds(elapsedSeconds), Options.TotalBudget, Options, jitter);

    [Fact]
    public void A_429_waits_what_the_server_asked_and_a_bare_one_the_default()
    {
        Assert.Equal(TimeSpan.FromSeconds(3), Decide(Answer(429, TimeSpan.FromSeconds(3)), jitter: 0).Delay);
        Assert.Equal(Options.DefaultRateLimitDelay, Decide(Answer(429), jitter: 0).Delay);
        Assert.Equal(TimeSpan.FromSeconds(3), Decide(Answer(429, TimeSpan.FromSeconds(3)), Post, jitter: 0).Delay); // a 429 was not processed
    }

    [Fact]
    public void A_429_wait_gets_a_jitter_on_top_never_less_than_asked_so_a_crowd_turned_away_together_spreads_out()
    {
        Assert.Equal(TimeSpan.FromSeconds(4) + TimeSpan.FromMilliseconds(500), Decide(Answer(429, TimeSpan.FromSeconds(4)), jitter: 0.5).Delay); // a quarter of 4 s, half of it
        Assert.Equal(TimeSpan.FromSeconds(9) + TimeSpan.FromSeconds(1), Decide(Answer(429, TimeSpan.FromSeconds(9)), jitter: 0.5).Delay); // at most 2 s
        Assert.Equal(TimeSpan.FromMilliseconds(10) + TimeSpan.FromMilliseconds(50), Decide(Answer(429, TimeSpan.FromMilliseconds(10)), jitter: 0.5).Delay); // at least 100 ms
        Assert.NotEqual(Decide(Answer(429, TimeSpan.FromSeconds(5)), jitter: 0.1).Delay, Decide(Answer(429, TimeSpan.FromSeconds(5)), jitter: 0.9).Delay);
    }

    [Fact]
    public void Rate_limited_retries_last_as_long_as_the_budget_however_many_and_other_retries_stop_at_max_attempts()
    {
        Assert.True(Decide(Answer(429, TimeSpan.FromSeconds(1)), attempt: 50, elapsedSeconds: 20).Retry);
        var transient = Decide(Answer(503), attempt: Options.MaxAttempts - 1);
        Assert.False(transient.Retry);
        Assert.Equal($"gave up after {Options.MaxAttempts} attempts", transient.StopReason);
        Assert.True(Decide(Answer(503), attempt: Options.MaxAttempts - 2).Retry);
    }

    [Fact]
    public void A_rate_limit_the_budget_cannot_fit_names_the_remedies()
    {
        var spent = Decide(Answer(429, TimeSpan.FromSeconds(5)), elapsedSeconds: 27);
        Assert.Contains("ratelimit_override", spent.StopReason, StringComparison.Ordinal);
        Assert.Contains("spool: on_failure", spent.StopReason, StringComparison.Ordinal);
        Assert.DoesNotContain("ratelimit_override", Decide(Answer(503), elapsedSeconds: 29.99).StopReason ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public void A_wait_over_the_cap_or_past_the_budget_stops_and_says_why()
    {
        var capped = Decide(Answer(429, TimeSpan.FromSeconds(120)));
        Assert.False(capped.Retry);
        Assert.Contains("asked to wait 120 s", capped.StopReason, StringComparison.Ordinal);

        var spent = Decide(Answer(429, TimeSpan.FromSeconds(5)), elapsedSeconds: 26);
        Assert.False(spent.Retry);
        Assert.Contains("would exceed the call's budget of 30 s", spent.StopReason, StringComparison.Ordinal);
        Assert.True(Decide(Answer(429, TimeSpan.FromSeconds(5)), elapsedSeconds: 24).Retry);
    }

    [Fact]
    public void Transient_failures_back_off_exponentially_with_jitter_and_only_for_idempotent_requests()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(50), Decide(Answer(503), attempt: 0, jitter: 0).Delay);
        Assert.Equal(TimeSpan.FromMilliseconds(400), Decide(Answer(503), attempt: 2, jitter: 1 - 1e-9).Delay!.Value.RoundToMilliseconds());
        Assert.Equal(TimeSpan.FromSeconds(10), RetryRule.Backoff(30, Options, 1 - 1e-12).RoundToMilliseconds()); // capped at MaxDelay
        Assert.True(Decide(Outcome.FromException<MatrixResponse>(new MatrixException(0, MatrixErrorCodes.Timeout, "t"))).Retry);
        Assert.False(Decide(Answer(503), Post).Retry);
        Assert.Null(Decide(Answer(503), Post).StopReason);
    }

    [Fact]
    public void Other_4xx_and_token_errors_are_never_retried_by_the_pipeline()
    {
        Assert.False(Decide(Answer(403, errcode: MatrixErrorCodes.Forbidden)).Retry);
        Assert.False(Decide(Answer(400, errcode: "M_BAD_JSON")).Retry);
        Assert.False(Decide(Answer(401, errcode: MatrixErrorCodes.UnknownToken)).Retry); // the session heals these
        Assert.False(Decide(Answer(200)).Retry);
        Assert.False(Decide(Outcome.FromException<MatrixResponse>(new InvalidOperationException())).Retry);
    }

    [Fact]
    public void The_same_inputs_give_the_same_decision()
    {
        var outcome = Answer(502);
        Assert.Equal(Decide(outcome, attempt: 3, jitter: 0.25), Decide(outcome, attempt: 3, jitter: 0.25));
        Assert.Equal(RetryRule.Delay(outcome, Put, 3, Options, 0.25), Decide(outcome, attempt: 3, jitter: 0.25).Delay);
    }
}

internal static class TimeSpanRounding
{
    public static TimeSpan RoundToMilliseconds(this TimeSpan value) => TimeSpan.FromMilliseconds(Math.Round(value.TotalMilliseconds));
}
