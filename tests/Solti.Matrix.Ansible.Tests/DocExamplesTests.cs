using System.Text.RegularExpressions;
using Solti.Matrix.Ansible.Tests.Support;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Testing;
using YamlDotNet.RepresentationModel;

namespace Solti.Matrix.Ansible.Tests;

/// <summary>Every YAML example in <c>docs/</c>, the READMEs of the repository, the collection and its roles, the
/// collection's <c>examples/</c> and every module's EXAMPLES. Each must parse, and each playbook or task list is
/// <b>run</b> with <c>ansible-playbook</c> against the installed collection and the repo's homeserver serving
/// <c>example.com</c> (<see cref="DocExampleWorld"/>: the accounts, rooms, variables, groups and configuration files
/// the examples assume; their <c>https://matrix.example.com</c> and <c>!AbCdEf:example.com</c> replaced by the test
/// homeserver's). What is not run is listed below with the reason: <see cref="SyntaxCheckedOnly"/> (infrastructure
/// this test cannot start) and <see cref="Snippets"/> (not a playbook: what checks them instead).</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed partial class DocExamplesTests(InstalledCollection collection)
{
    private static readonly string Root = Repository.Root;

    /// <summary>Playbooks that only pass <c>ansible-playbook --syntax-check</c>, and why they are not run.</summary>
    private static readonly Dictionary<string, string> SyntaxCheckedOnly = new(StringComparer.Ordinal)
    {
        ["collection/roles/hookshot_webhook/README.md#1"] = "its post_task writes /etc/alertmanager/matrix-webhook-url on the host (the role itself is run by collection/README.md#3 and HookshotWebhookRoleTests)",
        ["collection/examples/alerts.yml#1"] = "it installs a Debian package, writes /etc and starts systemd services on an Alertmanager host; its relay.yml is docs/alerts.md#1's shape, which AlertIntakeHooksTests runs",
    };

    /// <summary>Examples that are not playbooks, and what checks them besides parsing.</summary>
    private static readonly Dictionary<string, string> Snippets = new(StringComparer.Ordinal)
    {
        ["collection/roles/matrix_state/README.md#1"] = "group_vars: the inventory of the same README's #2 when that runs",
        ["collection/roles/synapse_config/README.md#2"] = "group_vars written for the original role: SynapseConfigRoleTests runs an inventory with these variables (and a registration file it has)",
        ["collection/roles/synapse_config/README.md#3"] = "variables choosing the pct restart handler: SynapseConfigRoleTests runs that handler",
        ["docs/alerts.md#1"] = "the relay's configuration file: AlertIntakeHooksTests starts the relay with it as written (example.com the test homeserver) and posts GitHub's recorded payload to its generic hook",
        ["docs/alerts.md#2"] = "an Alertmanager configuration: AlertIntakeTests runs a real Alertmanager with a webhook receiver of this shape pointing at the relay",
        ["docs/alerts.md#3"] = "a Grafana provisioning file: no Grafana runs in the tests; AlertIntakeHooksTests posts the message Grafana's webhook sends with such a contact point (recorded) to the relay",
        ["docs/homeserver.md#1"] = "a homeserver configuration: read and checked by the homeserver's configuration reader",
        ["docs/relay.md#1"] = "an Alertmanager configuration: AlertIntakeTests runs a real Alertmanager with a webhook receiver of this shape pointing at the relay",
        ["docs/relay.md#2"] = "a Grafana provisioning file: no Grafana runs in the tests; AlertIntakeTests posts Grafana's webhook payload (a sample) to the relay",
    };

    /// <summary>Playbooks whose inventory is a group_vars snippet of the same document.</summary>
    private static readonly Dictionary<string, (string Group, string Snippet)> GroupVars = new(StringComparer.Ordinal)
    {
        ["collection/roles/matrix_state/README.md#2"] = ("matrix", "collection/roles/matrix_state/README.md#1"),
    };

    public static TheoryData<string> Examples()
    {
        var data = new TheoryData<string>();
        foreach (var (file, index, _) in All())
        {
            data.Add($"{file}#{index}");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public async Task The_example_runs_against_the_homeserver_or_is_checked_as_listed(string id)
    {
        var yaml = Example(id);
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml)); // throws with the line when the example is not YAML
        if (stream.Documents[0].RootNode is not YamlSequenceNode { Children: [YamlMappingNode first, ..] })
        {
            Assert.True(Snippets.ContainsKey(id), $"{id} is not a playbook or task list: make it runnable, or list it in Snippets with what checks it");
            if (id == "docs/homeserver.md#1")
            {
                var file = Path.Combine(Path.GetTempPath(), $"solti-docs-homeserver-{Guid.NewGuid():N}.yaml");
                await File.WriteAllTextAsync(file, yaml);
                try
                {
                    Assert.Equal("localhost", CommandLine.Parse(["--config", file]).ServerName);
                }
                finally
                {
                    File.Delete(file);
                }
            }

            return;
        }

        var playbook = first.Children.ContainsKey(new YamlScalarNode("hosts"))
            ? yaml
            : "- hosts: localhost\n  gather_facts: true\n  gather_subset: [min]\n  tasks:\n" + string.Join('\n', yaml.Split('\n').Select(l => "    " + l));
        if (SyntaxCheckedOnly.ContainsKey(id))
        {
            var check = await new Playbook(collection, Path.GetTempPath()).RunAsync(playbook, null, false, "--syntax-check");
            Assert.True(check.ExitCode == 0, $"{id}:\n{check}");
            return;
        }

        await using var world = await DocExampleWorld.StartAsync(mas: id.StartsWith("docs/mas.md#", StringComparison.Ordinal));
        if (GroupVars.TryGetValue(id, out var groupVars))
        {
            await world.WriteGroupVarsAsync(groupVars.Group, world.Localise(Example(groupVars.Snippet)));
        }

        var run = await new Playbook(collection, world.Directory) { ExtraEnvironment = world.Environment }
            .RunAsync(world.Localise(playbook), world.Vars, true, "-i", world.Inventory);
        Assert.True(run.ExitCode == 0, $"{id}:\n{run}");
        var plays = run.Json!["plays"]!.AsArray();
        Assert.All(plays, play => Assert.Contains(play!["tasks"]!.AsArray(), t => t!["hosts"]?["localhost"] is not null && t["task"]!["name"]!.GetValue<string>() != "Gathering Facts"));
        Assert.DoesNotContain(plays.SelectMany(p => p!["tasks"]!.AsArray()), t => t!["hosts"]?["localhost"]?["failed"]?.GetValue<bool>() == true);
    }

    [Fact]
    public void Every_listed_exception_names_an_example_that_exists()
    {
        var ids = All().Select(e => $"{e.File}#{e.Index}").ToHashSet(StringComparer.Ordinal);
        Assert.All(SyntaxCheckedOnly.Keys.Concat(Snippets.Keys).Concat(GroupVars.Keys).Concat(GroupVars.Values.Select(v => v.Snippet)), id => Assert.Contains(id, ids));
    }

    private static string Example(string id) => All().Single(e => $"{e.File}#{e.Index}" == id).Yaml;

    [Fact]
    public void The_examples_are_found()
    {
        var files = All().Select(e => e.File).Distinct().ToList();
        Assert.Contains("collection/README.md", files);
        Assert.Contains("docs/event-schemas.md", files);
        Assert.Contains("collection/examples/post-event.yml", files);
        Assert.Contains("collection/plugins/modules/matrix_config.yml", files);
        Assert.True(All().Count() >= 10);
    }

    private static IEnumerable<(string File, int Index, string Yaml)> All()
    {
        var markdown = Directory.GetFiles(Path.Combine(Root, "docs"), "*.md")
            .Concat([Path.Combine(Root, "README.md"), Path.Combine(Root, "collection", "README.md")])
            .Concat(Directory.GetFiles(Path.Combine(Root, "collection", "roles"), "README.md", SearchOption.AllDirectories))
            .Order(StringComparer.Ordinal);
        foreach (var path in markdown)
        {
            var index = 0;
            foreach (Match block in YamlBlock().Matches(File.ReadAllText(path)))
            {
                yield return (Path.GetRelativePath(Root, path), ++index, block.Groups[1].Value);
            }
        }

        foreach (var path in Directory.GetFiles(Path.Combine(Root, "collection", "examples"), "*.yml").Order(StringComparer.Ordinal))
        {
            yield return (Path.GetRelativePath(Root, path), 1, File.ReadAllText(path));
        }

        // The EXAMPLES of every module's sidecar documentation (what ansible-doc shows).
        foreach (var path in Directory.GetFiles(Path.Combine(Root, "collection", "plugins", "modules"), "*.yml").Order(StringComparer.Ordinal))
        {
            var doc = new YamlStream();
            doc.Load(new StringReader(File.ReadAllText(path)));
            if (((YamlMappingNode)doc.Documents[0].RootNode).Children.TryGetValue(new YamlScalarNode("EXAMPLES"), out var examples))
            {
                yield return (Path.GetRelativePath(Root, path), 1, ((YamlScalarNode)examples).Value!);
            }
        }
    }

    [GeneratedRegex(@"^```yaml\n(.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex YamlBlock();
}
