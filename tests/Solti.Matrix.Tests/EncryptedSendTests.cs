using System.Text.Json.Nodes;
using Solti.Matrix.Encryption;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Testing;
using Solti.Matrix.Tests.Support;

namespace Solti.Matrix.Tests;

/// <summary>What our bot sends into an encrypted room is judged by an independent client (matrix-js-sdk with its Rust
/// crypto, <see cref="JsPeer"/>), never by our own code: it decrypts it and attributes it to the bot's device and keys;
/// the homeserver never holds the plaintext; a room that is not encrypted gets plaintext, unless encryption is required.
/// docs/encryption.md.</summary>
[Trait("tier", "integration")]
public sealed class EncryptedSendTests
{
    private const string AlicePassword = "alice-pass";
    private const string CarolPassword = "carol-pass";

    private static Task<LibraryHarness> StartAsync(bool synapse167 = false) => LibraryHarness.StartAsync(o => o with
    {
        SeedUsers = [.. o.SeedUsers, new SeedUser("alice", AlicePassword, false), new SeedUser("carol", CarolPassword, false)],
        Compatibility = synapse167 ? Compatibility.Synapse167 : o.Compatibility,
    });

    private static JsonObject Text(string body) => new() { ["msgtype"] = "m.text", ["body"] = body };

