using Solti.Matrix.Config;
using Solti.Matrix.Sessions;

namespace Solti.Matrix.Ansible.Modules;

/// <summary><c>matrix_config</c>: users and rooms as desired state, through <see cref="ConfigEngine"/>: one read, a plan,
/// exactly that plan applied (nothing in check mode), the upstream result keys plus <c>plan</c>, <c>changes</c> and a
/// YAML diff per item. Input is checked whole before the server is even read.</summary>
public sealed class MatrixConfigModule : IModule
{
    public string Name => "matrix_config";

    public ArgumentSpec Spec { get; } = new(new Dictionary<string, OptionSpec>(ConnectionOptions.SharedAdmin)
    {
        ["domain"] = new() { Required = true },
        ["users"] = new(OptionType.List) { Elements = OptionType.Dict, Default = new JsonArray(), NoLogKeys = ["password"] },
        ["rooms"] = new(OptionType.List) { Elements = OptionType.Dict, Default = new JsonArray() },
        ["exclusive_members"] = new(OptionType.Bool) { Default = false },
        ["tokens"] = new(OptionType.Bool) { Default = false },
        ["update_password"] = new() { Default = "on_create", Choices = ["on_create", "always"] },
    });

    public async Task<JsonObject> RunAsync(AnsibleModule module, CancellationToken cancellationToken)
    {
        var desired = Parse(module);
        var (client, admin) = ConnectionOptions.AdminClient(module);
        using var _ = client;
        var engine = new ConfigEngine(admin);
        var plan = await engine.PlanAsync(desired, cancellationToken);
        if (plan.Errors.Count > 0)
        {
            var report = ConfigReport.Build(plan, null, withDiff: false);
            report["changed"] = false;
            report["errors"] = new JsonArray([.. plan.Errors.Select(e => (JsonNode)e)]);
            throw new ModuleFailedException($"nothing was changed: {plan.Errors[0]}" + (plan.Errors.Count > 1 ? $" (and {plan.Errors.Count - 1} more, see errors)" : ""), report);
        }

        if (module.CheckMode)
        {
            if (desired.Tokens)
            {
                module.Warn("tokens are not obtained in check mode (nobody is logged in)");
            }

            return ConfigReport.Build(plan, null, module.DiffMode);
        }

        var outcome = await engine.ApplyAsync(plan, cancellationToken: cancellationToken);
        var result = ConfigReport.Build(plan, outcome, module.DiffMode);
        if (outcome.FailedAction is not null)
        {
            var extra = outcome.Error is Errors.MatrixException m ? new JsonObject { ["errcode"] = m.Errcode, ["status"] = m.Status } : [];
            foreach (var (key, value) in result)
            {
                extra[key] = value?.DeepClone();
            }

            throw new ModuleFailedException(ConfigEngine.Describe(plan, outcome, e => e is Errors.MatrixException me ? ModuleHost.Describe(me) : e.Message), extra);
        }

        if (desired.Tokens)
        {
            var cache = new CredentialCache(module.Str("token_cache"));
            result["tokens"] = await ConfigEngine.TokensAsync(desired, user => new MatrixSession(admin.Session.Http, new SessionOptions
            {
                UserId = user.UserId,
                Password = user.Password,
                DeviceDisplayName = "solti-matrix matrix_config",
                UseCache = true,
            }, cache), cancellationToken);
        }

        return result;
    }

    private static DesiredState Parse(AnsibleModule module)
    {
        var input = new JsonObject();
        foreach (var key in DesiredStateParser.TopKeys)
        {
            if (module.Params[key] is { } value)
            {
                input[key] = value.DeepClone();
            }
        }

        try
        {
            return DesiredStateParser.Parse(input);
        }
        catch (ConfigInputException e)
        {
            throw new ModuleFailedException(e.Errors[0] + (e.Errors.Count > 1 ? $" (and {e.Errors.Count - 1} more, see errors)" : ""),
                new JsonObject { ["errors"] = new JsonArray([.. e.Errors.Select(x => (JsonNode)x)]) });
        }
    }
}
