using System.Text.Json.Nodes;
using Solti.Matrix.Crypto;
using Solti.Matrix.Events;
using Solti.Matrix.Testing;
using Solti.Matrix.Tests.Support;

namespace Solti.Matrix.Tests;

/// <summary>The reading side of encrypted rooms (docs/encryption.md, "Reading encrypted rooms"): <c>solti-matrix events
/// follow</c> and <c>events tail</c> as processes, with the bot's device receiving its room keys over Olm from its
/// own sync step. The sender is alice, matrix-js-sdk with its Rust crypto (<see cref="JsPeer"/>), or our own sender on
/// another host; what the CLI prints is checked against what was sent.</summary>
[Trait("tier", "integration")]
public sealed class EncryptedReadingTests
{
    private static readonly SchemaRegistry Schemas = SchemaRegistry.Load();

    /// <summary>A homeserver with alice (js-sdk) and the bot, joined to alice's encrypted room; the bot's state directory
    /// and the CLI environment with its token.</summary>
    private sealed class World : IAsyncDisposable
    {
        private World(LibraryHarness h, Session bot, JsPeer alice, string roomId, TempDirectory state) =>
            (H, Bot, Alice, RoomId, State, Env) = (h, bot, alice, roomId, state, h.CliEnvironment(bot.AccessToken, state));

        public LibraryHarness H { get; }

        public Session Bot { get; }

        public JsPeer Alice { get; }

        public string RoomId { get; }

        public TempDirectory State { get; }

        public Dictionary<string, string?> Env { get; }

        public string Position => Path.Combine(State, "positions", "room.json");

        public static async Task<World> StartAsync(string botDevice)
        {
            var h = await LibraryHarness.StartAsync(E2eeJudge.WithAlice);
            var bot = await h.Hs.LoginBotAsync(botDevice);
            var alice = await E2eeJudge.AliceAsync(h.Hs.Server.BaseAddress);
            var roomId = await alice.CreateRoomAsync(encrypted: true, invite: [h.Hs.BotId], name: "ops");
            var joined = await h.Raw.PostAsync("/_matrix/client/v3/join/" + MatrixTestClient.Enc(roomId), null, bot.AccessToken);
            Assert.True(joined.Code == 200, joined.ToString());
            return new World(h, bot, alice, roomId, new TempDirectory("solti-e2ee-read-"));
        }

        public Task<ProcessResult> CliAsync(params string[] args) => CliRunner.RunAsync(args, Env);

        /// <summary>The bot's device gets its keys (a first <c>events tail</c>: its sync step uploads them), and alice's
        /// client lists them before she sends.</summary>
        public async Task BotDeviceReadyAsync()
        {
            var tail = await CliAsync("events", "tail", RoomId, "--output", "json");
            Assert.True(tail.ExitCode == 0, tail.ToString());
            Assert.Equal("", tail.Stdout.Trim());
            var devices = await Alice.DeviceInfoAsync(H.Hs.BotId);
            Assert.Contains(devices["devices"]!.AsArray(), d => JsPeer.Str(d, "device_id") == Bot.DeviceId);
        }

        /// <summary>Alice sends a SOLTI event (as <c>event send</c> builds it) for <paramref name="service"/>; its event id.</summary>
        public Task<string> AliceSendsAsync(string service) =>
            Alice.SendContentAsync(RoomId, SoltiEvent.Build(Schemas, "deploy.start.v1", new JsonObject { ["service"] = service, ["host"] = "web1", ["playbook"] = "site.yml", ["operator"] = "ci" }, "ci"));

        /// <summary><c>events follow</c> from the room's start, with the bot's position file, until <paramref name="count"/> lines.</summary>
        public async Task<List<JsonObject>> FollowAsync(int count)
        {
            var run = await CliAsync("events", "follow", RoomId, "--position-file", Position, "--since", "1h", "--poll", "0.05", "--output", "json", "--count", count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(run.ExitCode == 0, run.ToString());
            return Lines(run.Stdout);
        }

        public Task HoldAsync(bool hold) => H.Raw.PostAsync("/_solti/testing/v1/to_device_hold", new JsonObject { ["user_id"] = H.Hs.BotId, ["device_id"] = Bot.DeviceId, ["hold"] = hold }, H.Admin.AccessToken);

        public async ValueTask DisposeAsync()
        {
            await Alice.DisposeAsync();
            await H.DisposeAsync();
            State.Dispose();
        }
    }

