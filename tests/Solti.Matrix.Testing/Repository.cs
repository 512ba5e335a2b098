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
}
