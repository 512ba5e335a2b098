using System.Diagnostics;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Tests.Support;

/// <summary>Runs the real <c>solti-matrix</c> CLI as a separate process (the build copies it next to the tests)
/// and keeps every output, so a test can scan all of it for secrets.</summary>
public static class CliRunner
{
    public static readonly System.Collections.Concurrent.ConcurrentBag<ProcessResult> AllRuns = [];

    /// <summary>The CLI the tests run (<see cref="Repository.Cli"/>).</summary>
    public static string Executable { get; } = Repository.Cli;

    public static async Task<ProcessResult> RunAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? env = null)
    {
        var start = ProcessRunner.StartInfo(Executable, args);
        UseEnvironment(start, env);
        var run = await ProcessRunner.RunAsync(start);
        AllRuns.Add(run);
        return run;
    }

    /// <summary>Gives <paramref name="start"/> only the settings a test names: the connection variables of the test
    /// runner's own environment are removed (and <c>NO_COLOR</c>, <c>COLUMNS</c>), then <paramref name="env"/> is applied.</summary>
    public static void UseEnvironment(ProcessStartInfo start, IReadOnlyDictionary<string, string?>? env)
    {
        foreach (var name in new[] { "MATRIX_HOMESERVER_URL", "MATRIX_ACCESS_TOKEN", "MATRIX_USER_ID", "MATRIX_PASSWORD", "SOLTI_MATRIX_RECOVERY_KEY", "NO_COLOR", "COLUMNS" })
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in env ?? new Dictionary<string, string?>())
        {
            start.Environment[name] = value;
        }
    }
}
