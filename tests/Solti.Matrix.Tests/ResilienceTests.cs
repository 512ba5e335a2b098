using System.Text.Json.Nodes;
using Solti.Matrix.Errors;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Sessions;
using Solti.Matrix.Tests.Support;

namespace Solti.Matrix.Tests;

/// <summary>429s in every form, 5xx bursts, dropped connections and slow answers: each event arrives exactly once.</summary>
[Trait("tier", "integration")]
public sealed class ResilienceTests
{
    private static readonly JsonObject Content = new() { ["msgtype"] = "m.text", ["body"] = "exactly once" };

    public static TheoryData<string> RateLimitForms => ["header", "body-only", "bare"];

    [Theory]
    [MemberData(nameof(RateLimitForms))]
    public async Task A_429_in_any_form_is_waited_out_and_the_event_arrives_once(string form)
    {
        await using var h = await LibraryHarness.StartAsync(o => o with
        {
            Compatibility = new Compatibility { RetryAfterHeader = form == "header", Bare429 = form == "bare" },
        });
        var bot = await h.Hs.LoginBotAsync("RL");
        var (roomId, _) = await h.BotRoomAsync(bot.AccessToken);
        await h.AddFaultAsync(new JsonObject { ["endpoint"] = "rooms.send", ["status"] = 429, ["retry_after_ms"] = 300, ["count"] = 2 });
        var logs = new CapturingLoggerFactory();

        using var client = new MatrixClient(h.Options() with
        {
            LoggerFactory = logs,
            Retry = new RetryOptions { DefaultRateLimitDelay = TimeSpan.FromMilliseconds(150), TotalBudget = TimeSpan.FromSeconds(20) },
        }, new SessionOptions { UserId = h.Hs.BotId, AccessToken = bot.AccessToken }, h.Cache);
        var result = await client.SendEventAsync(roomId, "m.room.message", Content);

        var events = await h.MessagesAsync(roomId, bot.AccessToken);
        Assert.Equal(result.EventId, Assert.Single(events)["event_id"]!.GetValue<string>());
        var expectedWait = form switch { "header" => "the server asked 1 s", "body-only" => "the server asked 300 ms", _ => "the server asked 150 ms" };
        Assert.Equal(2, logs.Lines.Count(l => l.Contains("HTTP 429", StringComparison.Ordinal) && l.Contains(expectedWait, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_burst_of_503s_is_retried_with_the_same_transaction_id()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("B503");
        var (roomId, _) = await h.BotRoomAsync(bot.AccessToken);
        await h.AddFaultAsync(new JsonObject { ["endpoint"] = "rooms.send", ["status"] = 503, ["count"] = 4 });
        await h.ResetCountersAsync();

        using var client = h.Bot(token: bot.AccessToken);
        var result = await client.SendEventAsync(roomId, "m.room.message", Content, transactionId: "fixed-txn");

        Assert.Equal("fixed-txn", result.TransactionId);
        Assert.Equal(5, await h.CounterAsync("rooms.send"));
        var single = Assert.Single(await h.MessagesAsync(roomId, bot.AccessToken));
        Assert.Equal("fixed-txn", single["unsigned"]!["transaction_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Dropped_connections_are_retried_and_the_event_arrives_once()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("DROP");
        var (roomId, _) = await h.BotRoomAsync(bot.AccessToken);
        await h.AddFaultAsync(new JsonObject { ["endpoint"] = "rooms.send", ["drop"] = true, ["count"] = 2 });

        using var client = h.Bot(token: bot.AccessToken);
        var result = await client.SendEventAsync(roomId, "m.room.message", Content);

        Assert.Equal(result.EventId, Assert.Single(await h.MessagesAsync(roomId, bot.AccessToken))["event_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_answer_slower_than_the_timeout_is_retried_and_de_duplicated_by_the_server()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("SLOW");
        var (roomId, _) = await h.BotRoomAsync(bot.AccessToken);
        await h.AddFaultAsync(new JsonObject { ["endpoint"] = "rooms.send", ["delay_ms"] = 1500, ["count"] = 1 });

        using var client = h.Bot(token: bot.AccessToken, timeout: TimeSpan.FromMilliseconds(400));
        var result = await client.SendEventAsync(roomId, "m.room.message", Content);

        // The slow first attempt may still be running on the server; wait until it is done before counting.
        await h.QuiescentAsync();
        Assert.Equal(result.EventId, Assert.Single(await h.MessagesAsync(roomId, bot.AccessToken))["event_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Other_4xx_errors_are_never_retried()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("NORETRY");
        var (roomId, _) = await h.BotRoomAsync(bot.AccessToken);
        await h.AddFaultAsync(new JsonObject { ["endpoint"] = "rooms.send", ["status"] = 400, ["errcode"] = "M_BAD_JSON", ["error"] = "no", ["count"] = 1 });
        await h.ResetCountersAsync();

        using var client = h.Bot(token: bot.AccessToken);
        var error = await Assert.ThrowsAsync<MatrixException>(() => client.SendEventAsync(roomId, "m.room.message", Content));

        Assert.Equal("M_BAD_JSON", error.Errcode);
        Assert.Equal(1, await h.CounterAsync("rooms.send"));
        Assert.Empty(await h.MessagesAsync(roomId, bot.AccessToken));
    }

    [Fact]
    public async Task A_wait_longer_than_the_cap_fails_at_once_and_says_how_long_the_server_asked()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("CAP");
        var (roomId, _) = await h.BotRoomAsync(bot.AccessToken);
        await h.AddFaultAsync(new JsonObject { ["endpoint"] = "rooms.send", ["status"] = 429, ["retry_after_ms"] = 120_000, ["count"] = 1 });

        using var client = h.Bot(token: bot.AccessToken, retry: new RetryOptions { MaxDelay = TimeSpan.FromSeconds(5) });
        var error = await Assert.ThrowsAsync<MatrixException>(() => client.SendEventAsync(roomId, "m.room.message", Content));

        Assert.Equal(429, error.Status);
        Assert.Equal(TimeSpan.FromSeconds(120), error.RetryAfter);
        Assert.Contains("asked to wait 120 s", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retries_stop_when_the_budget_is_spent_and_the_error_says_so()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("BUDGET");
        var (roomId, _) = await h.BotRoomAsync(bot.AccessToken);
        await h.AddFaultAsync(new JsonObject { ["endpoint"] = "rooms.send", ["status"] = 429, ["retry_after_ms"] = 800, ["count"] = null });

        using var client = h.Bot(token: bot.AccessToken, retry: new RetryOptions { TotalBudget = TimeSpan.FromSeconds(2), MaxDelay = TimeSpan.FromSeconds(5) });
        var error = await Assert.ThrowsAsync<MatrixException>(() => client.SendEventAsync(roomId, "m.room.message", Content));

        Assert.Equal(429, error.Status);
        Assert.Contains("budget", error.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(1), error.RetryAfter); // Retry-After (whole seconds) wins over retry_after_ms
        Assert.Empty(await h.MessagesAsync(roomId, bot.AccessToken));
    }
}
