using System.Text.Json.Nodes;
using Solti.Matrix.Outbox;
using Solti.Matrix.Tests.Support;

namespace Solti.Matrix.Tests;

/// <summary>The durable outbox and its delivery, in-process against the homeserver over HTTP.</summary>
[Trait("tier", "integration")]
public sealed class OutboxTests
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    [Fact]
    public void Enqueue_is_private_survives_reopening_and_is_idempotent_on_the_transaction_id()
    {
        using var state = new TempDirectory("solti-outbox-");
        var path = Path.Combine(state, "solti-matrix", "outbox", "outbox.db");
        long first;
        using (var store = new OutboxStore(path))
        {
            first = store.Enqueue("http://hs.test/", "@bot:hs.test", "!a:hs.test", "m.room.message", new JsonObject { ["body"] = "one" }, "txn-1");
            Assert.Equal(first, store.Enqueue("http://hs.test", "@bot:hs.test", "!a:hs.test", "m.room.message", new JsonObject { ["body"] = "again" }, "txn-1"));
            store.Enqueue("http://hs.test", "@bot:hs.test", "!a:hs.test", "m.room.message", new JsonObject { ["body"] = "two" }, "txn-2");
        }

        // Every directory level it made is 0700 and the file 0600: the credential cache shares solti-matrix/.
        Assert.Equal(Private, File.GetUnixFileMode(Path.Combine(state, "solti-matrix")));
        Assert.Equal(Private, File.GetUnixFileMode(Path.Combine(state, "solti-matrix", "outbox")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        var cache = new Sessions.CredentialCache(Path.Combine(state, "solti-matrix"));
        Assert.Null(cache.Read(new Uri("http://hs.test/"), "@bot:hs.test"));

        using var reopened = new OutboxStore(path);
        var pending = reopened.Pending("http://hs.test/", 10);
        Assert.Equal(["txn-1", "txn-2"], pending.Select(e => e.TransactionId));
        Assert.Equal("one", pending[0].Content["body"]!.GetValue<string>());
        Assert.Equal(2, reopened.Stats("http://hs.test").Pending);
        Assert.Empty(reopened.Pending("http://other.test", 10));
    }

    [Fact]
    public async Task Delivery_keeps_each_rooms_order_kills_only_refused_events_and_rooms_do_not_wait_for_each_other()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("OUTBOX");
        var (open, _) = await h.BotRoomAsync(bot.AccessToken);
        var closed = await h.Raw.CreateRoomAsync(h.Admin.AccessToken, new JsonObject { ["name"] = "not for the bot" });
        using var state = new TempDirectory("solti-outbox-");
        using var store = new OutboxStore(Path.Combine(state, "outbox.db"));
        using var client = h.Bot(bot.AccessToken);
        var hs = client.Homeserver.ToString();
        foreach (var (room, n) in new[] { (open, 1), (closed, 1), (open, 2), (closed, 2), (open, 3) })
        {
            store.Enqueue(hs, h.Hs.BotId, room, "m.room.message", new JsonObject { ["msgtype"] = "m.text", ["body"] = $"n{n}" }, $"t-{room}-{n}");
        }

        // Two 503s for the open room's first event: retried with the same transaction id, so it lands once.
        await h.AddFaultAsync(new JsonObject { ["endpoint"] = "rooms.send", ["path"] = open[1..open.IndexOf(':', StringComparison.Ordinal)], ["status"] = 503, ["count"] = 2 });
        var delivery = new OutboxDelivery(store, client);
        for (var round = 0; round < 20 && store.Stats(hs).Pending > 0; round++)
        {
            var result = await delivery.DeliverPendingAsync(CancellationToken.None);
            if (result.RetryAt is { } at)
            {
                await Task.Delay(at - DateTimeOffset.UtcNow is { Ticks: > 0 } wait ? wait : TimeSpan.Zero);
            }
        }

        Assert.Empty((await h.Raw.GetAsync("/_solti/testing/v1/faults", h.Admin.AccessToken)).Object["faults"]!.AsArray());
        var stats = store.Stats(hs);
        Assert.Equal((0L, 3L, 2L), (stats.Pending, stats.Delivered, stats.Dead));
        Assert.Equal(["n1", "n2", "n3"], (await h.MessagesAsync(open, bot.AccessToken)).Select(m => m["content"]!["body"]!.GetValue<string>()));
        var dead = store.Dead(10);
        Assert.All(dead, d => Assert.Contains("HTTP 403 M_FORBIDDEN", d.LastError, StringComparison.Ordinal));
        Assert.Equal(3, delivery.Metrics.Delivered);
        Assert.Equal(2, delivery.Metrics.Dead);
    }

    [Fact]
    public async Task On_failure_queues_an_event_the_server_cannot_take_now_and_a_flush_delivers_it_once()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("SPOOL");
        var (room, _) = await h.BotRoomAsync(bot.AccessToken);
        using var state = new TempDirectory("solti-outbox-");
        var path = Path.Combine(state, "outbox.db");
        using var client = h.Bot(bot.AccessToken, retry: new RetryOptions { BaseDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(50), TotalBudget = TimeSpan.FromMilliseconds(300) });
        await h.AddFaultAsync(new JsonObject { ["endpoint"] = "rooms.send", ["status"] = 503, ["count"] = null });
        var content = new JsonObject { ["msgtype"] = "m.text", ["body"] = "spooled" };

        var never = await Record.ExceptionAsync(() => SpooledSend.SendAsync(client, () => new OutboxStore(path), room, "m.room.message", content, "never-1", "never", CancellationToken.None));
        Assert.IsType<Errors.MatrixException>(never, exactMatch: false);
        Assert.False(File.Exists(path));

        var queued = await SpooledSend.SendAsync(client, () => new OutboxStore(path), room, "m.room.message", content, "spool-1", "on_failure", CancellationToken.None);
        Assert.True(queued["queued"]!.GetValue<bool>());
        Assert.Equal("spool-1", queued["transaction_id"]!.GetValue<string>());
        Assert.Contains("503", queued["queued_because"]!.GetValue<string>(), StringComparison.Ordinal);

        // A 403 is not queued: it would only fail the same way later.
        await h.Raw.DeleteAsync("/_solti/testing/v1/faults", h.Admin.AccessToken);
        var closed = await h.Raw.CreateRoomAsync(h.Admin.AccessToken, new JsonObject { ["name"] = "closed" });
        var refused = await Record.ExceptionAsync(() => SpooledSend.SendAsync(client, () => new OutboxStore(path), closed, "m.room.message", content, "spool-403", "on_failure", CancellationToken.None));
        Assert.Equal(403, Assert.IsType<Errors.MatrixException>(refused, exactMatch: false).Status);

        using var store = new OutboxStore(path);
        var hs = client.Homeserver.ToString();
        Assert.Equal(1, store.Stats(hs).Pending);
        await new OutboxDelivery(store, client).DeliverPendingAsync(CancellationToken.None);
        await new OutboxDelivery(store, client).DeliverPendingAsync(CancellationToken.None);
        Assert.Equal(["spooled"], (await h.MessagesAsync(room, bot.AccessToken)).Select(m => m["content"]!["body"]!.GetValue<string>()));
        Assert.Equal(1, store.Stats(hs).Delivered);
    }
}
