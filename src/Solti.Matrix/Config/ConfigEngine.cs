using Solti.Matrix.Sessions;

namespace Solti.Matrix.Config;

/// <summary>Desired-state convergence of users and rooms: read the server once, plan the writes in order (users first,
/// then rooms and their members, then deletions), apply exactly the plan, and report. Check mode stops after the plan.</summary>
public sealed class ConfigEngine(SynapseAdminClient admin)
{
    /// <summary>Reads what the server has and plans the writes that make it what <paramref name="desired"/> says;
    /// writes nothing.</summary>
    public async Task<ConfigPlan> PlanAsync(DesiredState desired, CancellationToken cancellationToken = default)
    {
        var snapshot = await SnapshotReader.ReadAsync(admin, desired, cancellationToken);
        var plan = new ConfigPlan();
        var deactivations = new List<PlanAction>();
        var deletions = new List<PlanAction>();
        foreach (var user in desired.Users)
        {
            UserPlanner.Plan(user, snapshot, plan, deactivations);
        }

        foreach (var room in desired.Rooms)
        {
            RoomPlanner.Plan(room, snapshot, plan, deletions);
        }

        // Rooms go before the accounts that leave, so a member being removed is never needed by a room write.
        plan.Actions.AddRange(deletions);
        plan.Actions.AddRange(deactivations);
        await RefuseWhatMasOwnsAsync(plan, cancellationToken);
        return plan;
    }

    /// <summary>On a homeserver that delegates authentication to MAS, accounts, passwords and admin rights are MAS's:
    /// Synapse's admin API would create an account MAS does not know (it could never sign in) or change a password or
    /// admin flag nobody checks. When the account authority refuses them (<see cref="Accounts.IAccountAuthority.AccountWriteRefusal"/>:
    /// MAS's admin API was not given) such actions stop the run before any write, each named.</summary>
    private async Task RefuseWhatMasOwnsAsync(ConfigPlan plan, CancellationToken cancellationToken)
    {
        static bool OwnedByMas(PlanAction action) => action.Kind == PlanActionKind.CreateUser
            || (action.Kind == PlanActionKind.UpdateUser && action.Details["fields"] is JsonArray fields
                && fields.Any(f => f?.GetValue<string>() is "password" or "admin"));

        var owned = plan.Actions.Where(OwnedByMas).ToList();
        if (owned.Count == 0)
        {
            return;
        }

        var accounts = await admin.AccountsAsync(cancellationToken);
        foreach (var action in owned)
        {
            var what = action.Kind == PlanActionKind.CreateUser ? "creating the account" : "changing its password or admin flag";
            if (accounts.AccountWriteRefusal(what) is { } refusal)
            {
                plan.Errors.Add($"{action.Target}: {refusal}");
            }
        }
    }

    /// <summary>Applies <paramref name="plan"/> in order and stops at the first failure (<see cref="PlanApplier"/>),
    /// reporting each action to <paramref name="progress"/>.</summary>
    public Task<ApplyOutcome> ApplyAsync(ConfigPlan plan, IProgress<ApplyProgress>? progress = null, CancellationToken cancellationToken = default) =>
        PlanApplier.ApplyAsync(admin, plan, progress, cancellationToken);

    /// <summary>A token per present, active user with a password, from a session with a stable device: the cached token
    /// when it still works, else one login with the same device. <paramref name="session"/> builds that session.</summary>
    public static async Task<JsonObject> TokensAsync(DesiredState desired, Func<DesiredUser, MatrixSession> session, CancellationToken cancellationToken = default)
    {
        var tokens = new JsonObject();
        foreach (var user in desired.Users.Where(u => u.Present && u.Password is not null && !(u.Fields["deactivated"] is JsonValue d && d.GetValue<bool>())))
        {
            var userSession = session(user);
            await userSession.WhoAmIAsync(cancellationToken);
            tokens[user.UserId] = userSession.AccessToken;
        }

        return tokens;
    }

    /// <summary>The error text of a run that stopped part-way: what was applied, what failed and what was not applied.</summary>
    public static string Describe(ConfigPlan plan, ApplyOutcome outcome, Func<Exception, string> describeError) =>
        $"applied {outcome.Applied} of {plan.Actions.Count} actions; {outcome.FailedAction} failed: {describeError(outcome.Error!)}; "
        + $"{plan.Actions.Count(a => a.Status == "not_applied")} not applied (see plan[].status); run again to finish";
}