    private static List<JsonObject> Lines(string stdout) =>
        [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject())];

    /// <summary>The ids a follow position keeps waiting for their key.</summary>
    private static List<string> Pending(string position) =>
        [.. (JsonNode.Parse(File.ReadAllText(position))!["pending"]?.AsArray() ?? []).Select(p => p!.GetValue<string>())];

    private static string Str(JsonNode? node, string name) => node?[name]?.GetValue<string>() ?? "";

    [Fact]
    public async Task Follow_prints_the_events_js_sdk_encrypted_decrypted_in_order_once_across_a_restart_and_a_kill()
    {
        await using var w = await World.StartAsync("READER");
        await w.BotDeviceReadyAsync();
        var sent = new List<string>();
        foreach (var service in new[] { "a", "b", "c" })
        {
            sent.Add(await w.AliceSendsAsync(service));
        }

        var first = await w.FollowAsync(2);
        var second = await w.FollowAsync(1);

        // Killed mid-stream (SIGKILL, once its position holds the last line it printed) and started again.
        await using (var killed = FollowerProcess.Start(["events", "follow", w.RoomId, "--position-file", w.Position, "--poll", "0.05", "--output", "json"], w.Env))
        {
            sent.Add(await w.AliceSendsAsync("d"));
            sent.Add(await w.AliceSendsAsync("e"));
            second.AddRange(await killed.ReadLinesAsync(2));
            await killed.KillOnceSavedAsync(w.H, w.Bot.AccessToken, w.Position, sent[^1]);
        }

        sent.Add(await w.AliceSendsAsync("f"));
        second.AddRange(await w.FollowAsync(1));

        var lines = first.Concat(second).ToList();
        Assert.Equal(sent, lines.Select(l => Str(l, "event_id")));
        Assert.Equal(["a", "b", "c", "d", "e", "f"], lines.Select(l => Str(l["data"], "service")));
        Assert.All(lines, l => Assert.Equal(
            (true, "ALICEJS", "not_signed_by_owner", "@alice:" + w.H.Hs.ServerName, "deploy.start.v1"),
            (l["encrypted"]!.GetValue<bool>(), Str(l, "sender_device"), Str(l, "trust"), Str(l, "sender"), Str(l, "schema"))));
        Assert.DoesNotContain(lines, l => l.ContainsKey("undecryptable"));
        var store = Assert.Single(Directory.GetFiles(Path.Combine(w.State, "solti-matrix"), "crypto_*.db"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store));
    }

    [Fact]
    public async Task A_key_that_arrives_after_its_event_is_reported_undecryptable_then_printed_again_decrypted_later_across_a_restart()
    {
        await using var w = await World.StartAsync("LATEKEY");
        await w.BotDeviceReadyAsync();
        await w.HoldAsync(true);
        var eventId = await w.AliceSendsAsync("late");

        var before = Assert.Single(await w.FollowAsync(1));
        Assert.Equal((eventId, true, "no_key", "@alice:" + w.H.Hs.ServerName), (Str(before, "event_id"), before["undecryptable"]!.GetValue<bool>(), Str(before, "reason"), Str(before, "sender")));
        Assert.False(before.ContainsKey("data"));
        Assert.Equal([eventId], Pending(w.Position)); // kept in the position, for the next run

        await w.HoldAsync(false);
        var after = Assert.Single(await w.FollowAsync(1));

        Assert.Equal((eventId, true, "late", true), (Str(after, "event_id"), after["decrypted_later"]!.GetValue<bool>(), Str(after["data"], "service"), after["encrypted"]!.GetValue<bool>()));
        Assert.Empty(Pending(w.Position));
        var next = await w.AliceSendsAsync("next");
        var last = Assert.Single(await w.FollowAsync(1)); // exactly once: the late event is not printed a third time
        Assert.Equal((next, "next"), (Str(last, "event_id"), Str(last["data"], "service")));
    }

