using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Modules;
using Solti.Matrix.Ansible.Tests.Support;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests;

/// <summary>The collection as Ansible's own tools see it, installed from the tarball: <c>ansible-doc -l</c> lists every
/// module (each is a file of its own: Ansible lists no symlinks), <c>ansible-doc</c> reads every module's documentation
/// without a word on stderr, and <c>ansible-test sanity</c> (Debian's ansible-core) passes, run by
/// <c>./build.sh sanity</c>; its ignore file holds only what a binary module cannot satisfy, each line with its
/// reason (docs/module-host.md, "Ansible's own tools").</summary>
[Trait("tier", "package")]
[Collection("ansible")]
public sealed class AnsibleSanityTests(InstalledCollection collection)
{
    private const string Prefix = "jackaltx.solti_matrix_mgr.";

    /// <summary>The one action plugin, which no module is named after (ansible-test's action-plugin-docs).</summary>
    private const string ActionPlugin = "plugins/action/solti_matrix_module.py";

    private static IEnumerable<string> CatalogModules => ModuleCatalog.All.Keys.Order(StringComparer.Ordinal);

    [Fact]
    public async Task Ansible_doc_lists_every_module_of_the_catalog()
    {
        var run = await AnsibleDocAsync("-t", "module", "-l", "jackaltx.solti_matrix_mgr");

        var listed = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', 2)[0]).Order(StringComparer.Ordinal);
        Assert.Equal(CatalogModules.Select(m => Prefix + m), listed);
    }

    /// <summary>What ansible-test's <c>ansible-doc</c> sanity test does for Python plugins (it leaves out other files,
    /// so it has nothing to check here): every module at once, as text and as JSON, with nothing on stderr.</summary>
    [Fact]
    public async Task Ansible_doc_reads_every_module_from_its_sidecar_as_text_and_as_json_with_nothing_on_stderr()
    {
        var names = CatalogModules.Select(m => Prefix + m).ToArray();
        var text = await AnsibleDocAsync(["-t", "module", .. names]);
        Assert.True(text.Stderr.Length == 0, "ansible-doc wrote on stderr: " + text.Stderr);
        var json = await AnsibleDocAsync(["-t", "module", "--json", .. names]);
        Assert.True(json.Stderr.Length == 0, "ansible-doc --json wrote on stderr: " + json.Stderr);

        var docs = JsonNode.Parse(json.Stdout)!.AsObject();
        Assert.Equal(names, docs.Select(d => d.Key).Order(StringComparer.Ordinal));
        Assert.All(CatalogModules, m =>
        {
            Assert.Contains(m.ToUpperInvariant(), text.Stdout, StringComparison.Ordinal);
            var doc = docs[Prefix + m]!["doc"]!;
            Assert.Equal(m, doc["module"]!.GetValue<string>());
            Assert.EndsWith($"/plugins/modules/{m}.yml", doc["filename"]!.GetValue<string>(), StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Ansible_test_sanity_passes_on_the_installed_collection()
    {
        var root = Repository.Root;
        var run = await ProcessRunner.RunAsync("bash", [Path.Combine(root, "build.sh"), "sanity", collection.CollectionsPath], root);

        Assert.True(run.ExitCode == 0, $"./build.sh sanity (ansible-doc -l, then ansible-test sanity) exited {run.ExitCode}:\n{run.Output}");
        Assert.Contains($"ansible-doc -l lists the {ModuleCatalog.All.Count} modules", run.Output, StringComparison.Ordinal);
        // The tests that used to fail (the action plugin, the binaries under bin/) and the ones about module files ran.
        foreach (var test in new[] { "action-plugin-docs", "compile", "ignores", "no-basestring", "shebang", "symlinks" })
        {
            Assert.Contains($"Running sanity test \"{test}\"", run.Output, StringComparison.Ordinal);
        }
    }

    /// <summary>Each line of the collection's ignore file names the action plugin (action-plugin-docs) or a module binary
    /// of the manifest (a test skipped: ansible-test reads every file under bin/ as Python), and says why after a
    /// <c>#</c>: nothing else is waived.</summary>
    [Fact]
    public void The_sanity_ignore_file_waives_only_what_a_binary_module_cannot_satisfy_each_with_its_reason()
    {
        var sanity = Path.Combine(Repository.Root, "collection", "tests", "sanity");
        var file = Assert.Single(Directory.GetFiles(sanity, "ignore-*.txt"));
        var binaries = JsonNode.Parse(File.ReadAllText(Path.Combine(collection.CollectionsPath, "ansible_collections", "jackaltx", "solti_matrix_mgr", "bin", "manifest.json")))!["binaries"]!
            .AsObject().Select(b => "bin/" + b.Value!["path"]!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);

        var lines = File.ReadAllLines(file);
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            var hash = line.IndexOf(" # ", StringComparison.Ordinal);
            Assert.True(hash > 0 && line[(hash + 3)..].Trim().Length > 0, $"{Path.GetFileName(file)}: a line without its reason after ' # ': {line}");
            var entry = line[..hash].Trim().Split(' ');
            Assert.True(entry.Length == 2, $"{Path.GetFileName(file)}: not 'path test' before the reason: {line}");
            var (path, test) = (entry[0], entry[1]);
            Assert.True(
                (path == ActionPlugin && test == "action-plugin-docs") || (binaries.Contains(path) && test.EndsWith("!skip", StringComparison.Ordinal)),
                $"{Path.GetFileName(file)} waives '{test}' for {path}: only the action plugin's action-plugin-docs and skips on the module binaries ({string.Join(", ", binaries)}) are what a binary module cannot satisfy");
        }

        Assert.Contains(lines, l => l.StartsWith(ActionPlugin + " action-plugin-docs ", StringComparison.Ordinal));
    }

    private async Task<ProcessResult> AnsibleDocAsync(params string[] args)
    {
        var start = ProcessRunner.StartInfo("ansible-doc", args);
        start.Environment["ANSIBLE_COLLECTIONS_PATH"] = collection.CollectionsPath;
        start.Environment["ANSIBLE_NOCOLOR"] = "1";
        var run = await ProcessRunner.RunAsync(start);
        Assert.True(run.ExitCode == 0, $"ansible-doc {string.Join(' ', args)} exited {run.ExitCode}: {run.Stderr}");
        return run;
    }
}
