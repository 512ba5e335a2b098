using Solti.Matrix.Config;

namespace Solti.Matrix.Ansible.Modules;

/// <summary>How a single-item module (<c>synapse_user</c>, <c>synapse_room</c>) converges: its options as a
/// <see cref="DesiredState"/> of one user or room, planned and applied by the same <see cref="ConfigEngine"/> as
/// <c>matrix_config</c>. Check mode stops after the plan; <c>changed</c> is "the plan has writes" there and "a write was
/// applied" otherwise; a failure is the server's error, with what was already applied.</summary>
public static class EngineRun
{
    public static async Task<ConfigPlan> ConvergeAsync(AnsibleModule module, SynapseAdminClient admin, DesiredState desired, CancellationToken cancellationToken)
    {
        var engine = new ConfigEngine(admin);
        var plan = await engine.PlanAsync(desired, cancellationToken);
        if (plan.Errors.Count > 0)
        {
            throw new ModuleFailedException($"nothing was changed: {plan.Errors[0]}", new JsonObject { ["errors"] = new JsonArray([.. plan.Errors.Select(e => (JsonNode)e)]) });
        }

        if (module.CheckMode || !plan.Changed)
        {
            return plan;
        }

        var outcome = await engine.ApplyAsync(plan, cancellationToken: cancellationToken);
        if (outcome.FailedAction is not null)
        {
            var extra = outcome.Error is Errors.MatrixException m ? new JsonObject { ["errcode"] = m.Errcode, ["status"] = m.Status } : [];
            extra["changed"] = outcome.Applied > 0;
            extra["plan"] = new JsonArray([.. plan.Actions.Select(a => (JsonNode)a.ToJson())]);
            var message = outcome.Error is Errors.MatrixException me ? ModuleHost.Describe(me) : outcome.Error!.Message;
            throw new ModuleFailedException(outcome.Applied == 0 ? message : $"{outcome.FailedAction} failed after {outcome.Applied} of {plan.Actions.Count} writes: {message}", extra);
        }

        return plan;
    }

    /// <summary>The module's <c>diff</c> (before and after as mappings) when diff mode is on and the item changes.</summary>
    public static void AddDiff(AnsibleModule module, JsonObject result, ItemResult item)
    {
        if (module.DiffMode && item.Changed)
        {
            result["diff"] = new JsonObject { ["before"] = item.Before.DeepClone(), ["after"] = item.After.DeepClone() };
        }
    }

    public static JsonArray Changes(ItemResult item) => new([.. item.Changes.Select(c => (JsonNode)c)]);
}
