using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Solti.Matrix.Tests.Alerts;
using Solti.Matrix.Tests.Support;

namespace Solti.Matrix.Tests;

/// <summary>The relay's webhook intake (<c>/v1/hooks/alertmanager</c>, <c>/v1/hooks/grafana</c>) as operators run it:
/// the relay a separate process, the payloads posted over HTTP, the room read back from the homeserver.</summary>
[Trait("tier", "integration")]
public sealed class AlertIntakeTests
{
    [Fact]
    public async Task Alertmanager_notifications_become_one_event_per_alert_once_even_across_a_restart()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("SETUP");
        var (roomId, alias) = await h.BotRoomAsync(bot.AccessToken, "alerts");
        using var state = new TempDirectory("solti-intake-");
        var env = h.CliEnvironment(bot.AccessToken, state);
        var hook = "/v1/hooks/alertmanager?room=" + Uri.EscapeDataString(alias);
        var sample = AlertPayloadTests.Sample("alertmanager-v4.json");
        await using (var relay = new RelayProcess(env))
        {
            await relay.StartAsync();
            using var http = relay.Client();
            Assert.Equal((HttpStatusCode.Accepted, 2), await HookAsync(http, hook, sample));
            Assert.Equal((HttpStatusCode.Accepted, 0), await HookAsync(http, hook, sample));
            await DrainedAsync(http);
            Assert.Equal(0, await relay.StopAsync());
        }

        var messages = await h.MessagesAsync(roomId, bot.AccessToken);
        Assert.Equal(["alert.firing.v1", "alert.resolved.v1"], messages.Select(Schema));
        Assert.All(messages, m => Assert.Equal("alertmanager", m["content"]!["solti"]!["source"]!.GetValue<string>()));
        Assert.StartsWith("🔥 FIRING [critical] ProbeFailure", messages[0]["content"]!["body"]!.GetValue<string>(), StringComparison.Ordinal);

        await using (var restarted = new RelayProcess(env))
        {
            await restarted.StartAsync();
            using var http = restarted.Client();
            Assert.Equal((HttpStatusCode.Accepted, 0), await HookAsync(http, hook, sample));
            Assert.Equal((HttpStatusCode.Accepted, 1), await HookAsync(http, hook, Resolved(sample)));
            await DrainedAsync(http);
            Assert.Equal(0, await restarted.StopAsync());
        }

