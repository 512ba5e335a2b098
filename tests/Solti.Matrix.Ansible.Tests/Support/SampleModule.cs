using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Host;

namespace Solti.Matrix.Ansible.Tests.Support;

/// <summary>A module whose spec uses every feature of the host, returning its parameters.</summary>
public sealed class SampleModule : IModule
{
    public string Name => "sample";

    public ArgumentSpec Spec { get; } = new(new Dictionary<string, OptionSpec>
    {
        ["name"] = new() { Required = true, Aliases = ["n"] },
        ["count"] = new(OptionType.Int) { Default = 1 },
        ["ratio"] = new(OptionType.Float),
        ["enabled"] = new(OptionType.Bool) { Default = false },
        ["mode"] = new() { Choices = ["fast", "slow"], Default = "fast" },
        ["secret"] = new() { NoLog = true },
        ["other"] = new(),
        ["tags"] = new(OptionType.List) { Elements = OptionType.Str },
        ["settings"] = new(OptionType.Dict),
        ["users"] = new(OptionType.List)
        {
            Elements = OptionType.Dict,
            Options = new ArgumentSpec(new Dictionary<string, OptionSpec>
            {
                ["user_id"] = new() { Required = true },
                ["password"] = new() { NoLog = true },
                ["admin"] = new(OptionType.Bool),
            }),
        },
    })
    {
        MutuallyExclusive = [["secret", "other"]],
        RequiredIf = [new RequiredIf("mode", "slow", ["ratio"])],
    };

    public Task<JsonObject> RunAsync(AnsibleModule module, CancellationToken cancellationToken)
    {
        if (module.Str("name") == "explode")
        {
            throw new InvalidOperationException("boom with " + module.Str("secret"));
        }

        if (module.Str("name") == "warn")
        {
            module.Warn("careful: " + module.Str("secret"));
            module.Deprecate("old option", "2.0.0");
        }

        var result = new JsonObject
        {
            ["changed"] = !module.CheckMode,
            ["params"] = module.Params.DeepClone(),
            ["check_mode"] = module.CheckMode,
            ["diff_mode"] = module.DiffMode,
            ["echo"] = "the secret is " + module.Str("secret"),
        };
        if (module.Str("name") == "reveal")
        {
            // A secret that a parameter asked for: in its own key, and nowhere else.
            module.Reveal(result, "token", "tok-" + module.Str("other"));
            result["echo"] = "the token is tok-" + module.Str("other");
        }

        return Task.FromResult(result);
    }
}
