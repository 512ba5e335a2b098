using System.Text.Json.Nodes;
using Solti.Matrix.Config;
using Solti.Matrix.Errors;
using Solti.Matrix.Tests.Support;

namespace Solti.Matrix.Tests;

/// <summary>The plan applier with fake actions: in order, stopping at the first failure, each action's status, the
/// outcome and the progress it reports.</summary>
[Trait("tier", "unit")]
public sealed class PlanApplierTests
{
    private readonly List<string> _ran = [];

    /// <summary>An action that records its run, then throws <paramref name="failure"/> when given.</summary>
    private PlanAction Action(string target, Exception? failure = null) =>
        new(PlanActionKind.SetState, target, new JsonObject { ["field"] = "name" }, (_, _) =>
        {
            _ran.Add(target);
            return failure is null ? Task.CompletedTask : Task.FromException(failure);
        });

    private static ConfigPlan Plan(params PlanAction[] actions)
    {
        var plan = new ConfigPlan();
        plan.Actions.AddRange(actions);
        return plan;
    }

    /// <summary>Reports synchronously, unlike <see cref="Progress{T}"/>, which posts to the thread pool.</summary>
    private sealed class Recorder : IProgress<ApplyProgress>
    {
        public List<ApplyProgress> Reports { get; } = [];

        public void Report(ApplyProgress value) => Reports.Add(value);
    }

