using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Tests.Support;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests;

/// <summary>The collection as the ecosystem checks it: <c>ansible-lint --profile production</c> (Debian's 6.13) on
/// <c>collection/</c> passes, run by <c>./build.sh lint</c> with the modules resolved from the installed tarball; and the
/// tarball carries the changelog and galaxy's metadata, not the release tooling.</summary>
[Trait("tier", "package")]
[Collection("ansible")]
public sealed class AnsibleLintTests(InstalledCollection collection)
{
    private string Installed => Path.Combine(collection.CollectionsPath, "ansible_collections", "jackaltx", "solti_matrix_mgr");

    [Fact]
    public async Task Ansible_lint_with_the_production_profile_finds_nothing()
    {
        var root = Repository.Root;
        var run = await ProcessRunner.RunAsync("bash", [Path.Combine(root, "build.sh"), "lint", collection.CollectionsPath], root);

        Assert.True(run.ExitCode == 0, $"ansible-lint --profile production on collection/ (./build.sh lint) exited {run.ExitCode}; its findings:\n{run.Output}");
    }

    [Fact]
    public void The_tarball_ships_the_changelog_and_not_the_release_tooling()
    {
        Assert.True(File.Exists(Path.Combine(Installed, "CHANGELOG.md")), "CHANGELOG.md is not in the tarball");
        Assert.True(File.Exists(Path.Combine(Installed, "changelogs", "changelog.yaml")), "changelogs/changelog.yaml is not in the tarball");
        Assert.True(File.Exists(Path.Combine(Installed, "changelogs", "config.yaml")), "changelogs/config.yaml is not in the tarball");
        foreach (var tooling in new[] { ".ansible-lint", Path.Combine("changelogs", "fragments"), Path.Combine("scripts", "render_changelog.py") })
        {
            Assert.False(Path.Exists(Path.Combine(Installed, tooling)), $"{tooling} ships in the tarball; galaxy.yml's build_ignore should leave it out");
        }
    }

    [Fact]
    public void The_shipped_changelog_is_the_committed_one_and_names_the_collection_version()
    {
        var info = JsonNode.Parse(File.ReadAllText(Path.Combine(Installed, "MANIFEST.json")))!["collection_info"]!;
        var version = info["version"]!.GetValue<string>();
        var shipped = File.ReadAllText(Path.Combine(Installed, "CHANGELOG.md"));

        Assert.Equal(File.ReadAllText(Path.Combine(Repository.Root, "collection", "CHANGELOG.md")), shipped);
        Assert.Contains($"## v{version}\n", shipped, StringComparison.Ordinal);
        var tags = info["tags"]!.AsArray().Select(t => t!.GetValue<string>()).ToList();
        Assert.InRange(tags.Count, 1, 20);
        Assert.All(tags, t => Assert.Matches("^[a-z0-9_]+$", t));
        foreach (var link in new[] { "repository", "documentation", "homepage", "issues" })
        {
            Assert.StartsWith("https://", info[link]?.GetValue<string>() ?? "", StringComparison.Ordinal);
        }
    }
}
