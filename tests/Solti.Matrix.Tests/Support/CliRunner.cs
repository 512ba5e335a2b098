using System.Diagnostics;

namespace Solti.Matrix.Tests.Support;

public sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}

/// <summary>Runs the real <c>solti-matrix</c> CLI as a separate process (the build copies it next to the tests)
/// and keeps every output, so a test can scan all of it for secrets.</summary>
public static class CliRunner
{
    public static readonly System.Collections.Concurrent.ConcurrentBag<CliRun> AllRuns = [];

    /// <summary><c>SOLTI_MATRIX_CLI</c> (e.g. the Native AOT binary), else the CLI's own build output for this configuration.</summary>
    public static string Executable { get; } = Environment.GetEnvironmentVariable("SOLTI_MATRIX_CLI") is { Length: > 0 } cli ? cli : BuildOutput();

    private static string BuildOutput()
    {
        // tests/Solti.Matrix.Tests/bin/<Configuration>/net10.0/
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        var configuration = testBin.Parent!.Name;
        var root = testBin.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
        return Path.Combine(root, "src", "Solti.Matrix.Cli", "bin", configuration, testBin.Name, "solti-matrix");
    }

    public static async Task<CliRun> RunAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? env = null)
    {
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var name in new[] { "MATRIX_HOMESERVER_URL", "MATRIX_ACCESS_TOKEN", "MATRIX_USER_ID", "MATRIX_PASSWORD" })
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in env ?? new Dictionary<string, string?>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        var run = new CliRun(process.ExitCode, await stdout, await stderr);
        AllRuns.Add(run);
        return run;
    }
}