    [Fact]
    public async Task Two_readers_of_the_same_device_share_its_keys_and_both_print_every_event_decrypted()
    {
        await using var w = await World.StartAsync("SHARED");
        await w.BotDeviceReadyAsync();
        string[] Follow(string name) => ["events", "follow", w.RoomId, "--position-file", Path.Combine(w.State, "positions", name), "--poll", "0.05", "--output", "json"];
        await using var first = FollowerProcess.Start(Follow("first.json"), w.Env);
        await using var second = FollowerProcess.Start(Follow("second.json"), w.Env);
        await first.WaitForPositionAsync(Path.Combine(w.State, "positions", "first.json"));
        await second.WaitForPositionAsync(Path.Combine(w.State, "positions", "second.json"));

        var sent = new List<string> { await w.AliceSendsAsync("x"), await w.AliceSendsAsync("y") };

        foreach (var reader in new[] { first, second })
        {
            var lines = await reader.ReadLinesAsync(2); // one sync step at a time per device; the other reads what it stored
            Assert.Equal(sent, lines.Select(l => Str(l, "event_id")));
            Assert.All(lines, l => Assert.True(l["encrypted"]!.GetValue<bool>() && !l.ContainsKey("undecryptable"), l.ToJsonString()));
        }
    }

    [Fact]
    public async Task A_device_reads_back_what_it_sent_itself()
    {
        await using var w = await World.StartAsync("SELF");
        await w.BotDeviceReadyAsync();

        var sent = await w.CliAsync("event", "send", w.RoomId, "-s", "deploy.start.v1", "-d", new JsonObject { ["service"] = "own", ["host"] = "web1", ["playbook"] = "site.yml", ["operator"] = "ci" }.ToJsonString(), "--source", "self", "--encryption", "required", "--output", "json");
        Assert.True(sent.ExitCode == 0, sent.ToString());

        var line = Assert.Single(await w.FollowAsync(1));
        Assert.Equal((JsonNode.Parse(sent.Stdout)!["event_id"]!.GetValue<string>(), "own", true, "SELF"),
            (Str(line, "event_id"), Str(line["data"], "service"), line["encrypted"]!.GetValue<bool>(), Str(line, "sender_device")));
    }

    [Fact]
    public async Task A_message_no_session_decrypts_is_answered_with_m_dummy_over_a_new_session_once()
    {
        await using var w = await World.StartAsync("WEDGED");
        await w.BotDeviceReadyAsync();
        var h = w.H;

        // Eve, a device of @admin made with our crypto core, whose Olm session with the bot is one the bot never had: its
        // message (a normal one, not a pre-key message) decrypts with no session of the bot's.
        var eve = await h.Hs.LoginAdminAsync("EVE");
        var account = OlmAccount.Create();
        account.GenerateOneTimeKeys(5);
        var upload = await h.Raw.PostAsync("/_matrix/client/v3/keys/upload", new JsonObject
        {
            ["device_keys"] = account.DeviceKeysForUpload(eve.UserId, "EVE"),
            ["one_time_keys"] = account.OneTimeKeysForUpload(eve.UserId, "EVE"),
        }, eve.AccessToken);
        Assert.True(upload.Code == 200, upload.ToString());
        account.MarkKeysAsPublished();
        var stranger = OlmAccount.Create();
        stranger.GenerateOneTimeKeys(1);
        var strangerKey = stranger.OneTimeKeysForUpload("@stranger:example", "X").Single().Value!["key"]!.GetValue<string>();
        var session = account.CreateOutboundSession(stranger.Curve25519Key, strangerKey);
        var answer = stranger.CreateInboundSession(session.Encrypt("hello")).Session.Encrypt("hello back");
        session.Decrypt(answer); // from now on the session sends normal messages
        var wedged = session.Encrypt("{}");
        Assert.Equal(OlmMessageType.Normal, wedged.Type);
        var botKeys = await h.Raw.PostAsync("/_matrix/client/v3/keys/query", new JsonObject { ["device_keys"] = new JsonObject { [h.Hs.BotId] = new JsonArray() } }, eve.AccessToken);
        var botCurve = botKeys.Object["device_keys"]![h.Hs.BotId]![w.Bot.DeviceId]!["keys"]!["curve25519:" + w.Bot.DeviceId]!.GetValue<string>();
        var botEd = botKeys.Object["device_keys"]![h.Hs.BotId]![w.Bot.DeviceId]!["keys"]!["ed25519:" + w.Bot.DeviceId]!.GetValue<string>();
        var sent = await h.Raw.PutAsync("/_matrix/client/v3/sendToDevice/m.room.encrypted/wedged1", new JsonObject
        {
            ["messages"] = new JsonObject { [h.Hs.BotId] = new JsonObject { [w.Bot.DeviceId] = EncryptedContent.ToDevice(account.Curve25519Key, botCurve, wedged) } },
        }, eve.AccessToken);
        Assert.True(sent.Code == 200, sent.ToString());

        var tail = await w.CliAsync("events", "tail", w.RoomId, "--output", "json"); // the bot's sync step
        Assert.True(tail.ExitCode == 0, tail.ToString());
        var again = await h.Raw.PutAsync("/_matrix/client/v3/sendToDevice/m.room.encrypted/wedged2", new JsonObject
        {
            ["messages"] = new JsonObject { [h.Hs.BotId] = new JsonObject { [w.Bot.DeviceId] = EncryptedContent.ToDevice(account.Curve25519Key, botCurve, session.Encrypt("{}")) } },
        }, eve.AccessToken);
        Assert.True(again.Code == 200, again.ToString());
        Assert.True((await w.CliAsync("events", "tail", w.RoomId, "--output", "json")).ExitCode == 0); // wedged again, within the hour: no second m.dummy

        var sync = await h.Raw.GetAsync("/_matrix/client/v3/sync?timeout=0", eve.AccessToken);
        var fromBot = sync.Object["to_device"]!["events"]!.AsArray().Where(e => Str(e, "sender") == h.Hs.BotId).ToList();
        var dummy = Assert.Single(fromBot);
        Assert.Equal("m.room.encrypted", Str(dummy, "type"));
        var (senderKey, message) = EncryptedContent.ReadToDevice(dummy!["content"]!.AsObject(), account.Curve25519Key);
        Assert.Equal((botCurve, OlmMessageType.PreKey), (senderKey, message.Type)); // a new session
        var opened = account.CreateInboundSession(message, botCurve);
        var payload = EncryptedContent.ReadOlmPlaintext(opened.Plaintext, new OlmParties(h.Hs.BotId, w.Bot.DeviceId, botEd, eve.UserId, account.Ed25519Key));
        Assert.Equal("m.dummy", Str(payload, "type"));
    }

