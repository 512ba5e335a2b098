namespace Solti.Matrix.Testing;

/// <summary>The checkout the tests run from.</summary>
public static class Repository
{
    /// <summary>The first directory above the tests' build output with <c>build.sh</c> in it.</summary>
    public static string Root
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "build.sh")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("the repository root (with build.sh) was not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>The <c>solti-matrix</c> CLI the tests run: <c>SOLTI_MATRIX_CLI</c> (the Native AOT binary <c>build.sh test</c>
    /// builds), else the CLI's own build output for the configuration the tests were built in.</summary>
    public static string Cli
    {
        get
        {
            if (Environment.GetEnvironmentVariable("SOLTI_MATRIX_CLI") is { Length: > 0 } built)
            {
                return built;
            }

            // tests/<Project>/bin/<Configuration>/net10.0/
            var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
            return Path.Combine(Root, "src", "Solti.Matrix.Cli", "bin", testBin.Parent!.Name, testBin.Name, "solti-matrix");
        }
    }
}
