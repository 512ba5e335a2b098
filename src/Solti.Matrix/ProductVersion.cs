using System.Reflection;

namespace Solti.Matrix;

/// <summary>The version of this build: the project's one version (collection/galaxy.yml's, set by Directory.Build.props),
/// without the source revision. It names the library, the CLI and the modules in their <c>User-Agent</c>.</summary>
public static class ProductVersion
{
    /// <summary>For example <c>1.0.0</c>.</summary>
    public static string Current { get; } =
        (typeof(ProductVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0").Split('+')[0];
}
