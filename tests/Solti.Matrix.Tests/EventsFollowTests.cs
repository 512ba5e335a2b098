using System.Text.Json.Nodes;
using Solti.Matrix.Events;
using Solti.Matrix.Testing;
using Solti.Matrix.Tests.Support;

namespace Solti.Matrix.Tests;

/// <summary><c>solti-matrix events follow</c>, the consumer side: the room's SOLTI events as JSON lines as they arrive,
/// filtered, resumed from the saved position after an exit or a kill with every event seen once. The real CLI, events
/// sent over HTTP to the homeserver.</summary>
[Trait("tier", "integration")]
public sealed class EventsFollowTests
{
    private static readonly SchemaRegistry Schemas = SchemaRegistry.Load();

    [Fact]
    public async Task Runs_that_stop_and_resume_see_every_solti_event_once_in_order_and_skip_the_rest()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("FOLLOW");
        var (room, alias) = await h.BotRoomAsync(bot.AccessToken, "follow");
        using var state = new TempDirectory("solti-follow-");
        var env = h.CliEnvironment(bot.AccessToken, state);
        var position = Path.Combine(state, "positions", "room.json");
        string[] Follow(params string[] extra) => ["events", "follow", alias, "--position-file", position, "--poll", "0.05", "--output", "json", .. extra];

        await SendAsync(h, room, bot.AccessToken, "a");
        await SendPlainAsync(h, room, bot.AccessToken, "not structured");
        await SendAsync(h, room, bot.AccessToken, "b");
        await SendAsync(h, room, bot.AccessToken, "c");

        // A first start with --since reads the room from its start, newer events only; it stops after two.
        var first = await CliRunner.RunAsync(Follow("--since", "1h", "--count", "2"), env);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal(["a", "b"], Sources(first.Stdout));
        var line = JsonNode.Parse(first.Stdout.Split('\n')[0])!;
        Assert.Equal((h.Hs.BotId, "deploy.start.v1", "ci"), (line["sender"]!.GetValue<string>(), line["schema"]!.GetValue<string>(), line["data"]!["operator"]!.GetValue<string>()));
        Assert.StartsWith("$", line["event_id"]!.GetValue<string>(), StringComparison.Ordinal);

        // The position is private, and the next run goes on from it: c, then what arrived while nobody followed.
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(position));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(position)!));
        await SendAsync(h, room, bot.AccessToken, "d");
        await SendPlainAsync(h, room, bot.AccessToken, "still not structured");
        await SendAsync(h, room, bot.AccessToken, "e");
        var second = await CliRunner.RunAsync(Follow("--count", "3"), env);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal(["c", "d", "e"], Sources(second.Stdout));

        // Killed mid-stream (once its position holds the last line it printed) and started again.
        await using (var killed = FollowerProcess.Start(Follow(), env))
        {
            await SendAsync(h, room, bot.AccessToken, "f");
            await SendAsync(h, room, bot.AccessToken, "g");
            var seen = await killed.ReadLinesAsync(2);
            Assert.Equal(["f", "g"], seen.Select(l => l["data"]!["service"]!.GetValue<string>()));
            await killed.KillOnceSavedAsync(h, bot.AccessToken, position, seen[^1]["event_id"]!.GetValue<string>());
        }

        await SendAsync(h, room, bot.AccessToken, "h");
        var third = await CliRunner.RunAsync(Follow("--count", "1"), env);
        Assert.True(third.ExitCode == 0, third.ToString());
        Assert.Equal(["h"], Sources(third.Stdout));
    }

    [Fact]
    public async Task Schema_and_source_filters_choose_what_is_printed_and_a_first_start_without_since_begins_now()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("FOLLOW");
        var (room, _) = await h.BotRoomAsync(bot.AccessToken, "filters");
        using var state = new TempDirectory("solti-follow-");
        var env = h.CliEnvironment(bot.AccessToken, state);
        await SendAsync(h, room, bot.AccessToken, "before", source: "ci");

        await using var follower = FollowerProcess.Start(["events", "follow", room, "--source", "ci", "--schema", "deploy.", "--poll", "0.05", "--output", "json"], env);
        await follower.WaitForPositionAsync(Path.Combine(state, "solti-matrix", "follow", Path.GetFileName(FollowPosition.DefaultFile(h.Hs.Server.BaseAddress, null, room))));
        await SendAsync(h, room, bot.AccessToken, "other source", source: "cron");
        await SendAsync(h, room, bot.AccessToken, "wanted", source: "ci");
        var printed = await follower.ReadLinesAsync(1);
        Assert.Equal("wanted", printed[0]["data"]!["service"]!.GetValue<string>());
    }

    private static Task SendAsync(LibraryHarness h, string room, string token, string service, string source = "ci") =>
        PutAsync(h, room, token, SoltiEvent.Build(Schemas, "deploy.start.v1", new JsonObject { ["service"] = service, ["host"] = "web1", ["playbook"] = "site.yml", ["operator"] = "ci" }, source));

    private static Task SendPlainAsync(LibraryHarness h, string room, string token, string body) =>
        PutAsync(h, room, token, new JsonObject { ["msgtype"] = "m.text", ["body"] = body });

    private static async Task PutAsync(LibraryHarness h, string room, string token, JsonObject content)
    {
        var sent = await h.Raw.PutAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(room)}/send/m.room.message/{Guid.NewGuid():N}", content, token);
        Assert.True(sent.Code == 200, sent.ToString());
    }

    private static List<string> Sources(string stdout) =>
        [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!["data"]!["service"]!.GetValue<string>())];
}