    [Fact]
    public async Task A_key_withheld_by_the_sender_is_reported_with_its_code()
    {
        await using var w = await World.StartAsync("WITHHELD");
        await w.BotDeviceReadyAsync();
        await w.Alice.BlacklistUnverifiedAsync();
        var eventId = await w.AliceSendsAsync("secret");

        var line = Assert.Single(await w.FollowAsync(1));

        Assert.Equal((eventId, "withheld", "m.unverified"), (Str(line, "event_id"), Str(line, "reason"), Str(line, "withheld_code")));
        Assert.True(line["undecryptable"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Two_hundred_one_time_keys_claimed_by_others_are_replenished_by_the_sync_steps_with_a_new_fallback_key()
    {
        await using var w = await World.StartAsync("REFILL");
        await w.BotDeviceReadyAsync();
        var h = w.H;
        var claimed = new HashSet<string>(StringComparer.Ordinal);
        for (var round = 0; round < 4; round++) // 4 × 50: every one-time key on the server each round, then the fallback key
        {
            Assert.Equal(50, await OneTimeKeysAsync(h, w.Bot));
            for (var i = 0; i < 52; i++)
            {
                var claim = await h.Raw.PostAsync("/_matrix/client/v3/keys/claim", new JsonObject { ["one_time_keys"] = new JsonObject { [h.Hs.BotId] = new JsonObject { [w.Bot.DeviceId] = "signed_curve25519" } } }, h.Admin.AccessToken);
                Assert.True(claim.Code == 200, claim.ToString());
                var key = Assert.Single(claim.Object["one_time_keys"]![h.Hs.BotId]![w.Bot.DeviceId]!.AsObject());
                if (key.Value!["fallback"] is null)
                {
                    Assert.True(claimed.Add(key.Key), $"one-time key {key.Key} handed out twice");
                }
            }

            Assert.Equal(0, await OneTimeKeysAsync(h, w.Bot));
            Assert.DoesNotContain("signed_curve25519", await UnusedFallbackAsync(h, w.Bot));

            var tail = await w.CliAsync("events", "tail", w.RoomId, "--output", "json");

            Assert.True(tail.ExitCode == 0, tail.ToString());
            Assert.Contains("signed_curve25519", await UnusedFallbackAsync(h, w.Bot));
        }

        Assert.Equal(200, claimed.Count);
        Assert.Equal(50, await OneTimeKeysAsync(h, w.Bot));
    }

    [Fact]
    public async Task The_same_bot_on_a_second_host_reads_what_the_first_host_sends_encrypted_signed_by_the_bots_identity()
    {
        await using var w = await World.StartAsync("HOST1");
        var h = w.H;
        var host2 = await h.Hs.LoginBotAsync("HOST2");
        using var state2 = new TempDirectory("solti-e2ee-host2-");
        var env2 = h.CliEnvironment(host2.AccessToken, state2);
        var ready = await CliRunner.RunAsync(["events", "tail", w.RoomId, "--output", "json"], env2); // D2 has keys before D1 sends
        Assert.True(ready.ExitCode == 0, ready.ToString());

        // The bot's identity, made on host 1, which signs its own device on its first encrypted send given the key.
        var bootstrap = await w.CliAsync("crypto", "bootstrap", "--output", "json");
        Assert.True(bootstrap.ExitCode == 0, bootstrap.ToString());
        w.Env["SOLTI_MATRIX_RECOVERY_KEY"] = Str(JsonNode.Parse(bootstrap.Stdout), "recovery_key");

        var sent = await w.CliAsync("event", "send", w.RoomId, "-s", "deploy.start.v1", "-d", new JsonObject { ["service"] = "api", ["host"] = "web2", ["playbook"] = "site.yml", ["operator"] = "ci" }.ToJsonString(), "--source", "host1", "--encryption", "required", "--output", "json");
        Assert.True(sent.ExitCode == 0, sent.ToString());
        var follow = await CliRunner.RunAsync(["events", "follow", w.RoomId, "--since", "1h", "--poll", "0.05", "--output", "json", "--count", "1"], env2);

        Assert.True(follow.ExitCode == 0, follow.ToString());
        var line = Assert.Single(Lines(follow.Stdout));
        Assert.Equal((JsonNode.Parse(sent.Stdout)!["event_id"]!.GetValue<string>(), "api", "host1", true, "HOST1", h.Hs.BotId, "signed_by_owner"),
            (Str(line, "event_id"), Str(line["data"], "service"), Str(line, "source"), line["encrypted"]!.GetValue<bool>(), Str(line, "sender_device"), Str(line, "sender"), Str(line, "trust")));
        Assert.DoesNotContain(host2.AccessToken, follow.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_encrypted_room_without_a_credential_cache_is_refused_not_printed_as_nothing()
    {
        await using var w = await World.StartAsync("NOCACHE");

        var tail = await w.CliAsync("events", "tail", w.RoomId, "--no-cache", "--output", "json");

        Assert.NotEqual(0, tail.ExitCode);
        var failure = JsonNode.Parse(tail.Stdout)!; // the failure, and nothing else
        Assert.True(failure["failed"]!.GetValue<bool>(), tail.ToString());
        Assert.Contains("--no-cache", Str(failure, "msg"), StringComparison.Ordinal);
    }

    /// <summary>The bot device's one-time keys on the server (an empty <c>/keys/upload</c> answers the count).</summary>
    private static async Task<long> OneTimeKeysAsync(LibraryHarness h, Session bot)
    {
        var reply = await h.Raw.PostAsync("/_matrix/client/v3/keys/upload", new JsonObject(), bot.AccessToken);
        Assert.True(reply.Code == 200, reply.ToString());
        return reply.Object["one_time_key_counts"]?["signed_curve25519"]?.GetValue<long>() ?? 0;
    }

    /// <summary>The bot device's unused fallback key types, from a sync that asks nothing else (it has no to-device
    /// message waiting here). Each with its own filter: the server answers the same request again from its response
    /// cache for a while, as Synapse does.</summary>
    private static async Task<List<string>> UnusedFallbackAsync(LibraryHarness h, Session bot)
    {
        var filter = new JsonObject { ["room"] = new JsonObject { ["rooms"] = new JsonArray() }, ["account_data"] = new JsonObject { ["types"] = new JsonArray("test." + Guid.NewGuid().ToString("N")) } };
        var reply = await h.Raw.GetAsync("/_matrix/client/v3/sync?timeout=0&filter=" + Uri.EscapeDataString(filter.ToJsonString()), bot.AccessToken);
        Assert.True(reply.Code == 200, reply.ToString());
        return [.. reply.Object["device_unused_fallback_key_types"]!.AsArray().Select(t => t!.GetValue<string>())];
    }
}
