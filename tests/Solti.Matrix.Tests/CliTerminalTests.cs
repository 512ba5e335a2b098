using System.Text.Json.Nodes;
using Solti.Matrix.Outbox;
using Solti.Matrix.Testing;
using Solti.Matrix.Tests.Support;

namespace Solti.Matrix.Tests;

/// <summary>What people expect of a command line: long work shows a progress line on a terminal and nothing when the
/// output is piped; no colour or escape sequence ever (so <c>NO_COLOR</c> holds); JSON for scripts also when the
/// arguments are wrong. A terminal is a real pseudo-terminal (util-linux <c>script</c>) with a real <c>TERM</c>.</summary>
[Trait("tier", "integration")]
public sealed class CliTerminalTests
{
    private const char Escape = '\u001b';

    [Fact]
    public async Task Outbox_flush_of_thousands_delivers_them_all_in_one_run_with_progress_only_on_a_terminal()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("SETUP");
        var (room, _) = await h.BotRoomAsync(bot.AccessToken, "bulk");
        using var state = new TempDirectory("solti-bulk-");
        var env = new Dictionary<string, string?> { ["XDG_STATE_HOME"] = state.Path };
        var url = h.Hs.Server.BaseAddress.ToString();
        var login = await CliRunner.RunAsync(["login", "--homeserver", url, "--user", h.Hs.BotId, "--output", "json"], new Dictionary<string, string?>(env) { ["MATRIX_PASSWORD"] = TestHomeserver.BotPassword });
        Assert.True(login.ExitCode == 0, login.ToString());
        var outbox = Path.Combine(state.Path, "solti-matrix", "outbox", "outbox.db");

        // 1,200 events of one room: more than one delivery pass reads per room, so one flush must take several passes.
        Queue(outbox, url, h.Hs.BotId, room, 0, 600);
        var onTerminal = await TerminalRunAsync(["outbox", "flush"], env);
        Assert.True(onTerminal.ExitCode == 0, onTerminal.ToString());
        Assert.Contains("\r[600/600] delivered 600, dead 0", onTerminal.Stdout, StringComparison.Ordinal);
        Assert.Contains("delivered: 600", onTerminal.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(Escape, onTerminal.Stdout);

        Queue(outbox, url, h.Hs.BotId, room, 600, 600);
        var piped = await CliRunner.RunAsync(["outbox", "flush", "--output", "json"], env);
        Assert.True(piped.ExitCode == 0, piped.ToString());
        Assert.Equal("", piped.Stderr); // no progress where nobody watches
        var result = JsonNode.Parse(piped.Stdout)!;
        Assert.Equal((600, 0), (result["delivered"]!.GetValue<int>(), result["pending"]!.GetValue<int>()));

        var bodies = await BodiesAsync(h, room, bot.AccessToken);
        Assert.Equal(Enumerable.Range(0, 1200).Select(n => $"event {n}"), bodies); // each once, in order
    }

