using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Solti.Matrix.Tests.Support;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Tests;

/// <summary>The relay loses nothing and duplicates nothing: 10,000 events from several producers while the homeserver
/// fails in every way it can and restarts, and the relay itself is SIGKILLed and restarted twice.</summary>
[Trait("tier", "integration")]
public sealed class RelayChaosTests
{
    private const int Producers = 5;
    private static readonly int PerProducer = int.TryParse(Environment.GetEnvironmentVariable("SOLTI_CHAOS_PER_PRODUCER"), out var n) ? n : 2_000;
    private const int Rooms = 4;

    [Fact]
    public async Task Ten_thousand_events_arrive_exactly_once_and_in_order_through_faults_restarts_and_kills()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("SETUP");
        var rooms = new List<string>();
        for (var r = 0; r < Rooms; r++)
        {
            rooms.Add(await h.Raw.CreateRoomAsync(bot.AccessToken, new JsonObject { ["name"] = $"chaos {r}" }));
        }

        using var state = new TempDirectory("solti-relay-");
        var env = new Dictionary<string, string?>
        {
            ["MATRIX_HOMESERVER_URL"] = h.Hs.Server.BaseAddress.ToString(),
            ["MATRIX_USER_ID"] = h.Hs.BotId,
            ["MATRIX_PASSWORD"] = TestHomeserver.BotPassword,
            ["XDG_STATE_HOME"] = state,
        };
        await using var relay = new RelayProcess(env, "--timeout", "1", "--budget", "4", "--max-wait", "1", "--poll", "0.5");
        await relay.StartAsync();
        using var http = relay.Client(TimeSpan.FromSeconds(10));
        var producers = Enumerable.Range(0, Producers).Select(p => Task.Run(() => ProduceAsync(http, rooms, p))).ToList();
        var chaos = ChaosAsync(h, relay);
        await Task.WhenAll(producers);
        await chaos;
        await DrainedAsync(http, relay, Path.Combine(state, "solti-matrix", "outbox", "outbox.db"));

        // Every injected fault was met by the relay (none left over), and the expired token was healed by logging in again.
        var faults = (await h.Raw.GetAsync("/_solti/testing/v1/faults", h.Admin.AccessToken)).Object["faults"]!.AsArray();
        Assert.True(faults.Count == 0, $"faults the relay never met: {faults.ToJsonString()}");
        Assert.True(await h.CounterAsync("login") >= 3, "the relay logged in at start and again after the token expired");
        Assert.Equal(2, await h.BotDeviceCountAsync()); // SETUP and the relay's one device, across three starts and a re-login

        var reader = (await h.Hs.LoginBotAsync("READER")).AccessToken;
        var bodies = new List<(string Room, int Producer, int N)>();
        foreach (var room in rooms)
        {
            bodies.AddRange((await ReadAllAsync(h, room, reader)).Select(b => (room, b.Producer, b.N)));
        }

        Assert.Equal(Producers * PerProducer, bodies.Count);
        Assert.Equal(Producers * PerProducer, bodies.Select(b => (b.Producer, b.N)).Distinct().Count());
        foreach (var group in bodies.GroupBy(b => (b.Room, b.Producer)))
        {
            var sequence = group.Select(b => b.N).ToList();
            Assert.True(sequence.SequenceEqual(sequence.Order()), $"room {group.Key.Room}, producer {group.Key.Producer}: out of order");
        }

