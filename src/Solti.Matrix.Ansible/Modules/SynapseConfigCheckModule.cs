using Solti.Matrix.SynapseConfig;

namespace Solti.Matrix.Ansible.Modules;

/// <summary><c>synapse_config_check</c>: checks a Synapse configuration made of several files (given parsed, in the
/// order Synapse reads them) before a restart; fails naming each file and key that Synapse would refuse or ignore.
/// Reads nothing, writes nothing, contacts nobody; never returns a value (configurations hold secrets).</summary>
public sealed class SynapseConfigCheckModule : IModule
{
    public string Name => "synapse_config_check";

    public ArgumentSpec Spec { get; } = new(new Dictionary<string, OptionSpec>
    {
        ["files"] = new(OptionType.List)
        {
            Required = true,
            Elements = OptionType.Dict,
            Options = new ArgumentSpec(new Dictionary<string, OptionSpec>
            {
                ["path"] = new() { Required = true },
                ["content"] = new(OptionType.Raw),
            }),
        },
        ["appservice_encryption"] = new(OptionType.Bool) { Default = false },
    });

    public Task<JsonObject> RunAsync(AnsibleModule module, CancellationToken cancellationToken)
    {
        var files = ((JsonArray)module.Params["files"]!).OfType<JsonObject>()
            .Select(f => new ConfigSource(f["path"]!.GetValue<string>(), f["content"]?.DeepClone()))
            .ToList();
        var result = SynapseConfigCheck.Check(files, module.Bool("appservice_encryption"));
        foreach (var warning in result.Warnings)
        {
            module.Warn(warning);
        }

        var report = new JsonObject
        {
            ["errors"] = new JsonArray([.. result.Errors.Select(e => (JsonNode)e)]),
            ["key_sources"] = new JsonObject([.. result.KeySources.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))]),
        };
        if (result.Errors.Count > 0)
        {
            throw new ModuleFailedException($"the Synapse configuration is not valid: {string.Join("; ", result.Errors)}", report);
        }

        report["changed"] = false;
        return Task.FromResult(report);
    }
}
