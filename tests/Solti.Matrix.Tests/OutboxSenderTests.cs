using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Solti.Matrix.Outbox;
using Solti.Matrix.Testing;
using Solti.Matrix.Tests.Support;

namespace Solti.Matrix.Tests;

/// <summary>The self-describing outbox: every entry is delivered to its own homeserver as its own sender, by a bare
/// <c>outbox flush</c> (real CLI processes sharing one state directory, the rooms read back over HTTP); a sender
/// without a session waits and is named; files of the earlier layout are migrated in place.</summary>
[Trait("tier", "integration")]
public sealed class OutboxSenderTests
{
    private static readonly JsonObject Deploy = new() { ["service"] = "nginx", ["host"] = "web1", ["playbook"] = "site.yml", ["operator"] = "ops" };

    [Fact]
    public async Task A_bare_flush_delivers_two_senders_on_two_homeservers_each_as_itself_and_names_the_sender_without_a_session()
    {
        await using var one = await LibraryHarness.StartAsync();
        await using var two = await LibraryHarness.StartAsync();
        using var state = new TempDirectory("solti-senders-");
        var env = new Dictionary<string, string?> { ["XDG_STATE_HOME"] = state.Path };

        // A room on the first homeserver that its bot and its admin are both in; one on the second for its bot.
        var bot1 = await one.Hs.LoginBotAsync("SETUP");
        var (shared, sharedAlias) = await one.BotRoomAsync(bot1.AccessToken, "shared");
        Assert.Equal(200, (await one.Raw.PostAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(shared)}/invite", new JsonObject { ["user_id"] = one.Hs.AdminId }, bot1.AccessToken)).Code);
        Assert.Equal(200, (await one.Raw.PostAsync($"/_matrix/client/v3/join/{MatrixTestClient.Enc(shared)}", null, one.Admin.AccessToken)).Code);
        var bot2 = await two.Hs.LoginBotAsync("SETUP");
        var (other, otherAlias) = await two.BotRoomAsync(bot2.AccessToken, "other");

        // Each sender logs in once (its session goes to the shared credential cache), then queues as itself.
        var senders = new[]
        {
            (Hs: one, User: one.Hs.BotId, Password: TestHomeserver.BotPassword, Room: sharedAlias, Body: "from bot on one"),
            (Hs: one, User: one.Hs.AdminId, Password: TestHomeserver.AdminPassword, Room: sharedAlias, Body: "from admin on one"),
            (Hs: two, User: two.Hs.BotId, Password: TestHomeserver.BotPassword, Room: otherAlias, Body: "from bot on two"),
        };
        foreach (var s in senders)
        {
            var url = s.Hs.Hs.Server.BaseAddress.ToString();
            var login = await CliRunner.RunAsync(["login", "--homeserver", url, "--user", s.User, "--output", "json"], new Dictionary<string, string?>(env) { ["MATRIX_PASSWORD"] = s.Password });
            Assert.True(login.ExitCode == 0, login.ToString());
            var queued = await CliRunner.RunAsync(["event", "send", s.Room, "--spool", "always", "--schema", "deploy.start.v1", "--data", Deploy.ToJsonString(), "--source", s.Body, "--homeserver", url, "--user", s.User, "--output", "json"], env);
            Assert.True(queued.ExitCode == 0, queued.ToString());
            var result = JsonNode.Parse(queued.Stdout)!;
            Assert.Equal((true, s.User), (result["queued"]!.GetValue<bool>(), result["sender"]!.GetValue<string>()));
        }

        // A bot that spooled into the same outbox and whose session this cache does not hold.
        var outboxPath = Path.Combine(state.Path, "solti-matrix", "outbox", "outbox.db");
        var carol = "@carol:" + one.Hs.ServerName;
        using (var store = new OutboxStore(outboxPath))
        {
            store.Enqueue(new OutboxItem(one.Hs.Server.BaseAddress.ToString(), carol, shared, "m.room.message", new JsonObject { ["msgtype"] = "m.text", ["body"] = "from carol" }, "carol-1"));
        }

        var before = JsonNode.Parse((await CliRunner.RunAsync(["outbox", "status", "--output", "json"], env)).Stdout)!;
        Assert.Equal(4, before["pending"]!.GetValue<int>());
        var carolRow = Assert.Single(before["senders"]!.AsArray(), r => r!["user_id"]!.GetValue<string>() == carol)!;
        Assert.Equal("no session", carolRow["session"]!.GetValue<string>());
        Assert.Equal(3, before["senders"]!.AsArray().Count(r => r!["session"]!.GetValue<string>() == "cached"));
        var note = Assert.Single(before["waiting"]!.AsArray())!.GetValue<string>();
        Assert.StartsWith($"1 pending for {carol} on {OutboxStore.Key(one.Hs.Server.BaseAddress.ToString())}: no session; run `solti-matrix login", note, StringComparison.Ordinal);

        // No homeserver, no user, no token: the outbox itself says where each event goes and as whom.
        var flush = await CliRunner.RunAsync(["outbox", "flush", "--output", "json"], env);
        Assert.NotEqual(0, flush.ExitCode); // carol's event is still pending, and the run says so
        var flushed = FirstLine(flush.Stdout);
        Assert.Equal((3, 1), (flushed["delivered"]!.GetValue<int>(), flushed["pending"]!.GetValue<int>()));
        Assert.Contains($"1 pending for {carol}", flush.Stderr, StringComparison.Ordinal);

        var inShared = await one.MessagesAsync(shared, bot1.AccessToken);
        Assert.Equal(
            [(one.Hs.AdminId, "from admin on one"), (one.Hs.BotId, "from bot on one")],
            inShared.Select(m => (m["sender"]!.GetValue<string>(), m["content"]!["solti"]!["source"]!.GetValue<string>())).Order()); // senders are independent lanes
        var inOther = Assert.Single(await two.MessagesAsync(other, bot2.AccessToken));
        Assert.Equal((two.Hs.BotId, "from bot on two"), (inOther["sender"]!.GetValue<string>(), inOther["content"]!["solti"]!["source"]!.GetValue<string>()));

        // A second flush sends nothing again, and carol's event was never posted as anyone else.
        var again = await CliRunner.RunAsync(["outbox", "flush", "--output", "json"], env);
        Assert.Equal(0, FirstLine(again.Stdout)["delivered"]!.GetValue<int>());
        Assert.DoesNotContain(await one.MessagesAsync(shared, bot1.AccessToken), m => m["content"]!["body"]!.GetValue<string>() == "from carol");

        using (var store = new OutboxStore(outboxPath))
        {
            Assert.Equal(carol, Assert.Single(store.Pending(OutboxScope.All, 10)).UserId);
        }
    }

    [Fact]
    public async Task Flags_only_narrow_a_flush_to_a_homeserver_user_or_room()
    {
        await using var h = await LibraryHarness.StartAsync();
        using var state = new TempDirectory("solti-senders-");
        var env = new Dictionary<string, string?> { ["XDG_STATE_HOME"] = state.Path };
        var url = h.Hs.Server.BaseAddress.ToString();
        var bot = await h.Hs.LoginBotAsync("SETUP");
        var (first, _) = await h.BotRoomAsync(bot.AccessToken, "first");
        var (second, _) = await h.BotRoomAsync(bot.AccessToken, "second");
        var login = await CliRunner.RunAsync(["login", "--homeserver", url, "--user", h.Hs.BotId], new Dictionary<string, string?>(env) { ["MATRIX_PASSWORD"] = TestHomeserver.BotPassword });
        Assert.True(login.ExitCode == 0, login.ToString());
        using (var store = new OutboxStore(Path.Combine(state.Path, "solti-matrix", "outbox", "outbox.db")))
        {
            store.Enqueue(new OutboxItem(url, h.Hs.BotId, first, "m.room.message", new JsonObject { ["msgtype"] = "m.text", ["body"] = "one" }, "n-1"));
            store.Enqueue(new OutboxItem(url, h.Hs.BotId, second, "m.room.message", new JsonObject { ["msgtype"] = "m.text", ["body"] = "two" }, "n-2"));
            store.Enqueue(new OutboxItem("http://127.0.0.1:9/", h.Hs.BotId, first, "m.room.message", new JsonObject { ["body"] = "elsewhere" }, "n-3"));
        }

        var otherUser = await CliRunner.RunAsync(["outbox", "flush", "--user", "@someone:localhost", "--output", "json"], env);
        Assert.True(otherUser.ExitCode == 0, otherUser.ToString());
        Assert.Equal((0, 0), (JsonNode.Parse(otherUser.Stdout)!["delivered"]!.GetValue<int>(), JsonNode.Parse(otherUser.Stdout)!["pending"]!.GetValue<int>()));

        var oneRoom = await CliRunner.RunAsync(["outbox", "flush", "--homeserver", url, "--room", first, "--output", "json"], env);
        Assert.True(oneRoom.ExitCode == 0, oneRoom.ToString());
        Assert.Equal(1, JsonNode.Parse(oneRoom.Stdout)!["delivered"]!.GetValue<int>());
        Assert.Equal(["one"], (await h.MessagesAsync(first, bot.AccessToken)).Select(m => m["content"]!["body"]!.GetValue<string>()));
        Assert.Empty(await h.MessagesAsync(second, bot.AccessToken));

        var thisServer = await CliRunner.RunAsync(["outbox", "flush", "--homeserver", url, "--output", "json"], env);
        Assert.True(thisServer.ExitCode == 0, thisServer.ToString());
        Assert.Equal(["two"], (await h.MessagesAsync(second, bot.AccessToken)).Select(m => m["content"]!["body"]!.GetValue<string>()));
        var status = JsonNode.Parse((await CliRunner.RunAsync(["outbox", "status", "--output", "json"], env)).Stdout)!;
        Assert.Equal("http://127.0.0.1:9", Assert.Single(status["senders"]!.AsArray())!["homeserver"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_event_queued_with_a_bare_token_is_delivered_only_by_a_session_holding_that_token()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("BARE");
        var (room, _) = await h.BotRoomAsync(bot.AccessToken);
        Assert.Equal(200, (await h.Raw.PostAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(room)}/invite", new JsonObject { ["user_id"] = h.Hs.AdminId }, bot.AccessToken)).Code);
        Assert.Equal(200, (await h.Raw.PostAsync($"/_matrix/client/v3/join/{MatrixTestClient.Enc(room)}", null, h.Admin.AccessToken)).Code);
        using var state = new TempDirectory("solti-senders-");
        var path = Path.Combine(state, "outbox.db");

        // The homeserver is down, and the client knows only a token: whose it is cannot be asked.
        await h.AddFaultAsync(new JsonObject { ["endpoint"] = "rooms.send", ["status"] = 503, ["count"] = null });
        using (var bare = new MatrixClient(h.Options(new RetryOptions { BaseDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(50), TotalBudget = TimeSpan.FromMilliseconds(300) }), new Sessions.SessionOptions { AccessToken = bot.AccessToken, UseCache = false }))
        {
            var queued = await SpooledSend.SendAsync(bare, () => new OutboxStore(path), room, "m.room.message", new JsonObject { ["msgtype"] = "m.text", ["body"] = "whose?" }, "bare-1", "on_failure", CancellationToken.None);
            Assert.True(queued["queued"]!.GetValue<bool>());
            Assert.Null(queued["sender"]);
        }

        await h.Raw.DeleteAsync("/_solti/testing/v1/faults", h.Admin.AccessToken);
        using var store = new OutboxStore(path);
        var unknown = Assert.Single(store.Senders(OutboxScope.All));
        Assert.Null(unknown.UserId);

        // Another user's session, even one that may send to the room, does not take it.
        using (var admin = new MatrixClient(h.Options(), new Sessions.SessionOptions { UserId = h.Hs.AdminId, AccessToken = h.Admin.AccessToken, UseCache = false }))
        {
            Assert.Equal(0, (await new OutboxDelivery(store, admin).DeliverPendingAsync(CancellationToken.None)).Delivered);
        }

        Assert.Equal(1, store.UnattributedCount(h.Hs.Server.BaseAddress.ToString(), null));

        // The session holding that token says whose it is: the event becomes the bot's and goes out as the bot.
        using var same = new MatrixClient(h.Options(), new Sessions.SessionOptions { AccessToken = bot.AccessToken, UseCache = false });
        Assert.Equal(1, (await new OutboxDelivery(store, same).DeliverPendingAsync(CancellationToken.None)).Delivered);
        var message = Assert.Single(await h.MessagesAsync(room, bot.AccessToken));
        Assert.Equal((h.Hs.BotId, "whose?"), (message["sender"]!.GetValue<string>(), message["content"]!["body"]!.GetValue<string>()));
    }

    [Fact]
    public async Task An_outbox_of_the_earlier_layout_is_migrated_in_place_and_its_unattributed_events_are_adopted_only_when_asked()
    {
        await using var h = await LibraryHarness.StartAsync();
        using var state = new TempDirectory("solti-senders-");
        var env = new Dictionary<string, string?> { ["XDG_STATE_HOME"] = state.Path };
        var url = h.Hs.Server.BaseAddress.ToString();
        var bot = await h.Hs.LoginBotAsync("OLD");
        var (room, _) = await h.BotRoomAsync(bot.AccessToken);
        var path = Path.Combine(state.Path, "solti-matrix", "outbox", "outbox.db");
        Storage.PrivateDirectory.Create(Path.GetDirectoryName(path)!);

        // The layout wave 1 wrote: no device, no token fingerprint, version 0; one event of a known sender, one of none.
        SqliteNative.EnsureLoaded();
        using (var db = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            db.Open();
            using var create = db.CreateCommand();
            create.CommandText = $$"""
                CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, homeserver TEXT NOT NULL, user_id TEXT, room TEXT NOT NULL,
                  event_type TEXT NOT NULL, content TEXT NOT NULL, txn_id TEXT NOT NULL UNIQUE, state TEXT NOT NULL DEFAULT 'pending',
                  enqueued_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, event_id TEXT, done_at INTEGER);
                CREATE INDEX events_pending ON events (state, homeserver, id);
                INSERT INTO events (homeserver, user_id, room, event_type, content, txn_id, enqueued_at) VALUES
                  ('{{OutboxStore.Key(url)}}', '{{h.Hs.BotId}}', '{{room}}', 'm.room.message', '{"msgtype":"m.text","body":"old known"}', 'old-1', 1),
                  ('{{OutboxStore.Key(url)}}', NULL, '{{room}}', 'm.room.message', '{"msgtype":"m.text","body":"old unknown"}', 'old-2', 2);
                """;
            create.ExecuteNonQuery();
        }

        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var login = await CliRunner.RunAsync(["login", "--homeserver", url, "--user", h.Hs.BotId], new Dictionary<string, string?>(env) { ["MATRIX_PASSWORD"] = TestHomeserver.BotPassword });
        Assert.True(login.ExitCode == 0, login.ToString());

        var flush = await CliRunner.RunAsync(["outbox", "flush", "--output", "json"], env);
        Assert.NotEqual(0, flush.ExitCode);
        Assert.Equal((1, 1), (FirstLine(flush.Stdout)["delivered"]!.GetValue<int>(), FirstLine(flush.Stdout)["pending"]!.GetValue<int>()));
        Assert.Contains("with no recorded sender", flush.Stderr, StringComparison.Ordinal);
        Assert.Equal(["old known"], (await h.MessagesAsync(room, bot.AccessToken)).Select(m => m["content"]!["body"]!.GetValue<string>()));

        using (var db = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            db.Open();
            using var version = db.CreateCommand();
            version.CommandText = "PRAGMA user_version";
            Assert.Equal((long)OutboxStore.Version, (long)version.ExecuteScalar()!);
            using var ids = db.CreateCommand();
            ids.CommandText = "SELECT group_concat(txn_id || ':' || state, ' ') FROM (SELECT * FROM events ORDER BY id)";
            Assert.Equal("old-1:delivered old-2:pending", (string)ids.ExecuteScalar()!);
        }

        // The operator says whose they are: delivered as that user.
        var adopt = await CliRunner.RunAsync(["outbox", "flush", "--adopt-unattributed", "--homeserver", url, "--user", h.Hs.BotId, "--output", "json"], env);
        Assert.True(adopt.ExitCode == 0, adopt.ToString());
        Assert.Equal((1, 1), (JsonNode.Parse(adopt.Stdout)!["adopted"]!.GetValue<int>(), JsonNode.Parse(adopt.Stdout)!["delivered"]!.GetValue<int>()));
        Assert.Equal(["old known", "old unknown"], (await h.MessagesAsync(room, bot.AccessToken)).Select(m => m["content"]!["body"]!.GetValue<string>()));
    }

    /// <summary>The result a command printed (a failing one prints its error as a second JSON line).</summary>
    [Fact]
    public async Task An_event_queued_from_one_device_is_never_sent_from_another_and_waits_naming_both()
    {
        await using var h = await LibraryHarness.StartAsync();
        using var state = new TempDirectory("solti-devices-");
        var env = new Dictionary<string, string?> { ["XDG_STATE_HOME"] = state.Path };
        var setup = await h.Hs.LoginBotAsync("SETUP");
        var (roomId, _) = await h.BotRoomAsync(setup.AccessToken, "devices");
        var url = h.Hs.Server.BaseAddress.ToString();
        var login = await CliRunner.RunAsync(["login", "--homeserver", url, "--user", h.Hs.BotId, "--device-id", "NEWHOST", "--output", "json"], new Dictionary<string, string?>(env) { ["MATRIX_PASSWORD"] = TestHomeserver.BotPassword });
        Assert.True(login.ExitCode == 0, login.ToString());
        using (var store = new OutboxStore(Path.Combine(state.Path, "solti-matrix", "outbox", "outbox.db")))
        {
            store.Enqueue(new OutboxItem(url, h.Hs.BotId, roomId, "m.room.message", new JsonObject { ["msgtype"] = "m.text", ["body"] = "from the old host" }, "old-host-1") { DeviceId = "OLDHOST" });
        }

        var flush = await CliRunner.RunAsync(["outbox", "flush", "--output", "json"], env);

        Assert.NotEqual(0, flush.ExitCode);
        Assert.Equal((0, 1), (FirstLine(flush.Stdout)["delivered"]!.GetValue<int>(), FirstLine(flush.Stdout)["pending"]!.GetValue<int>()));
        Assert.Contains("queued from device OLDHOST, but the session of " + h.Hs.BotId + " is on device NEWHOST", flush.Stderr, StringComparison.Ordinal);
        Assert.Empty(await h.MessagesAsync(roomId, setup.AccessToken));

        // Signed in on the device the event recorded, the same bare flush delivers it, once.
        var again = await CliRunner.RunAsync(["login", "--homeserver", url, "--user", h.Hs.BotId, "--device-id", "OLDHOST", "--output", "json"], new Dictionary<string, string?>(env) { ["MATRIX_PASSWORD"] = TestHomeserver.BotPassword });
        Assert.True(again.ExitCode == 0, again.ToString());
        var delivered = await CliRunner.RunAsync(["outbox", "flush", "--output", "json"], env);
        Assert.True(delivered.ExitCode == 0, delivered.ToString());
        Assert.Equal("from the old host", Assert.Single(await h.MessagesAsync(roomId, setup.AccessToken))["content"]!["body"]!.GetValue<string>());
    }

    private static JsonNode FirstLine(string stdout) => JsonNode.Parse(stdout.Split('\n')[0])!;
}
