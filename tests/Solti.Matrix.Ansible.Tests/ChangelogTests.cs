using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests;

/// <summary>The changelog in antsibull-changelog's form (<c>collection/changelogs/</c>: <c>config.yaml</c>,
/// <c>changelog.yaml</c>, <c>fragments/</c>) and <c>collection/CHANGELOG.md</c> rendered from it by
/// <c>collection/scripts/render_changelog.py</c> (<c>./build.sh changelog</c>).</summary>
[Trait("tier", "package")]
public sealed class ChangelogTests : IDisposable
{
    private readonly string _copy = Directory.CreateTempSubdirectory("solti-changelog-").FullName;

    private static string Python => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    [Fact]
    public async Task The_committed_CHANGELOG_md_is_what_the_YAML_renders_to_and_galaxy_yml_has_the_latest_release()
    {
        var root = Repository.Root;
        var run = await ProcessRunner.RunAsync("bash", [Path.Combine(root, "build.sh"), "changelog", "--check"], root);

        Assert.True(run.ExitCode == 0, $"./build.sh changelog --check exited {run.ExitCode}:\n{run.Output}");
    }

    [Fact]
    public async Task A_fragment_is_rendered_under_unreleased_changes_and_an_unknown_section_is_refused()
    {
        CopyCollectionMetadata();
        var fragments = Path.Combine(_copy, "changelogs", "fragments");
        Directory.CreateDirectory(fragments);
        await File.WriteAllTextAsync(Path.Combine(fragments, "99-example.yml"), "bugfixes:\n  - synapse_room - an ``example`` fix.\n");

        var render = await RenderAsync();
        Assert.True(render.ExitCode == 0, render.Output);
        var changelog = await File.ReadAllTextAsync(Path.Combine(_copy, "CHANGELOG.md"));
        var unreleased = changelog.IndexOf("## Unreleased Changes", StringComparison.Ordinal);
        var fix = changelog.IndexOf("* synapse\\_room - an `example` fix.", StringComparison.Ordinal);
        Assert.True(unreleased >= 0 && fix > unreleased && fix < changelog.IndexOf("## v1.", StringComparison.Ordinal), changelog);

        await File.WriteAllTextAsync(Path.Combine(fragments, "99-wrong.yml"), "bug_fixes:\n  - misspelt section\n");
        var refused = await RenderAsync();
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("changelogs/fragments/99-wrong.yml: unknown section 'bug_fixes'", refused.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_galaxy_version_without_its_release_fails_the_check()
    {
        CopyCollectionMetadata();
        var galaxy = Path.Combine(_copy, "galaxy.yml");
        var lines = await File.ReadAllLinesAsync(galaxy);
        await File.WriteAllLinesAsync(galaxy, lines.Select(l => l.StartsWith("version:", StringComparison.Ordinal) ? "version: 99.0.0" : l));

        var check = await RenderAsync("--check");

        Assert.Equal(1, check.ExitCode);
        Assert.Contains("galaxy.yml's version is 99.0.0", check.Stderr, StringComparison.Ordinal);
    }

    private Task<ProcessResult> RenderAsync(params string[] flags) =>
        ProcessRunner.RunAsync(Python, [Path.Combine(_copy, "scripts", "render_changelog.py"), .. flags, _copy]);

    /// <summary>galaxy.yml, changelogs/ (without the fragments), CHANGELOG.md and the renderer, in a directory of the test's own.</summary>
    private void CopyCollectionMetadata()
    {
        var source = Path.Combine(Repository.Root, "collection");
        Directory.CreateDirectory(Path.Combine(_copy, "changelogs"));
        Directory.CreateDirectory(Path.Combine(_copy, "scripts"));
        foreach (var file in new[] { "galaxy.yml", "CHANGELOG.md", Path.Combine("changelogs", "config.yaml"), Path.Combine("changelogs", "changelog.yaml"), Path.Combine("scripts", "render_changelog.py") })
        {
            File.Copy(Path.Combine(source, file), Path.Combine(_copy, file));
        }
    }

    public void Dispose() => Directory.Delete(_copy, recursive: true);
}