        // The resolution edits the firing message (the room shows the current state) and replies in its thread; the
        // resolution of an alert whose firing this relay never saw (the sample's second alert) stands on its own.
        messages = await h.MessagesAsync(roomId, bot.AccessToken);
        Assert.Equal(["alert.firing.v1", "alert.resolved.v1", "alert.resolved.v1", "alert.resolved.v1"], messages.Select(Schema));
        Assert.Null(messages[1]["content"]!["m.relates_to"]);
        var firingId = messages[0]["event_id"]!.GetValue<string>();
        AssertEdits(messages[2], firingId);
        AssertInThread(messages[3], firingId);
        Assert.StartsWith("✅ RESOLVED [critical] ProbeFailure: BlackBox Probe Failure: https://web1.example.org", messages[3]["content"]!["body"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Concurrent_notifications_and_their_repeats_post_each_alert_once_and_every_resolution_edits_its_own_firing()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("SETUP");
        var (roomId, _) = await h.BotRoomAsync(bot.AccessToken, "alerts");
        using var state = new TempDirectory("solti-intake-");
        await using var relay = new RelayProcess(h.CliEnvironment(bot.AccessToken, state));
        await relay.StartAsync();
        using var http = relay.Client();
        var hook = "/v1/hooks/alertmanager?room=" + Uri.EscapeDataString(roomId);
        const int Alerts = 12;
        string One(int n, bool resolved)
        {
            var payload = JsonNode.Parse(AlertPayloadTests.Sample("alertmanager-v4.json"))!;
            var alert = payload["alerts"]![0]!.DeepClone();
            alert["fingerprint"] = $"f{n:x4}";
            alert["labels"]!["instance"] = $"web{n}";
            if (resolved)
            {
                alert["status"] = "resolved";
                alert["endsAt"] = "2026-02-06T14:00:00Z";
            }

            payload["alerts"] = new JsonArray(alert);
            payload["status"] = resolved ? "resolved" : "firing";
            return payload.ToJsonString();
        }

        // Every notification twice at once (Alertmanager's retries): the accepted counts add up to one per alert.
        var firing = await Task.WhenAll(Enumerable.Range(0, Alerts * 2).Select(i => HookAsync(http, hook, One(i % Alerts, false))));
        Assert.Equal(Alerts, firing.Sum(f => f.Item2));
        var resolving = await Task.WhenAll(Enumerable.Range(0, Alerts * 2).Select(i => HookAsync(http, hook, One(i % Alerts, true))));
        Assert.Equal(Alerts, resolving.Sum(f => f.Item2));
        await DrainedAsync(http);

        var messages = await h.MessagesAsync(roomId, bot.AccessToken);
        var fired = messages.Where(m => m["content"]!["m.relates_to"] is null).ToList();
        Assert.Equal(Alerts, fired.Count);
        Assert.All(fired, m => Assert.Equal("alert.firing.v1", Schema(m)));
        foreach (var message in fired)
        {
            var id = message["event_id"]!.GetValue<string>();
            var key = message["content"]!["solti"]!["data"]!["key"]!.GetValue<string>();
            var related = messages.Where(m => m["content"]!["m.relates_to"]?["event_id"]?.GetValue<string>() == id).ToList();
            Assert.Equal(2, related.Count); // its edit and its reply, nothing else
            AssertEdits(Assert.Single(related, m => m["content"]!["m.new_content"] is not null), id);
            AssertInThread(Assert.Single(related, m => m["content"]!["m.new_content"] is null), id);
            Assert.All(related, m => Assert.Equal(key, (m["content"]!["m.new_content"] ?? m["content"]!)["solti"]!["data"]!["key"]!.GetValue<string>()));
        }
    }

    [Fact]
    public async Task Grafana_works_and_bad_calls_are_refused_by_name()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("SETUP");
        var (roomId, _) = await h.BotRoomAsync(bot.AccessToken, "alerts");
        var (otherRoom, _) = await h.BotRoomAsync(bot.AccessToken, "elsewhere");
        using var state = new TempDirectory("solti-intake-");
        await using var relay = new RelayProcess(h.CliEnvironment(bot.AccessToken, state), "--allow-room", roomId);
        await relay.StartAsync();
        using var http = relay.Client();
        var grafana = "/v1/hooks/grafana?room=" + Uri.EscapeDataString(roomId);
        Assert.Equal((HttpStatusCode.Accepted, 2), await HookAsync(http, grafana, AlertPayloadTests.Sample("grafana-v1.json")));

        var malformed = JsonNode.Parse(AlertPayloadTests.Sample("alertmanager-v4.json"))!;
        malformed["alerts"]![0]!["labels"] = "severity=critical";
        var (status, body) = await PostAsync(http, "/v1/hooks/alertmanager?room=" + Uri.EscapeDataString(roomId), malformed.ToJsonString());
        Assert.Equal((HttpStatusCode.BadRequest, "alerts[0].labels"), (status, body["field"]!.GetValue<string>()));
        Assert.StartsWith("alerts[0].labels: ", body["error"]!.GetValue<string>(), StringComparison.Ordinal);
        (status, body) = await PostAsync(http, "/v1/hooks/grafana?room=" + Uri.EscapeDataString(roomId), "{not json");
        Assert.Equal((HttpStatusCode.BadRequest, "body"), (status, body["field"]!.GetValue<string>()));

        foreach (var room in new[] { "/v1/hooks/grafana", "/v1/hooks/grafana?room=", "/v1/hooks/grafana?room=#alerts:localhost", "/v1/hooks/grafana?room=%21abc%3Alocal%20host" })
        {
            (status, body) = await PostAsync(http, room, AlertPayloadTests.Sample("grafana-v1.json"));
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.StartsWith("room must be", body["error"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        (status, body) = await PostAsync(http, "/v1/hooks/grafana?room=" + Uri.EscapeDataString(otherRoom), AlertPayloadTests.Sample("grafana-v1.json"));
        Assert.Equal((HttpStatusCode.Forbidden, "M_FORBIDDEN"), (status, body["errcode"]!.GetValue<string>()));
        using var stranger = new HttpClient { BaseAddress = relay.Url };
        stranger.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-the-token");
        (status, body) = await PostAsync(stranger, grafana, AlertPayloadTests.Sample("grafana-v1.json"));
        Assert.Equal((HttpStatusCode.Unauthorized, "M_UNKNOWN_TOKEN"), (status, body["errcode"]!.GetValue<string>()));

        await DrainedAsync(http);
        var messages = await h.MessagesAsync(roomId, bot.AccessToken);
        Assert.Equal(["alert.firing.v1", "alert.firing.v1"], messages.Select(Schema));
        Assert.All(messages, m => Assert.Equal("grafana", m["content"]!["solti"]!["source"]!.GetValue<string>()));
        Assert.Empty(await h.MessagesAsync(otherRoom, bot.AccessToken));
        Assert.DoesNotContain("   at ", relay.Log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_full_outbox_answers_503_with_Retry_After_to_a_hook_too()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("SETUP");
        var (roomId, _) = await h.BotRoomAsync(bot.AccessToken, "alerts");
        using var state = new TempDirectory("solti-intake-");
        await h.AddFaultAsync(new JsonObject { ["endpoint"] = "rooms.send", ["status"] = 503, ["count"] = null });
        await using var relay = new RelayProcess(h.CliEnvironment(bot.AccessToken, state), "--max-queue", "2", "--timeout", "1", "--budget", "1");
        await relay.StartAsync();
        using var http = relay.Client();
        var hook = "/v1/hooks/alertmanager?room=" + Uri.EscapeDataString(roomId);
        Assert.Equal((HttpStatusCode.Accepted, 2), await HookAsync(http, hook, AlertPayloadTests.Sample("alertmanager-v4.json")));

        using var full = await http.PostAsync(hook, new StringContent(Resolved(AlertPayloadTests.Sample("alertmanager-v4.json")), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, full.StatusCode);
        Assert.Equal("5", full.Headers.GetValues("Retry-After").Single());
    }

    [AlertmanagerFact]
    public async Task A_real_Alertmanager_fires_and_resolves_an_alert_through_the_relay()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("SETUP");
        var (roomId, alias) = await h.BotRoomAsync(bot.AccessToken, "alerts");
        using var state = new TempDirectory("solti-intake-");
        await using var relay = new RelayProcess(h.CliEnvironment(bot.AccessToken, state));
        await relay.StartAsync();
        await using var alertmanager = new AlertmanagerProcess();
        await alertmanager.StartAsync(new Uri(relay.Url, "v1/hooks/alertmanager?room=" + Uri.EscapeDataString(alias)), relay.Token);

        var labels = new JsonObject { ["alertname"] = "DiskFull", ["severity"] = "warning", ["instance"] = "db1" };
        var annotations = new JsonObject { ["summary"] = "Disk almost full on db1" };
        var startsAt = DateTimeOffset.UtcNow.AddMinutes(-1);
        await alertmanager.PostAlertAsync(labels, annotations, startsAt);
        var firing = await MessageAsync(h, roomId, bot.AccessToken, "alert.firing.v1", alertmanager, relay);
        Assert.StartsWith("🔥 FIRING [warning] DiskFull: Disk almost full on db1", firing["content"]!["body"]!.GetValue<string>(), StringComparison.Ordinal);

        Assert.Equal(FormattedBodyFormat, firing["content"]!["format"]!.GetValue<string>());
        Assert.Contains("DiskFull", firing["content"]!["formatted_body"]!.GetValue<string>(), StringComparison.Ordinal);

        await alertmanager.PostAlertAsync(labels, annotations, startsAt, endsAt: DateTimeOffset.UtcNow.AddSeconds(-1));
        var resolved = await MessageAsync(h, roomId, bot.AccessToken, "alert.resolved.v1", alertmanager, relay, count: 2);
        Assert.Equal(firing["content"]!["solti"]!["data"]!["key"]!.GetValue<string>(), resolved["content"]!["solti"]!["data"]!["key"]!.GetValue<string>());
        var messages = await h.MessagesAsync(roomId, bot.AccessToken);
        Assert.Equal(["alert.firing.v1", "alert.resolved.v1", "alert.resolved.v1"], messages.Select(Schema));
        AssertEdits(messages[1], firing["event_id"]!.GetValue<string>());
        AssertInThread(messages[2], firing["event_id"]!.GetValue<string>());
    }

    [AlertmanagerFact]
    public async Task An_alert_that_fires_while_the_homeserver_is_down_is_delivered_later_and_its_resolution_still_edits_it()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("SETUP");
        var (roomId, alias) = await h.BotRoomAsync(bot.AccessToken, "alerts");
        using var state = new TempDirectory("solti-intake-");
        await using var relay = new RelayProcess(h.CliEnvironment(bot.AccessToken, state), "--timeout", "1", "--budget", "1");
        await relay.StartAsync();
        using var http = relay.Client();
        await using var alertmanager = new AlertmanagerProcess();
        await alertmanager.StartAsync(new Uri(relay.Url, "v1/hooks/alertmanager?room=" + Uri.EscapeDataString(alias)), relay.Token);
        await h.AddFaultAsync(new JsonObject { ["endpoint"] = "rooms.send", ["status"] = 503, ["count"] = null });

        var labels = new JsonObject { ["alertname"] = "NodeDown", ["severity"] = "critical", ["instance"] = "web2" };
        var annotations = new JsonObject { ["summary"] = "web2 is unreachable" };
        var startsAt = DateTimeOffset.UtcNow.AddMinutes(-1);
        await alertmanager.PostAlertAsync(labels, annotations, startsAt);
        await PendingAsync(http, 1, alertmanager, relay);
        await alertmanager.PostAlertAsync(labels, annotations, startsAt, endsAt: DateTimeOffset.UtcNow.AddSeconds(-1));
        await PendingAsync(http, 3, alertmanager, relay); // the firing, the edit and the reply, all waiting
        Assert.Empty(await h.MessagesAsync(roomId, bot.AccessToken));

        await h.ClearFaultsAsync();
        if (!await RelayProcess.DrainsAsync(http, 600, TimeSpan.FromMilliseconds(100)))
        {
            Assert.Fail("the relay did not deliver after the homeserver came back: " + await http.GetStringAsync("/v1/status"));
        }

        var messages = await h.MessagesAsync(roomId, bot.AccessToken);
        Assert.Equal(["alert.firing.v1", "alert.resolved.v1", "alert.resolved.v1"], messages.Select(Schema));
        AssertEdits(messages[1], messages[0]["event_id"]!.GetValue<string>());
        AssertInThread(messages[2], messages[0]["event_id"]!.GetValue<string>());
    }

    private const string FormattedBodyFormat = "org.matrix.custom.html";

    /// <summary>An edit of <paramref name="target"/>: <c>m.replace</c>, the new content in <c>m.new_content</c>, the
    /// fallback body marked with <c>* </c>.</summary>
    internal static void AssertEdits(JsonObject message, string target)
    {
        var content = message["content"]!;
        Assert.Equal("m.replace", content["m.relates_to"]!["rel_type"]!.GetValue<string>());
        Assert.Equal(target, content["m.relates_to"]!["event_id"]!.GetValue<string>());
        Assert.StartsWith("* ", content["body"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(content["m.new_content"]!["m.relates_to"]);
    }

    /// <summary>A reply in the thread of <paramref name="root"/>, with the reply fallback for clients without threads.</summary>
    internal static void AssertInThread(JsonObject message, string root)
    {
        var relation = message["content"]!["m.relates_to"]!;
        Assert.Equal(("m.thread", root), (relation["rel_type"]!.GetValue<string>(), relation["event_id"]!.GetValue<string>()));
        Assert.True(relation["is_falling_back"]!.GetValue<bool>());
        Assert.Equal(root, relation["m.in_reply_to"]!["event_id"]!.GetValue<string>());
    }

    /// <summary>Waits until the relay holds <paramref name="count"/> undelivered events.</summary>
    private static async Task PendingAsync(HttpClient http, int count, AlertmanagerProcess alertmanager, RelayProcess relay)
    {
        var deadline = DateTimeOffset.UtcNow + Solti.Matrix.Testing.ProcessRunner.DefaultTimeout;
        while (DateTimeOffset.UtcNow < deadline)
        {
            if (JsonNode.Parse(await http.GetStringAsync("/v1/status"))!["pending"]!.GetValue<long>() >= count)
            {
                return;
            }

            await Task.Delay(200);
        }

        Assert.Fail($"the relay never held {count} events; Alertmanager logged:\n{alertmanager.Log}\nthe relay logged:\n{relay.Log}");
    }

    /// <summary>The room's first message of <paramref name="schema"/>, polled for until the test's bound.</summary>
    private static async Task<JsonObject> MessageAsync(LibraryHarness h, string roomId, string token, string schema, AlertmanagerProcess alertmanager, RelayProcess relay, int count = 1)
    {
        var deadline = DateTimeOffset.UtcNow + Solti.Matrix.Testing.ProcessRunner.DefaultTimeout;
        while (DateTimeOffset.UtcNow < deadline)
        {
            var found = (await h.MessagesAsync(roomId, token)).Where(m => Schema(m) == schema).ToList();
            if (found.Count >= count)
            {
                return found[^1];
            }

            await Task.Delay(200);
        }

        Assert.Fail($"no {schema} event reached the room; Alertmanager logged:\n{alertmanager.Log}\nthe relay logged:\n{relay.Log}");
        return null!;
    }

    /// <summary>The sample with every alert resolved (the firing one ending now).</summary>
    internal static string Resolved(string sample)
    {
        var payload = JsonNode.Parse(sample)!;
        payload["status"] = "resolved";
        foreach (var alert in payload["alerts"]!.AsArray())
        {
            if (alert!["status"]!.GetValue<string>() == "firing")
            {
                alert["status"] = "resolved";
                alert["endsAt"] = "2026-02-06T14:00:00Z";
            }
        }

        return payload.ToJsonString();
    }

    /// <summary>The SOLTI schema of a message, or of the new content an edit gives it.</summary>
    internal static string Schema(JsonObject message) =>
        (message["content"]!["m.new_content"] ?? message["content"]!)["solti"]?["schema"]?.GetValue<string>() ?? "";

    private static async Task<(HttpStatusCode, int)> HookAsync(HttpClient http, string path, string payload)
    {
        var (status, body) = await PostAsync(http, path, payload);
        Assert.True(status == HttpStatusCode.Accepted, body.ToJsonString());
        return (status, body["accepted"]!.GetValue<int>());
    }

    internal static async Task<(HttpStatusCode Status, JsonObject Body)> PostAsync(HttpClient http, string path, string payload)
    {
        using var response = await http.PostAsync(path, new StringContent(payload, Encoding.UTF8, "application/json"));
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject());
    }

    internal static async Task DrainedAsync(HttpClient http)
    {
        if (!await RelayProcess.DrainsAsync(http, 100, TimeSpan.FromMilliseconds(100)))
        {
            Assert.Fail("the relay did not deliver: " + await http.GetStringAsync("/v1/status"));
        }
    }
}
