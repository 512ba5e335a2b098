using System.Diagnostics;

namespace Solti.Matrix.Testing;

/// <summary>Every process a test runs to completion, run one way: stdout and stderr read in full, stdin written when
/// given, and one timeout policy: <see cref="DefaultTimeout"/> unless a call says otherwise. A process that overruns
/// is killed with its whole process tree, and the <see cref="TimeoutException"/> says what ran and what it had written.
/// The limit is a guard against a hang only: no test depends on how fast a process answers.</summary>
public static class ProcessRunner
{
    /// <summary>How long a test waits for a process (a CLI run, a playbook, a tool) before it calls it hung.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(3);

    public static ProcessStartInfo StartInfo(string file, IEnumerable<string> args, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory ?? "" };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }

    public static Task<ProcessResult> RunAsync(string file, IEnumerable<string> args, string? workingDirectory = null, TimeSpan? timeout = null) =>
        RunAsync(StartInfo(file, args, workingDirectory), timeout: timeout);

    /// <summary>Blocking form for constructors and fixtures (nothing in it needs the caller's context).</summary>
    public static ProcessResult Run(string file, IEnumerable<string> args, string? workingDirectory = null, TimeSpan? timeout = null) =>
        RunAsync(file, args, workingDirectory, timeout).GetAwaiter().GetResult();

    /// <summary>Runs <paramref name="start"/> (its output redirected here) to the end; <paramref name="stdin"/>, when
    /// given, is written and then closed.</summary>
    public static async Task<ProcessResult> RunAsync(ProcessStartInfo start, string? stdin = null, TimeSpan? timeout = null)
    {
        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = stdin is not null;
        var limit = timeout ?? DefaultTimeout;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {Describe(start)}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(limit);
        try
        {
            if (stdin is not null)
            {
                await process.StandardInput.WriteAsync(stdin.AsMemory(), deadline.Token).ConfigureAwait(false);
                process.StandardInput.Close();
            }

            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            await Task.WhenAll(stdout, stderr).WaitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            await KillAsync(process).ConfigureAwait(false);
            throw new TimeoutException($"{Describe(start)} did not finish within {limit.TotalSeconds:0} s; it and its children were killed\n" +
                $"stdout: {await Partial(stdout).ConfigureAwait(false)}\nstderr: {await Partial(stderr).ConfigureAwait(false)}");
        }

        return new ProcessResult(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    /// <summary>Waits for a process the test started itself (a service it stops); past the limit it is killed with its
    /// tree and a <see cref="TimeoutException"/> names <paramref name="what"/>.</summary>
    public static async Task WaitForExitAsync(Process process, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        using var deadline = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            await KillAsync(process).ConfigureAwait(false);
            throw new TimeoutException($"{what} did not exit within {limit.TotalSeconds:0} s; it and its children were killed");
        }
    }

    private static async Task KillAsync(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // it exited meanwhile
        }

        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>What a killed process had written, without waiting for a pipe a surviving grandchild still holds.</summary>
    private static async Task<string> Partial(Task<string> read) =>
        await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false) == read ? await read.ConfigureAwait(false) : "(still open)";

    private static string Describe(ProcessStartInfo start) =>
        string.Join(' ', [start.FileName, .. start.ArgumentList, .. string.IsNullOrEmpty(start.Arguments) ? Array.Empty<string>() : [start.Arguments]]);
}