    /// <summary>Alice (js-sdk) makes an encrypted room and invites the bot, which joins.</summary>
    private static async Task<(JsPeer Alice, PeerLogin Login, string RoomId)> EncryptedRoomAsync(LibraryHarness h, MatrixClient bot)
    {
        var alice = await JsPeer.StartAsync("alice");
        var login = await alice.LoginAsync(h.Hs.Server.BaseAddress, "alice", AlicePassword, "ALICEJS", waitSync: true);
        var roomId = await alice.CreateRoomAsync(encrypted: true, invite: [h.Hs.BotId], name: "ops");
        await bot.JoinAsync(roomId);
        await alice.WaitRoomAsync(roomId, "join");
        return (alice, login, roomId);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_event_the_bot_sends_into_an_encrypted_room_is_decrypted_by_js_sdk_as_from_the_bots_device_and_the_server_never_sees_it(bool synapse167)
    {
        await using var h = await StartAsync(synapse167);
        using var bot = h.Bot(deviceId: "BOTCRYPT01");
        var (alice, _, roomId) = await EncryptedRoomAsync(h, bot);
        await using var _ = alice;

        var first = await bot.SendEventAsync(roomId, "m.room.message", Text("deploy of web-01 finished"));
        var second = await bot.SendEventAsync(roomId, "m.room.message", Text("verification passed on web-01"));

        Assert.True(first.Encrypted && second.Encrypted);
        Assert.Empty(first.WithheldDevices);
        var messages = await alice.WaitMessagesAsync(roomId, count: 2, sender: h.Hs.BotId);
        Assert.Equal([first.EventId, second.EventId], messages.Select(m => m.EventId));
        Assert.Equal(["deploy of web-01 finished", "verification passed on web-01"], messages.Select(m => m.Body));
        Assert.All(messages, m => Assert.Equal(("m.room.encrypted", "m.megolm.v1.aes-sha2", (string?)null), (m.WireType, m.Algorithm, m.DecryptionError)));
        Assert.Equal(messages[0].SessionId, messages[1].SessionId); // one room key, shared once

        // js-sdk attributes both to the bot's device, with the keys the server lists for it.
        var devices = await alice.DeviceInfoAsync(h.Hs.BotId);
        var device = Assert.Single(devices["devices"]!.AsArray(), d => JsPeer.Str(d, "device_id") == "BOTCRYPT01")!;
        Assert.All(messages, m => Assert.Equal(("BOTCRYPT01", JsPeer.Str(device, "curve25519"), JsPeer.Str(device, "ed25519")), (m.SenderDevice, m.SenderKey, m.ClaimedEd25519Key)));

        // What the server stored is ciphertext only.
        var stored = await h.Raw.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/messages?dir=b&limit=50", (await h.Hs.LoginBotAsync("READER")).AccessToken);
        var events = stored.Object["chunk"]!.AsArray();
        Assert.Contains(events, e => JsPeer.Str(e, "event_id") == first.EventId && JsPeer.Str(e, "type") == "m.room.encrypted");
        Assert.DoesNotContain("web-01", stored.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_thread_reply_in_an_encrypted_room_keeps_its_relation_in_the_clear_and_js_sdk_decrypts_it()
    {
        await using var h = await StartAsync(false);
        using var bot = h.Bot(deviceId: "BOTCRYPT01");
        var (alice, _, roomId) = await EncryptedRoomAsync(h, bot);
        await using var _ = alice;
        using var state = new TempDirectory("solti-conv-");
        Outbox.OutboxStore Open() => new(Path.Combine(state, "outbox.db"));
        var links = new Outbox.ConversationLinks(Sending.Conversation.Correlation("deploy-7"));

        var root = await Outbox.SpooledSend.SendAsync(bot, Open, roomId, "m.room.message", Text("deploy 7 started"), null, "never", default, links: links);
        var reply = await Outbox.SpooledSend.SendAsync(bot, Open, roomId, "m.room.message", Text("deploy 7 finished"), null, "never", default, links: links);

        var messages = await alice.WaitMessagesAsync(roomId, count: 2, sender: h.Hs.BotId);
        Assert.Equal(["deploy 7 started", "deploy 7 finished"], messages.Select(m => m.Body));
        Assert.All(messages, m => Assert.Equal(("m.room.encrypted", (string?)null), (m.WireType, m.DecryptionError)));
        var rootId = root["event_id"]!.GetValue<string>();
        var stored = await h.Raw.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/event/{MatrixTestClient.Enc(reply["event_id"]!.GetValue<string>())}", (await h.Hs.LoginBotAsync("READER")).AccessToken);
        Assert.Equal("m.room.encrypted", stored.Object["type"]!.GetValue<string>());
        var relation = stored.Object["content"]!["m.relates_to"]!;
        Assert.Equal(("m.thread", rootId), (relation["rel_type"]!.GetValue<string>(), relation["event_id"]!.GetValue<string>()));
        Assert.DoesNotContain("finished", stored.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Twenty_concurrent_sends_of_one_device_each_use_their_own_megolm_index_and_all_decrypt()
    {
        await using var h = await StartAsync();
        using var bot = h.Bot(deviceId: "BOTCRYPT02");
        var (alice, _, roomId) = await EncryptedRoomAsync(h, bot);
        await using var _ = alice;

        // Twenty clients of the same device, as twenty tasks' processes would be: they take turns on the device's store.
        var clients = Enumerable.Range(0, 20).Select(_ => h.Bot(deviceId: "BOTCRYPT02")).ToList();
        var sent = await Task.WhenAll(clients.Select((c, i) => c.SendEventAsync(roomId, "m.room.message", Text($"event {i}"))));
        clients.ForEach(c => c.Dispose());

        Assert.All(sent, s => Assert.True(s.Encrypted));
        var messages = await alice.WaitMessagesAsync(roomId, count: 20, sender: h.Hs.BotId);
        Assert.Equal(20, messages.Count);
        Assert.All(messages, m => Assert.Null(m.DecryptionError));
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"event {i}").Order(), messages.Select(m => m.Body!).Order());
        Assert.Single(messages.Select(m => m.SessionId).Distinct());
    }

    [Fact]
    public async Task A_room_that_is_not_encrypted_gets_plaintext_unless_encryption_is_required()
    {
        await using var h = await StartAsync();
        using var bot = h.Bot(deviceId: "BOTCRYPT03");
        var setup = (await h.Hs.LoginBotAsync("SETUP")).AccessToken;
        var (roomId, _) = await h.BotRoomAsync(setup, "plain");

        var plain = await bot.SendEventAsync(roomId, "m.room.message", Text("in the clear"));
        var refused = await Assert.ThrowsAsync<EncryptionException>(() => bot.SendEventAsync(roomId, "m.room.message", Text("must be secret"), null, false, EncryptionMode.Required));

        Assert.False(plain.Encrypted);
        Assert.Contains("is not encrypted, and encryption: required was asked: nothing was sent", refused.Message, StringComparison.Ordinal);
        var messages = await h.MessagesAsync(roomId, setup);
        Assert.Contains(messages, m => m["content"]?["body"]?.GetValue<string>() == "in the clear");
        Assert.DoesNotContain(messages, m => m["content"]?["body"]?.GetValue<string>() == "must be secret");
    }

    [Fact]
    public async Task A_member_who_left_gets_no_key_for_what_is_sent_after_and_one_who_joins_reads_what_is_sent_once_they_are_in()
    {
        await using var h = await StartAsync();
        using var bot = h.Bot(deviceId: "BOTCRYPT04");
        var (alice, _, roomId) = await EncryptedRoomAsync(h, bot);
        await using var _ = alice;
        await using var carol = await JsPeer.StartAsync("carol");
        await carol.LoginAsync(h.Hs.Server.BaseAddress, "carol", CarolPassword, "CAROLJS", waitSync: true);
        await alice.InviteAsync(roomId, "@carol:" + h.Hs.ServerName);
        await carol.WaitRoomAsync(roomId, "invite");
        await carol.JoinAsync(roomId);
        await alice.WaitRoomAsync(roomId, "join");

        var withCarol = await bot.SendEventAsync(roomId, "m.room.message", Text("carol is in"));
        var first = Assert.Single(await carol.WaitMessagesAsync(roomId, sender: h.Hs.BotId));
        Assert.Equal(("carol is in", (string?)null), (first.Body, first.DecryptionError));

        await carol.LeaveAsync(roomId);
        await carol.WaitRoomAsync(roomId, "leave");
        var afterLeaving = await bot.SendEventAsync(roomId, "m.room.message", Text("carol has left"));
        var seenByAlice = await alice.WaitMessagesAsync(roomId, count: 2, sender: h.Hs.BotId);
        Assert.Equal(["carol is in", "carol has left"], seenByAlice.Select(m => m.Body));
        Assert.NotEqual(seenByAlice[0].SessionId, seenByAlice[1].SessionId); // rotated: carol's device may no longer read

        // Carol comes back: the history shows her what was sent while she was away, but she has no key for it.
        await alice.InviteAsync(roomId, "@carol:" + h.Hs.ServerName);
        await carol.WaitRoomAsync(roomId, "invite");
        await carol.JoinAsync(roomId);
        var whileAway = await carol.WaitMessagesAsync(roomId, count: 2, settled: true, sender: h.Hs.BotId);
        var missed = Assert.Single(whileAway, m => m.EventId == afterLeaving.EventId);
        Assert.NotNull(missed.DecryptionError);
        Assert.Null(missed.Content);

        // What is sent once she is back, she reads.
        var back = await bot.SendEventAsync(roomId, "m.room.message", Text("welcome back carol"));
        var all = await carol.WaitMessagesAsync(roomId, count: 2, sender: h.Hs.BotId);
        Assert.Contains(all, m => m.EventId == back.EventId && m.Body == "welcome back carol");
        Assert.Equal(withCarol.RoomId, back.RoomId);
    }

    [Fact]
    public async Task A_device_whose_self_signature_fails_gets_no_key_is_told_why_and_the_send_goes_on()
    {
        await using var h = await StartAsync();
        using var bot = h.Bot(deviceId: "BOTCRYPT05");
        var (alice, login, roomId) = await EncryptedRoomAsync(h, bot);
        await using var _ = alice;

        // A second device of Alice's whose keys carry a signature that is not its own.
        var forged = await h.Raw.LoginAsync("alice", AlicePassword, "FORGED01");
        var keys = new JsonObject
        {
            ["user_id"] = login.UserId,
            ["device_id"] = "FORGED01",
            ["algorithms"] = new JsonArray("m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"),
            ["keys"] = new JsonObject { ["curve25519:FORGED01"] = login.Curve25519, ["ed25519:FORGED01"] = login.Ed25519 },
            ["signatures"] = new JsonObject { [login.UserId] = new JsonObject { ["ed25519:FORGED01"] = new string('A', 86) } },
        };
        Assert.Equal(200, (await h.Raw.PostAsync("/_matrix/client/v3/keys/upload", new JsonObject { ["device_keys"] = keys }, forged.AccessToken)).Code);

        var sent = await bot.SendEventAsync(roomId, "m.room.message", Text("only for verified devices"));

        Assert.True(sent.Encrypted);
        var withheld = Assert.Single(sent.WithheldDevices);
        Assert.StartsWith($"{login.UserId} FORGED01 (m.unverified: its device keys do not verify", withheld, StringComparison.Ordinal);
        var message = Assert.Single(await alice.WaitMessagesAsync(roomId, sender: h.Hs.BotId));
        Assert.Equal("only for verified devices", message.Body);

        // Told once: the next send under the same session still withholds it, without telling it again.
        await h.ResetCountersAsync();
        var next = await bot.SendEventAsync(roomId, "m.room.message", Text("still only for verified devices"));
        Assert.Single(next.WithheldDevices);
        Assert.Equal(0, await h.CounterAsync("sendToDevice"));
    }

    [Fact]
    public async Task A_queued_event_is_encrypted_at_delivery_and_one_queued_as_required_never_goes_into_a_plain_room()
    {
        await using var h = await StartAsync();
        using var bot = h.Bot(deviceId: "BOTCRYPT06");
        var (alice, _, roomId) = await EncryptedRoomAsync(h, bot);
        await using var _ = alice;
        var setup = (await h.Hs.LoginBotAsync("SETUP")).AccessToken;
        var (plainRoom, _) = await h.BotRoomAsync(setup, "plain-outbox");
        var outbox = Path.Combine(h.CacheDir, "..", "outbox-" + Guid.NewGuid().ToString("N") + ".db");

        var queued = await Outbox.SpooledSend.SendAsync(bot, () => new Outbox.OutboxStore(outbox), roomId, "m.room.message", Text("queued for later"), null, "always", CancellationToken.None, EncryptionMode.Required);
        var refused = await Outbox.SpooledSend.SendAsync(bot, () => new Outbox.OutboxStore(outbox), plainRoom, "m.room.message", Text("must stay secret"), null, "always", CancellationToken.None, EncryptionMode.Required);
        Assert.True(queued["queued"]!.GetValue<bool>() && refused["queued"]!.GetValue<bool>());
        Assert.Contains("queued for later", System.Text.Encoding.UTF8.GetString(await File.ReadAllBytesAsync(outbox)), StringComparison.Ordinal); // the outbox keeps plaintext (private)
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(outbox));

        using (var store = new Outbox.OutboxStore(outbox))
        {
            var (delivered, _, _) = await new Outbox.OutboxDelivery(store, bot).DeliverPendingAsync(CancellationToken.None);
            Assert.Equal(1, delivered);
            var stats = store.Stats(h.Hs.Server.BaseAddress.ToString());
            Assert.Equal((0L, 1L, 1L), (stats.Pending, stats.Delivered, stats.Dead));
        }

        var message = Assert.Single(await alice.WaitMessagesAsync(roomId, sender: h.Hs.BotId));
        Assert.Equal(("queued for later", "BOTCRYPT06"), (message.Body, message.SenderDevice));
        Assert.DoesNotContain(await h.MessagesAsync(plainRoom, setup), m => m["content"]?["body"]?.GetValue<string>() == "must stay secret");
    }
}
