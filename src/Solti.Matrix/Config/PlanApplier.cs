namespace Solti.Matrix.Config;

/// <summary>Progress while applying: how many actions are done, of how many, and the one that just ran.</summary>
public readonly record struct ApplyProgress(int Done, int Total, PlanAction Action);

/// <summary>What applying did: the first failure (null when every action was applied) and what kind of failure it was
/// (<see cref="Errors.FailureClassification"/>: a transient or rate-limited one is worth a re-run later).</summary>
public sealed record ApplyOutcome(int Applied, PlanAction? FailedAction, Exception? Error)
{
    /// <summary>How the failure is classified, or null when every action was applied.</summary>
    public Errors.FailureKind? Failure => Error is null ? null : Errors.FailureClassification.Of(Error);
}

/// <summary>Runs the plan's actions in order and stops at the first failure, marking each action applied, failed or
/// not applied. Rate limits are waited out by the HTTP pipeline, not skipped; a re-run plans only what is left.</summary>
public static class PlanApplier
{
    /// <summary>Runs every action of <paramref name="plan"/> as <paramref name="admin"/>, in order, until one fails;
    /// the outcome says how many were applied and which failed.</summary>
    public static async Task<ApplyOutcome> ApplyAsync(SynapseAdminClient admin, ConfigPlan plan, IProgress<ApplyProgress>? progress, CancellationToken cancellationToken)
    {
        var applied = 0;
        foreach (var action in plan.Actions)
        {
            try
            {
                await action.Run(admin, cancellationToken);
            }
            catch (Exception e) when (Errors.FailureClassification.Of(e) is not null || e is InvalidOperationException)
            {
                action.Status = "failed";
                foreach (var rest in plan.Actions.Where(a => a.Status == "planned"))
                {
                    rest.Status = "not_applied";
                }

                return new ApplyOutcome(applied, action, e);
            }

            action.Status = "applied";
            applied++;
            progress?.Report(new ApplyProgress(applied, plan.Actions.Count, action));
        }

        return new ApplyOutcome(applied, null, null);
    }
}
