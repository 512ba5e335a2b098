namespace Solti.Matrix.Tests.Support;

/// <summary>A fresh directory under the system's temp directory, removed with everything in it at the end.</summary>
public sealed class TempDirectory(string prefix) : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

    public static implicit operator string(TempDirectory directory) => directory.Path;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
