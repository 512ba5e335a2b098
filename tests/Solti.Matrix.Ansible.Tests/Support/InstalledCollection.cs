using System.Diagnostics;

namespace Solti.Matrix.Ansible.Tests.Support;

/// <summary>The collection as users get it: the tarball (<c>SOLTI_COLLECTION_TARBALL</c>, else built with
/// <c>./build.sh collection</c>) installed with <c>ansible-galaxy</c> into a temporary collections path.</summary>
public sealed class InstalledCollection : IDisposable
{
    public InstalledCollection()
    {
        Root = Directory.CreateTempSubdirectory("solti-ansible-").FullName;
        var install = Run("ansible-galaxy", ["collection", "install", "--force", "-p", CollectionsPath, Tarball()], Root);
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

    public static (int ExitCode, string Output, string Stdout) Run(string file, IEnumerable<string> args, string? workingDirectory)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory ?? "" };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr, stdout.Result);
    }

    /// <summary>The checkout the tests run from: the first directory above them with <c>build.sh</c>.</summary>
    public static string RepositoryRoot()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "build.sh")))
        {
            root = root.Parent;
        }

        return root?.FullName ?? throw new InvalidOperationException("build.sh not found above the test directory; set SOLTI_COLLECTION_TARBALL");
    }

    private static string Build()
    {
        var root = RepositoryRoot();
        var build = Run("bash", [Path.Combine(root, "build.sh"), "collection"], root);
        var tarball = build.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(l => l.EndsWith(".tar.gz", StringComparison.Ordinal));
        return build.ExitCode == 0 && tarball is not null ? tarball.Trim() : throw new InvalidOperationException("./build.sh collection failed: " + build.Output);
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

[CollectionDefinition("ansible")]
public sealed class AnsibleCollectionGroup : ICollectionFixture<InstalledCollection>;
