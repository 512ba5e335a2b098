using System.Text.Json.Nodes;
using Solti.Matrix.Homeserver.Configuration;
using Xunit;

namespace Solti.Matrix.Testing;

/// <summary>What every path that sends into an encrypted room is held to, judged by an independent client (the js-sdk
/// peer, <see cref="JsPeer"/>) and by the homeserver's raw store, never by our own crypto: the peer decrypts each event
/// and its crypto attributes it to the sending device with the keys the peer itself downloaded for it; the homeserver
/// keeps ciphertext only. docs/encryption.md, "The independent client".</summary>
public static class E2eeJudge
{
    /// <summary>The room algorithm our bot encrypts with.</summary>
    public const string Megolm = "m.megolm.v1.aes-sha2";

    /// <summary>The password of alice, the user the judge logs in as (<see cref="WithAlice"/>).</summary>
    public const string AlicePassword = "alice-pass";

    /// <summary>The homeserver's options with alice seeded (an ordinary user).</summary>
    public static HomeserverOptions WithAlice(HomeserverOptions options) => options with { SeedUsers = [.. options.SeedUsers, new SeedUser("alice", AlicePassword, false)] };

    /// <summary>The judge: a js-sdk peer logged in as alice (device <c>ALICEJS</c>), synced once.</summary>
    public static async Task<JsPeer> AliceAsync(Uri homeserver)
    {
        var alice = await JsPeer.StartAsync("alice");
        await alice.LoginAsync(homeserver, "alice", AlicePassword, "ALICEJS", waitSync: true);
        return alice;
    }

    /// <summary>How long the peer may take to receive and decrypt what was sent (a bound against a hang, not a pace).</summary>
    public static readonly TimeSpan DecryptTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Waits until the peer has decrypted <paramref name="count"/> events of <paramref name="sender"/> in the
    /// room, then asserts of every event of that sender there: it came as <c>m.room.encrypted</c> with Megolm, decrypted
    /// without a failure, and js-sdk's crypto attributes its room key to <paramref name="deviceId"/> with the Curve25519
    /// key (<c>SenderKey</c>) and the Ed25519 key that the peer's own <c>/keys/query</c> (<c>device_info</c>) shows for
    /// that device. The events, in timeline order.</summary>
    public static async Task<IReadOnlyList<PeerMessage>> DecryptedFromAsync(JsPeer peer, string roomId, string sender, string deviceId, int count)
    {
        var messages = await peer.WaitMessagesAsync(roomId, count, sender: sender, timeout: DecryptTimeout);
        var devices = await peer.DeviceInfoAsync(sender);
        var device = Assert.Single(devices["devices"]!.AsArray(), d => JsPeer.Str(d, "device_id") == deviceId)!;
        var (curve25519, ed25519) = (JsPeer.Str(device, "curve25519"), JsPeer.Str(device, "ed25519"));
        Assert.False(string.IsNullOrEmpty(curve25519), devices.ToJsonString());
        Assert.All(messages, m => Assert.Equal(
            ("m.room.encrypted", Megolm, (string?)null, deviceId, curve25519, ed25519, sender),
            (m.WireType, m.Algorithm, m.DecryptionError, m.SenderDevice, m.SenderKey, m.ClaimedEd25519Key, m.KeySender)));
        return messages;
    }

    /// <summary>The room as the homeserver stored it, read raw (<c>/messages</c> with <paramref name="token"/>, a member's):
    /// every event of <paramref name="sender"/> is <c>m.room.encrypted</c> Megolm, and none of <paramref name="plaintexts"/>
    /// appears anywhere in what the server answered. The sender's stored events, oldest first.</summary>
    public static async Task<IReadOnlyList<JsonObject>> StoredCiphertextOnlyAsync(MatrixTestClient client, string roomId, string token, string sender, params string[] plaintexts)
    {
        var stored = await client.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/messages?dir=f&limit=1000", token);
        Assert.True(stored.Code == 200, stored.ToString());
        foreach (var plaintext in plaintexts)
        {
            Assert.DoesNotContain(plaintext, stored.Text, StringComparison.Ordinal);
        }

        var events = stored.Object["chunk"]!.AsArray().Select(e => e!.AsObject())
            .Where(e => JsPeer.Str(e, "sender") == sender && e["state_key"] is null).ToList();
        Assert.All(events, e => Assert.Equal(("m.room.encrypted", Megolm), (JsPeer.Str(e, "type"), JsPeer.Str(e["content"], "algorithm"))));
        return events;
    }

    /// <summary>Where in its Megolm session a stored event was encrypted: its (session id, message index), the index read
    /// from the ciphertext's own header (version byte 3, then field 1, a varint), as any client reads it.</summary>
    public static (string SessionId, long Index) MegolmPosition(JsonObject storedEvent)
    {
        var content = storedEvent["content"]!;
        var base64 = JsPeer.Str(content, "ciphertext")!;
        var bytes = Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '='));
        Assert.True(bytes.Length > 2 && bytes[0] == 3 && bytes[1] == 0x08, $"not a Megolm message (version 3, index first): {base64[..Math.Min(16, base64.Length)]}…");
        long index = 0;
        for (int at = 2, shift = 0; ; at++, shift += 7)
        {
            index |= (long)(bytes[at] & 0x7f) << shift;
            if ((bytes[at] & 0x80) == 0)
            {
                break;
            }
        }

        return (JsPeer.Str(content, "session_id")!, index);
    }
}