    [Fact]
    public async Task Config_apply_draws_one_progress_line_on_a_terminal_and_none_when_piped()
    {
        await using var h = await LibraryHarness.StartAsync();
        using var state = new TempDirectory("solti-progress-");
        var env = h.CliEnvironment(h.Admin.AccessToken, state);
        string File(string prefix)
        {
            var path = Path.Combine(state.Path, prefix + ".yaml");
            System.IO.File.WriteAllText(path, "domain: localhost\nusers:\n" + string.Concat(Enumerable.Range(1, 12).Select(n => $"  - user_id: \"@{prefix}{n}\"\n    displayname: {prefix} {n}\n")));
            return path;
        }

        var onTerminal = await TerminalRunAsync(["config", "apply", File("tty")], env);
        Assert.True(onTerminal.ExitCode == 0, onTerminal.ToString());
        Assert.Contains("\r[12/12] ", onTerminal.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(Escape, onTerminal.Stdout);

        var piped = await CliRunner.RunAsync(["config", "apply", File("pipe")], env);
        Assert.True(piped.ExitCode == 0, piped.ToString());
        Assert.Equal("", piped.Stderr);
        Assert.Contains("applied: 12 action(s)", piped.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_errors_and_results_on_a_colour_terminal_hold_no_escape_sequence_with_or_without_no_color()
    {
        await using var h = await LibraryHarness.StartAsync();
        var env = h.CliEnvironment(h.Admin.AccessToken);
        foreach (var noColor in new[] { null, "1" })
        {
            env["NO_COLOR"] = noColor;
            foreach (var args in new[] { ["--help"], ["outbox", "--help"], ["whoami"], ["send", "not-a-room", "hi"], (string[])["schema", "list"] })
            {
                var run = await TerminalRunAsync(args, env);
                Assert.False(string.IsNullOrWhiteSpace(run.Stdout), run.ToString());
                Assert.DoesNotContain(Escape, run.Stdout);
            }
        }
    }

    [Fact]
    public async Task With_output_json_a_usage_error_is_a_json_object_with_its_exit_code()
    {
        var unknown = await CliRunner.RunAsync(["whoami", "--output", "json", "--no-such-flag"]);
        Assert.Equal(2, unknown.ExitCode);
        var error = JsonNode.Parse(unknown.Stdout)!;
        Assert.Equal((true, 2), (error["failed"]!.GetValue<bool>(), error["exit_code"]!.GetValue<int>()));
        Assert.Contains("--no-such-flag", error["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("--no-such-flag", unknown.Stderr, StringComparison.Ordinal);

        var text = await CliRunner.RunAsync(["whoami", "--no-such-flag"]);
        Assert.Equal((2, ""), (text.ExitCode, text.Stdout));
    }

    private static void Queue(string outbox, string homeserver, string user, string room, int first, int count)
    {
        using var store = new OutboxStore(outbox);
        store.Enqueue([.. Enumerable.Range(first, count).Select(n => new OutboxItem(homeserver, user, room, "m.room.message", new JsonObject { ["msgtype"] = "m.text", ["body"] = $"event {n}" }, $"bulk-{n}"))]);
    }

    /// <summary>The room's message bodies, oldest first, every page of them.</summary>
    private static async Task<List<string>> BodiesAsync(LibraryHarness h, string room, string token)
    {
        var bodies = new List<string>();
        string? from = null;
        while (true)
        {
            var page = await h.Raw.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(room)}/messages?dir=f&limit=500{(from is null ? "" : "&from=" + Uri.EscapeDataString(from))}", token);
            Assert.True(page.Code == 200, page.ToString());
            var chunk = page.Object["chunk"]!.AsArray();
            bodies.AddRange(chunk.Where(e => e!["type"]!.GetValue<string>() == "m.room.message").Select(e => e!["content"]!["body"]!.GetValue<string>()));
            if (chunk.Count == 0 || page.Object["end"]?.GetValue<string>() is not { } end)
            {
                return bodies;
            }

            from = end;
        }
    }

    /// <summary>The CLI on a pseudo-terminal (stdout and stderr both the terminal, as in an operator's shell) with
    /// <c>TERM=xterm-256color</c>; what the terminal showed comes back as stdout.</summary>
    private static Task<ProcessResult> TerminalRunAsync(string[] args, Dictionary<string, string?> env)
    {
        var command = string.Join(' ', new[] { CliRunner.Executable }.Concat(args).Select(a => "'" + a.Replace("'", "'\\''", StringComparison.Ordinal) + "'"));
        var start = ProcessRunner.StartInfo("script", ["--quiet", "--return", "--command", command, "/dev/null"]);
        CliRunner.UseEnvironment(start, env);
        start.Environment["TERM"] = "xterm-256color";
        return ProcessRunner.RunAsync(start, stdin: "");
    }
}
