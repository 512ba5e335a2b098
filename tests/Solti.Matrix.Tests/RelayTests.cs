using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Solti.Matrix.Tests.Support;

namespace Solti.Matrix.Tests;

/// <summary>The relay as operators run it (a separate process), producers speaking HTTP to it, the homeserver read back
/// over HTTP.</summary>
[Trait("tier", "integration")]
public sealed class RelayTests
{
    [Fact]
    public async Task Relay_acknowledges_valid_events_refuses_bad_ones_by_name_delivers_and_counts()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("SETUP");
        var (roomId, alias) = await h.BotRoomAsync(bot.AccessToken, "deploys");
        using var state = new TempDirectory("solti-relay-");
        await using var relay = new RelayProcess(h.CliEnvironment(bot.AccessToken, state));
        await relay.StartAsync();
        using var http = relay.Client();
        var plain = await PostAsync(http, new JsonObject { ["room"] = roomId, ["content"] = new JsonObject { ["msgtype"] = "m.text", ["body"] = "plain" }, ["txn_id"] = "relay-1" });
        Assert.Equal((HttpStatusCode.Accepted, "relay-1"), (plain.Status, plain.Body["transaction_id"]!.GetValue<string>()));
        var again = await PostAsync(http, new JsonObject { ["room"] = roomId, ["content"] = new JsonObject { ["msgtype"] = "m.text", ["body"] = "plain" }, ["txn_id"] = "relay-1" });
        Assert.Equal(plain.Body["id"]!.GetValue<long>(), again.Body["id"]!.GetValue<long>());
        var data = new JsonObject { ["service"] = "nginx", ["host"] = "web1", ["playbook"] = "site.yml", ["operator"] = "ops" };
        var structured = await PostAsync(http, new JsonObject { ["room"] = alias, ["schema"] = "deploy.start.v1", ["data"] = data, ["source"] = "ci" });
        Assert.Equal(HttpStatusCode.Accepted, structured.Status);

