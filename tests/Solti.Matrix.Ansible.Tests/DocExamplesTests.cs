using System.Text.RegularExpressions;
using Solti.Matrix.Ansible.Tests.Support;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Homeserver.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace Solti.Matrix.Ansible.Tests;

/// <summary>Every YAML example in <c>docs/</c>, the READMEs of the repository, the collection and its roles, the
/// collection's <c>examples/</c> and every module's EXAMPLES: each must parse; playbooks and task lists must pass <c>ansible-playbook
/// --syntax-check</c> against the installed collection (so a misspelt module, role or option layout fails here).
/// The collection README's block of one example per module is also run against the repo's homeserver; the other
/// examples are syntax-checked only, since they point at production homeservers, vaults, Synapse hosts and hookshot
/// installs this test cannot start (the behaviour they show is run by the module and role tests).</summary>
[Collection("ansible")]
public sealed partial class DocExamplesTests(InstalledCollection collection)
{
    private static readonly string Root = FindRoot();

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
    public async Task The_example_parses_and_playbooks_pass_the_syntax_check(string id)
    {
        var (file, index, yaml) = All().Single(e => $"{e.File}#{e.Index}" == id);
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml)); // throws with the line when the example is not YAML
        var root = stream.Documents[0].RootNode;
        if (root is not YamlSequenceNode { Children: [YamlMappingNode first, ..] })
        {
            return; // a configuration or variables snippet: parsing is the check
        }

        var playbook = first.Children.ContainsKey(new YamlScalarNode("hosts"))
            ? yaml
            : "- hosts: localhost\n  gather_facts: false\n  tasks:\n" + string.Join('\n', yaml.Split('\n').Select(l => "    " + l));
        var run = await new Playbook(collection, Path.GetTempPath()).RunAsync(playbook, null, false, "--syntax-check");
        Assert.True(run.ExitCode == 0, $"{file}, example {index}:\n{run}");
    }

    /// <summary>The collection README's block of one example per module runs as written, in order, against the repo's
    /// homeserver serving <c>example.com</c>, with the bot of the examples seeded.</summary>
    [Fact]
    public async Task The_example_of_every_module_runs_against_the_homeserver()
    {
        var (_, _, yaml) = All().Single(e => e.File == "collection/README.md" && e.Yaml.Contains("jackaltx.solti_matrix_mgr.synapse_config_check:", StringComparison.Ordinal) && !e.Yaml.Contains("hosts:", StringComparison.Ordinal));
        await using var hs = await TestHomeserver.StartAsync(o => o with { ServerName = "example.com", SeedUsers = [.. o.SeedUsers, new SeedUser("solti-logger", "logger-pass", false)] });
        var admin = await hs.LoginAdminAsync("DOCS");
        var state = Directory.CreateTempSubdirectory("solti-docs-").FullName;
        try
        {
            var run = await new Playbook(collection, state).RunAsync(
                "- hosts: localhost\n  gather_facts: false\n  tasks:\n" + string.Join('\n', yaml.Split('\n').Select(l => "    " + l)),
                new Dictionary<string, string> { ["hs_url"] = hs.Server.BaseAddress.ToString(), ["admin_token"] = admin.AccessToken, ["logger_password"] = "logger-pass" });
            Assert.True(run.ExitCode == 0, run.ToString());
            var tasks = run.Json!["plays"]![0]!["tasks"]!.AsArray();
            Assert.Equal(11, tasks.Count);
            Assert.All(tasks, t => Assert.NotEqual(true, t!["hosts"]!["localhost"]!["failed"]?.GetValue<bool>()));
            Assert.StartsWith("$", run.Task("matrix_event — a structured event, queued if the homeserver is down")["event_id"]!.GetValue<string>(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

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

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "build.sh")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("the repository root (with build.sh) was not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"^```yaml\n(.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex YamlBlock();
}
