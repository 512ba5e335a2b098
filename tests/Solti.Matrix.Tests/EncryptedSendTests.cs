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

    private static Task<LibraryHarness> StartAsync(bool synapse167 = false) => LibraryHarness.StartAsync(o => o with
    {
        SeedUsers = [.. o.SeedUsers, new SeedUser("alice", AlicePassword, false)],
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
}