        var metrics = await http.GetStringAsync("/metrics");
        Assert.Contains("solti_relay_queued 0", metrics, StringComparison.Ordinal);
        Assert.Equal(0, await relay.StopAsync());
    }

    /// <summary>Each producer posts its events one after another (so its order is defined), each with its own
    /// transaction id, retrying the same request while the relay is down or full.</summary>
    private static async Task ProduceAsync(HttpClient http, List<string> rooms, int producer)
    {
        for (var n = 0; n < PerProducer; n++)
        {
            var body = new JsonObject
            {
                ["room"] = rooms[(producer + n) % Rooms],
                ["txn_id"] = $"chaos-{producer}-{n}",
                ["content"] = new JsonObject { ["msgtype"] = "m.text", ["body"] = $"chaos {producer} {n}", ["producer"] = producer, ["n"] = n },
            };
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    using var response = await http.PostAsync("/v1/events", new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
                    if ((int)response.StatusCode == 202)
                    {
                        break;
                    }

                    Assert.True((int)response.StatusCode == 503, $"relay answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    // the relay is down (killed) or restarting: the same request again
                }

                Assert.True(attempt < 600, "the relay stayed unreachable");
                await Task.Delay(100);
            }
        }
    }

    /// <summary>While the producers run: 5xx bursts, a 429 storm, dropped connections, answers slower than the relay's
    /// timeout (the server stores the event, the relay never hears back), token expiry, a homeserver restart, and two
    /// SIGKILLs of the relay.</summary>
    private static async Task ChaosAsync(LibraryHarness h, RelayProcess relay)
    {
        async Task Fault(JsonObject rule) => Assert.Equal(200, (await h.Raw.PostAsync("/_solti/testing/v1/faults", rule, h.Admin.AccessToken)).Code);
        await Task.Delay(1500);
        await Fault(new JsonObject { ["endpoint"] = "rooms.send", ["status"] = 503, ["count"] = 40 });
        await Task.Delay(1000);
        await Fault(new JsonObject { ["endpoint"] = "rooms.send", ["status"] = 429, ["retry_after_ms"] = 200, ["count"] = 60 });
        await Task.Delay(1000);
        await relay.KillAsync();
        await Task.Delay(500);
        await relay.StartAsync();
        await Fault(new JsonObject { ["endpoint"] = "rooms.send", ["drop"] = true, ["count"] = 25 });
        await Task.Delay(1000);
        await Fault(new JsonObject { ["endpoint"] = "rooms.send", ["delay_ms"] = 1500, ["count"] = 8 });
        await Task.Delay(1000);
        Assert.Equal(200, (await h.Raw.PostAsync("/_solti/testing/v1/expire_token", new JsonObject { ["user_id"] = h.Hs.BotId }, h.Admin.AccessToken)).Code);
        await Task.Delay(1000);
        await h.Hs.Server.RestartAsync(TimeSpan.FromSeconds(2));
        await Task.Delay(1000);
        await relay.KillAsync();
        await Task.Delay(500);
        await relay.StartAsync();
        await Fault(new JsonObject { ["endpoint"] = "rooms.send", ["status"] = 502, ["count"] = 20 });
    }

    private static async Task DrainedAsync(HttpClient http, RelayProcess relay, string outbox)
    {
        if (!await RelayProcess.DrainsAsync(http, 600, TimeSpan.FromMilliseconds(500)))
        {
            Assert.Fail($"the outbox did not drain: {await http.GetStringAsync("/v1/status")}\n{string.Join("\n", PendingErrors(outbox))}\n{relay.Log}");
        }
    }

    private static IEnumerable<string> PendingErrors(string outbox)
    {
        using var db = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + outbox);
        db.Open();
        using var command = db.CreateCommand();
        command.CommandText = "SELECT room, attempts, last_error, homeserver FROM events WHERE state = 'pending' ORDER BY id LIMIT 10";
        using var reader = command.ExecuteReader();
        var lines = new List<string>();
        while (reader.Read())
        {
            lines.Add($"{reader.GetString(0)} attempts={reader.GetInt32(1)} error={(reader.IsDBNull(2) ? "" : reader.GetString(2))} hs={reader.GetString(3)}");
        }

        return lines;
    }

    private static async Task<List<(int Producer, int N)>> ReadAllAsync(LibraryHarness h, string roomId, string token)
    {
        var found = new List<(int, int)>();
        string? from = null;
        while (true)
        {
            var page = await h.Raw.GetAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/messages?dir=f&limit=1000" + (from is null ? "" : "&from=" + Uri.EscapeDataString(from)), token);
            Assert.Equal(200, page.Code);
            var chunk = page.Object["chunk"]!.AsArray();
            found.AddRange(chunk.Where(e => e!["type"]!.GetValue<string>() == "m.room.message" && e["content"]?["producer"] is not null)
                .Select(e => (e!["content"]!["producer"]!.GetValue<int>(), e["content"]!["n"]!.GetValue<int>())));
            from = page.Object["end"]?.GetValue<string>();
            if (chunk.Count == 0 || from is null)
            {
                return found;
            }
        }
    }
}