        var noRoom = await PostAsync(http, new JsonObject { ["content"] = new JsonObject { ["body"] = "x" } });
        Assert.Equal(HttpStatusCode.BadRequest, noRoom.Status);
        Assert.Contains("room is required", noRoom.Body["error"]!.GetValue<string>(), StringComparison.Ordinal);
        var badRoom = await PostAsync(http, new JsonObject { ["room"] = "!abc:local host", ["content"] = new JsonObject { ["body"] = "x" } });
        Assert.Equal(HttpStatusCode.BadRequest, badRoom.Status);
        Assert.StartsWith("room must be a room id (!id:server) or an alias (#alias:server): the server name 'local host'", badRoom.Body["error"]!.GetValue<string>(), StringComparison.Ordinal);
        var emptyEventType = await PostAsync(http, new JsonObject { ["room"] = roomId, ["event_type"] = "", ["content"] = new JsonObject { ["body"] = "x" } });
        Assert.Equal((HttpStatusCode.BadRequest, "event_type must be an event type such as m.room.message: it is empty, got ''"), (emptyEventType.Status, emptyEventType.Body["error"]!.GetValue<string>()));
        var badType = await PostAsync(http, new JsonObject { ["room"] = roomId, ["content"] = new JsonObject(), ["txn_id"] = 7 });
        Assert.Equal((HttpStatusCode.BadRequest, "txn_id must be a string"), (badType.Status, badType.Body["error"]!.GetValue<string>()));
        var invalid = await PostAsync(http, new JsonObject { ["room"] = roomId, ["schema"] = "deploy.start.v1", ["data"] = new JsonObject { ["service"] = 5 } });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.Status);
        Assert.Contains(invalid.Body["errors"]!.AsArray(), e => e!.GetValue<string>().StartsWith("data.service: expected string", StringComparison.Ordinal));
        using var garbage = await http.PostAsync("/v1/events", new StringContent("{not json", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);

        await DrainedAsync(http);
        var messages = await h.MessagesAsync(roomId, bot.AccessToken);
        // One event names the room by id and one by alias: two lanes (a lane is the room as the event names it), whose
        // order between them is not kept, so the two are compared as a set.
        Assert.Equal(["plain", "🚀 Deployment STARTED: nginx on web1"], messages.Select(m => m["content"]!["body"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Equal("ci", Assert.Single(messages, m => m["content"]!["solti"] is not null)["content"]!["solti"]!["source"]!.GetValue<string>());

        var metrics = await http.GetStringAsync("/metrics");
        Assert.Contains("# TYPE solti_relay_queued gauge\nsolti_relay_queued 0\n", metrics, StringComparison.Ordinal);
        Assert.Contains("solti_relay_accepted_total 3\n", metrics, StringComparison.Ordinal);
        Assert.Contains("solti_relay_rejected_total 6\n", metrics, StringComparison.Ordinal);
        Assert.Contains("solti_relay_delivered_total 2\n", metrics, StringComparison.Ordinal);
        Assert.Contains("solti_relay_oldest_age_seconds 0\n", metrics, StringComparison.Ordinal);
        Assert.Equal(0, await relay.StopAsync());
        Assert.DoesNotContain(bot.AccessToken, relay.Log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_full_outbox_answers_503_with_Retry_After_and_what_was_accepted_survives_a_stop()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("SETUP");
        var (roomId, _) = await h.BotRoomAsync(bot.AccessToken);
        using var state = new TempDirectory("solti-relay-");
        var env = h.CliEnvironment(bot.AccessToken, state);
        await h.AddFaultAsync(new JsonObject { ["endpoint"] = "rooms.send", ["status"] = 503, ["count"] = null });
        await using var relay = new RelayProcess(env, "--max-queue", "2", "--timeout", "1", "--budget", "1");
        await relay.StartAsync();
        using var http = relay.Client();
        for (var n = 1; n <= 2; n++)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(http, Message(roomId, n))).Status);
        }

        using var full = await http.PostAsJsonAsync("/v1/events", Message(roomId, 3));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, full.StatusCode);
        Assert.True(full.Headers.RetryAfter?.Delta > TimeSpan.Zero, "503 carries Retry-After");
        Assert.Contains("the outbox is full", await full.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var status = await http.GetFromJsonAsync<JsonObject>("/v1/status");
        Assert.Equal(2, status!["pending"]!.GetValue<long>());
        Assert.Equal(0, await relay.StopAsync());
        Assert.Empty(await h.MessagesAsync(roomId, bot.AccessToken));

        // The operator's view and a manual flush once the homeserver is back.
        var outboxStatus = await CliRunner.RunAsync(["outbox", "status", "--output", "json"], env);
        Assert.True(outboxStatus.ExitCode == 0, outboxStatus.ToString());
        Assert.Equal(2, JsonNode.Parse(outboxStatus.Stdout)!["pending"]!.GetValue<long>());
        await h.Raw.DeleteAsync("/_solti/testing/v1/faults", h.Admin.AccessToken);
        var flush = await CliRunner.RunAsync(["outbox", "flush", "--output", "json"], env);
        Assert.True(flush.ExitCode == 0, flush.ToString());
        Assert.Equal(2, JsonNode.Parse(flush.Stdout)!["delivered"]!.GetValue<int>());
        Assert.Equal(["n1", "n2"], (await h.MessagesAsync(roomId, bot.AccessToken)).Select(m => m["content"]!["body"]!.GetValue<string>()));
        var purge = await CliRunner.RunAsync(["outbox", "purge", "--output", "json"], env);
        Assert.Equal(2, JsonNode.Parse(purge.Stdout)!["purged"]!.GetValue<int>());
    }

    [Fact]
    public async Task Relay_listens_on_a_unix_socket()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("SETUP");
        var (roomId, _) = await h.BotRoomAsync(bot.AccessToken);
        using var state = new TempDirectory("solti-relay-");
        var socket = Path.Combine(state, "relay.sock");
        await using var relay = new RelayProcess(h.CliEnvironment(bot.AccessToken, state)) { Listen = "unix:" + socket };
        await relay.StartAsync();
        using var http = relay.SocketClient(socket);
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(http, Message(roomId, 1))).Status);
        await DrainedAsync(http);
        Assert.Equal(["n1"], (await h.MessagesAsync(roomId, bot.AccessToken)).Select(m => m["content"]!["body"]!.GetValue<string>()));
        Assert.Equal(0, await relay.StopAsync());
    }

    private static JsonObject Message(string roomId, int n) =>
        new() { ["room"] = roomId, ["content"] = new JsonObject { ["msgtype"] = "m.text", ["body"] = $"n{n}" } };

    private static async Task<(HttpStatusCode Status, JsonObject Body)> PostAsync(HttpClient http, JsonObject body)
    {
        using var response = await http.PostAsync("/v1/events", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject());
    }

    private static async Task DrainedAsync(HttpClient http)
    {
        if (!await RelayProcess.DrainsAsync(http, 100, TimeSpan.FromMilliseconds(100)))
        {
            Assert.Fail("the relay did not deliver: " + await http.GetStringAsync("/v1/status"));
        }
    }
}
