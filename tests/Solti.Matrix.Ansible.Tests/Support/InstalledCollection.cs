using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests.Support;

/// <summary>The collection as users get it: the tarball (<c>SOLTI_COLLECTION_TARBALL</c>, else built with
/// <c>./build.sh collection</c>) installed with <c>ansible-galaxy</c> into a temporary collections path.</summary>
public sealed class InstalledCollection : IDisposable
{
    public InstalledCollection()
    {
        Root = Directory.CreateTempSubdirectory("solti-ansible-").FullName;
        var install = ProcessRunner.Run("ansible-galaxy", ["collection", "install", "--force", "-p", CollectionsPath, Tarball()], Root);
        if (install.ExitCode != 0)
        {
            throw new InvalidOperationException("ansible-galaxy install failed: " + install.Output);
        }
    }

    public string Root { get; }

    public string CollectionsPath => Path.Combine(Root, "collections");

    public string ModulesDirectory => Path.Combine(CollectionsPath, "ansible_collections", "jackaltx", "solti_matrix_mgr", "plugins", "modules");

    /// <summary>The tarball the tests use: <c>SOLTI_COLLECTION_TARBALL</c>, else built with <c>./build.sh collection</c>.</summary>
    public static string Tarball() => System.Environment.GetEnvironmentVariable("SOLTI_COLLECTION_TARBALL") is { Length: > 0 } given ? given : Build();

    /// <summary>Without a tarball given, the collection is built: every module binary from scratch, so this one waits
    /// longer than <see cref="ProcessRunner.DefaultTimeout"/>.</summary>
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(30);

    private static string Build()
    {
        var root = Repository.Root;
        var build = ProcessRunner.Run("bash", [Path.Combine(root, "build.sh"), "collection"], root, BuildTimeout);
        var tarball = build.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(l => l.EndsWith(".tar.gz", StringComparison.Ordinal));
        return build.ExitCode == 0 && tarball is not null ? tarball.Trim() : throw new InvalidOperationException("./build.sh collection failed: " + build.Output);
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