    [Fact]
    public async Task Every_action_runs_in_order_is_marked_applied_and_reported()
    {
        var plan = Plan(Action("#a:x"), Action("#b:x"), Action("#c:x"));
        var progress = new Recorder();

        var outcome = await PlanApplier.ApplyAsync(new RecordingAdmin(), plan, progress, CancellationToken.None);

        Assert.Equal(["#a:x", "#b:x", "#c:x"], _ran);
        Assert.Equal(3, outcome.Applied);
        Assert.Null(outcome.FailedAction);
        Assert.Null(outcome.Error);
        Assert.Null(outcome.Failure);
        Assert.All(plan.Actions, a => Assert.Equal("applied", a.Status));
        Assert.Equal([(1, 3, plan.Actions[0]), (2, 3, plan.Actions[1]), (3, 3, plan.Actions[2])], progress.Reports.Select(r => (r.Done, r.Total, r.Action)));
        Assert.Equal("applied", plan.Actions[0].ToJson()["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_first_failure_stops_the_run_marks_it_failed_and_the_rest_not_applied()
    {
        var refused = new MatrixException(403, MatrixErrorCodes.Forbidden, "You don't have permission");
        var plan = Plan(Action("#a:x"), Action("#b:x", refused), Action("#c:x"), Action("#d:x"));
        var progress = new Recorder();

        var outcome = await PlanApplier.ApplyAsync(new RecordingAdmin(), plan, progress, CancellationToken.None);

        Assert.Equal(["#a:x", "#b:x"], _ran); // nothing after the failure ran
        Assert.Equal(["applied", "failed", "not_applied", "not_applied"], plan.Actions.Select(a => a.Status));
        Assert.Equal(1, outcome.Applied);
        Assert.Same(plan.Actions[1], outcome.FailedAction);
        Assert.Same(refused, outcome.Error);
        Assert.Equal(FailureKind.Final, outcome.Failure);
        Assert.Single(progress.Reports); // only what was applied
    }

    [Fact]
    public async Task A_failure_of_the_first_action_applies_nothing()
    {
        var plan = Plan(Action("#a:x", new HttpRequestException("connection reset")), Action("#b:x"));

        var outcome = await PlanApplier.ApplyAsync(new RecordingAdmin(), plan, null, CancellationToken.None);

        Assert.Equal((0, "failed", "not_applied"), (outcome.Applied, plan.Actions[0].Status, plan.Actions[1].Status));
        Assert.Equal(FailureKind.Transient, outcome.Failure); // worth a re-run later
    }

    [Theory]
    [InlineData(429, MatrixErrorCodes.LimitExceeded, FailureKind.RateLimited)]
    [InlineData(502, MatrixErrorCodes.Unknown, FailureKind.Transient)]
    [InlineData(401, MatrixErrorCodes.UnknownToken, FailureKind.Token)]
    [InlineData(400, MatrixErrorCodes.Unknown, FailureKind.Final)]
    public async Task The_outcome_classifies_the_failure_by_the_one_rule(int status, string errcode, FailureKind kind)
    {
        var outcome = await PlanApplier.ApplyAsync(new RecordingAdmin(), Plan(Action("#a:x", new MatrixException(status, errcode, "x"))), null, CancellationToken.None);

        Assert.Equal(kind, outcome.Failure);
        Assert.Equal(FailureClassification.Of(outcome.Error!), outcome.Failure);
    }

    [Fact]
    public async Task A_write_to_a_room_whose_creation_failed_is_a_failed_action_not_a_crash()
    {
        var plan = Plan(Action("#a:x", new InvalidOperationException("the room was not created")), Action("#b:x"));

        var outcome = await PlanApplier.ApplyAsync(new RecordingAdmin(), plan, null, CancellationToken.None);

        Assert.Equal(["failed", "not_applied"], plan.Actions.Select(a => a.Status));
        Assert.IsType<InvalidOperationException>(outcome.Error);
        Assert.Null(outcome.Failure); // not a failure of the server: nothing to retry
    }

    [Fact]
    public async Task A_bug_in_an_action_propagates_and_is_not_recorded_as_a_server_failure()
    {
        var plan = Plan(Action("#a:x"), Action("#b:x", new ArgumentException("bad room")), Action("#c:x"));

        await Assert.ThrowsAsync<ArgumentException>(() => PlanApplier.ApplyAsync(new RecordingAdmin(), plan, null, CancellationToken.None));

        Assert.Equal(["applied", "planned", "planned"], plan.Actions.Select(a => a.Status));
        Assert.Equal(["#a:x", "#b:x"], _ran);
    }

    [Fact]
    public async Task Each_action_gets_the_admin_client_and_the_cancellation_token_it_was_applied_with()
    {
        var admin = new RecordingAdmin();
        using var cancellation = new CancellationTokenSource();
        var seen = new List<(SynapseAdminClient, CancellationToken)>();
        var plan = Plan(new PlanAction(PlanActionKind.JoinMember, "#a:x", [], (client, ct) =>
        {
            seen.Add((client, ct));
            return Task.CompletedTask;
        }));

        await PlanApplier.ApplyAsync(admin, plan, null, cancellation.Token);

        var (client, token) = Assert.Single(seen);
        Assert.Same(admin, client);
        Assert.Equal(cancellation.Token, token);
    }

    [Fact]
    public async Task An_empty_plan_applies_nothing_and_reports_nothing()
    {
        var progress = new Recorder();
        var outcome = await PlanApplier.ApplyAsync(new RecordingAdmin(), Plan(), progress, CancellationToken.None);

        Assert.Equal(0, outcome.Applied);
        Assert.Null(outcome.FailedAction);
        Assert.Empty(progress.Reports);
    }

    [Fact]
    public async Task A_run_that_stopped_part_way_says_what_was_applied_what_failed_and_what_is_left()
    {
        var plan = Plan(Action("#a:x"), Action("#b:x", new MatrixException(403, MatrixErrorCodes.Forbidden, "no")), Action("#c:x"));
        var outcome = await PlanApplier.ApplyAsync(new RecordingAdmin(), plan, null, CancellationToken.None);

        Assert.Equal(
            "applied 1 of 3 actions; set_state #b:x failed: refused; 1 not applied (see plan[].status); run again to finish",
            ConfigEngine.Describe(plan, outcome, _ => "refused"));
    }
}
