using System.Text.Json.Nodes;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Tests.Support;

namespace Solti.Matrix.Tests;

/// <summary>A crowd of processes posting as one user at once (a play with many forks): they take turns for the
/// homeserver's send slots instead of colliding, rate-limited retries last as long as the budget, and what cannot fit in
/// it is queued and delivered later; every event lands exactly once. Real CLI processes, the room read back over HTTP.</summary>
[Trait("tier", "integration")]
public sealed class CrowdTests
{
    private static readonly JsonObject Deploy = new() { ["service"] = "nginx", ["host"] = "web1", ["playbook"] = "site.yml", ["operator"] = "ops" };

    [Fact]
    public async Task Fifteen_senders_as_one_user_under_synapses_default_message_limit_all_land_exactly_once()
    {
        // Synapse's rc_message: 0.2/s with a burst of 10. Five of the fifteen have to wait their turn (5 s each).
        await using var h = await LibraryHarness.StartAsync(o => o with { RateLimits = new RateLimits() });
        var bot = await h.Hs.LoginBotAsync("CROWD");
        var (room, alias) = await h.BotRoomAsync(bot.AccessToken, "crowd");
        using var state = new TempDirectory("solti-crowd-");
        var env = Environment(h, bot.AccessToken, state);

        var runs = await Task.WhenAll(Enumerable.Range(1, 15).Select(n => CliRunner.RunAsync(Send(alias, n), env)));

        Assert.All(runs, run => Assert.True(run.ExitCode == 0, run.ToString()));
        Assert.All(runs, run => Assert.False(JsonNode.Parse(run.Stdout)!["queued"]!.GetValue<bool>(), run.Stdout));
        Assert.Equal(Enumerable.Range(1, 15).Select(n => $"fork-{n}").Order(), await SourcesAsync(h, room, bot.AccessToken));
    }

    [Fact]
    public async Task Fifty_senders_with_spool_on_failure_lose_nothing_and_duplicate_nothing()
    {
        // The message limit is 2/s with a burst of 10 here (Synapse's default rate, ten times faster) and the budget 8 s,
        // so that part of the crowd cannot fit in its budget and is queued, in a test that stays short.
        await using var h = await LibraryHarness.StartAsync(o => o with { RateLimits = new RateLimits { Message = new(2, 10) } });
        var bot = await h.Hs.LoginBotAsync("CROWD");
        var (room, alias) = await h.BotRoomAsync(bot.AccessToken, "crowd");
        using var state = new TempDirectory("solti-crowd-");
        var env = Environment(h, bot.AccessToken, state);

        var runs = await Task.WhenAll(Enumerable.Range(1, 50).Select(n => CliRunner.RunAsync([.. Send(alias, n), "--spool", "on_failure", "--budget", "8"], env)));

        Assert.All(runs, run => Assert.True(run.ExitCode == 0, run.ToString()));
        var queued = runs.Select(run => JsonNode.Parse(run.Stdout)!).Where(r => r["queued"]!.GetValue<bool>()).ToList();
        Assert.NotEmpty(queued); // the crowd did not fit: these wait in the outbox, named as the bot's
        Assert.All(queued, q => Assert.Contains("budget of 8 s", q["queued_because"]!.GetValue<string>(), StringComparison.Ordinal));
        Assert.All(queued, q => Assert.Equal(h.Hs.BotId, q["sender"]!.GetValue<string>()));

        // The outbox delivers the rest, as the bot, each once.
        for (var pass = 0; pass < 20; pass++)
        {
            var flush = await CliRunner.RunAsync(["outbox", "flush", "--output", "json"], env);
            if (flush.ExitCode == 0)
            {
                break;
            }
        }

        var status = JsonNode.Parse((await CliRunner.RunAsync(["outbox", "status", "--output", "json"], env)).Stdout)!;
        Assert.Equal((0, queued.Count), (status["pending"]!.GetValue<int>(), status["delivered"]!.GetValue<int>()));
        Assert.Equal(Enumerable.Range(1, 50).Select(n => $"fork-{n}").Order(), await SourcesAsync(h, room, bot.AccessToken));
    }

    private static string[] Send(string room, int n) =>
        ["event", "send", room, "--schema", "deploy.start.v1", "--data", Deploy.ToJsonString(), "--source", $"fork-{n}", "--output", "json"];

    /// <summary>One user (a token and its user id, so its send slot is known), one private state directory.</summary>
    private static Dictionary<string, string?> Environment(LibraryHarness h, string token, string state)
    {
        var env = h.CliEnvironment(token, state);
        env["MATRIX_USER_ID"] = h.Hs.BotId;
        return env;
    }

    /// <summary>The sources of the room's SOLTI events, sorted: each fork's exactly once when nothing was lost or doubled.</summary>
    private static async Task<IEnumerable<string>> SourcesAsync(LibraryHarness h, string room, string token) =>
        (await h.MessagesAsync(room, token)).Select(m => m["content"]!["solti"]!["source"]!.GetValue<string>()).Order().ToList();
}
