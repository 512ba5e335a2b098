using System.Diagnostics;
using System.Text.Json.Nodes;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Tests.Support;

/// <summary><c>solti-matrix events follow</c> running as a process until killed; its lines read as they come, each wait
/// bounded by the one test timeout.</summary>
internal sealed class FollowerProcess(Process process) : IAsyncDisposable
{
    public static FollowerProcess Start(string[] args, IReadOnlyDictionary<string, string?> env)
    {
        var start = ProcessRunner.StartInfo(CliRunner.Executable, args);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        CliRunner.UseEnvironment(start, env);
        return new FollowerProcess(Process.Start(start)!);
    }

    public async Task<List<JsonObject>> ReadLinesAsync(int count)
    {
        using var bound = new CancellationTokenSource(ProcessRunner.DefaultTimeout);
        var lines = new List<JsonObject>();
        while (lines.Count < count)
        {
            var line = await process.StandardOutput.ReadLineAsync(bound.Token) ?? throw new InvalidOperationException("the follower ended: " + await process.StandardError.ReadToEndAsync());
            lines.Add(JsonNode.Parse(line)!.AsObject());
        }

        return lines;
    }

    /// <summary>Waits until the position file exists (the follower has its starting point), bounded by the timeout.</summary>
    public async Task WaitForPositionAsync(string path)
    {
        using var bound = new CancellationTokenSource(ProcessRunner.DefaultTimeout);
        while (!File.Exists(path))
        {
            Assert.False(process.HasExited, "the follower ended");
            await Task.Delay(20, bound.Token);
        }
    }

    /// <summary>SIGKILL once the saved position has handled <paramref name="eventId"/>: resuming from it would not show
    /// that event again, because the position names it as the last one handled or has moved on past its page. (A kill
    /// between printing a line and saving it would show that line again: see docs/cli.md.)</summary>
    public async Task KillOnceSavedAsync(LibraryHarness h, string token, string path, string eventId)
    {
        using var bound = new CancellationTokenSource(ProcessRunner.DefaultTimeout);
        while (!await HandledAsync(h, token, path, eventId))
        {
            Assert.False(process.HasExited, "the follower ended");
            await Task.Delay(20, bound.Token);
        }

        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync(bound.Token);
    }

    /// <summary>Whether a follower resuming from the position in <paramref name="path"/> would skip
    /// <paramref name="eventId"/>: the page it reads again, from the saved token, holds the event no more after the saved
    /// last-handled one. The file is replaced by a rename, so it is read whole.</summary>
    private static async Task<bool> HandledAsync(LibraryHarness h, string token, string path, string eventId)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        var saved = JsonNode.Parse(File.ReadAllText(path))!;
        var from = saved["from"]?.GetValue<string>() is { } f ? "&from=" + Uri.EscapeDataString(f) : "";
        var page = await h.Raw.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(saved["room_id"]!.GetValue<string>())}/messages?dir=f&limit=100{from}", token);
        Assert.True(page.Code == 200, page.ToString());
        var ids = page.Object["chunk"]!.AsArray().Select(e => e!["event_id"]!.GetValue<string>()).ToList();
        var after = saved["after"]?.GetValue<string>();
        return !ids.Skip(after is null ? 0 : ids.IndexOf(after) + 1).Contains(eventId);
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }
}
