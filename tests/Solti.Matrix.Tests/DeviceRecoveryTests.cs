using System.Diagnostics;
using System.Text.Json.Nodes;
using Solti.Matrix.Encryption;
using Solti.Matrix.Sessions;
using Solti.Matrix.Testing;
using Solti.Matrix.Tests.Support;

namespace Solti.Matrix.Tests;

/// <summary>The bot's device survives what happens to hosts, judged by an independent client (matrix-js-sdk,
/// <see cref="JsPeer"/>, <see cref="E2eeJudge"/>): a host that lost its crypto store moves to the next device id of its
/// series and is read (never the old id with new keys; the old device deleted), a sender with only a token refuses
/// instead; a homeserver that lost the device's keys gets them again; a send killed with SIGKILL while it holds the
/// crypto store leaves a store the next send uses, and no Megolm index is used twice. docs/encryption.md, "Recovering a
/// device".</summary>
[Trait("tier", "integration")]
public sealed class DeviceRecoveryTests
{
    private static JsonObject Text(string body) => new() { ["msgtype"] = "m.text", ["body"] = body };

    /// <summary>A homeserver with alice, who (js-sdk) makes an encrypted room and invites the bot, which joins as
    /// <paramref name="bot"/> makes it.</summary>
    private static async Task<(LibraryHarness H, JsPeer Alice, string RoomId)> EncryptedRoomAsync(Func<LibraryHarness, MatrixClient> bot)
    {
        var h = await LibraryHarness.StartAsync(E2eeJudge.WithAlice);
        var alice = await E2eeJudge.AliceAsync(h.Hs.Server.BaseAddress);
        var roomId = await alice.CreateRoomAsync(encrypted: true, invite: [h.Hs.BotId], name: "ops");
        using (var joiner = bot(h))
        {
            await joiner.JoinAsync(roomId);
        }

        await alice.WaitRoomAsync(roomId, "join");
        return (h, alice, roomId);
    }

    /// <summary>What a rebuilt host has whose crypto stores were lost: the credential cache without the
    /// <c>crypto_*.db</c> files (and their WAL files).</summary>
    private static void LoseCryptoStores(LibraryHarness h)
    {
        var lost = Directory.EnumerateFiles(h.CacheDir, "crypto_*").Where(f => f.EndsWith(".db", StringComparison.Ordinal) || f.EndsWith(".db-wal", StringComparison.Ordinal) || f.EndsWith(".db-shm", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(lost);
        lost.ForEach(File.Delete);
    }

    private static async Task<List<string>> ServerDevicesAsync(LibraryHarness h)
    {
        var devices = await h.Raw.GetAsync($"/_synapse/admin/v2/users/{MatrixTestClient.Enc(h.Hs.BotId)}/devices", h.Admin.AccessToken);
        Assert.True(devices.Code == 200, devices.ToString());
        return [.. devices.Object["devices"]!.AsArray().Select(d => JsPeer.Str(d, "device_id")!)];
    }

    private static async Task<List<string>> PeerSeesDevicesAsync(JsPeer peer, string userId) =>
        [.. (await peer.DeviceInfoAsync(userId))["devices"]!.AsArray().Select(d => JsPeer.Str(d, "device_id")!)];

    /// <summary>The bot's events as the homeserver stored them (ciphertext only, none of <paramref name="plaintexts"/>),
    /// oldest first, with no (session, Megolm index) used twice among them.</summary>
    private static async Task<IReadOnlyList<JsonObject>> StoredOnceEachAsync(LibraryHarness h, string roomId, params string[] plaintexts)
    {
        var reader = await h.Hs.LoginBotAsync("READER");
        var stored = await E2eeJudge.StoredCiphertextOnlyAsync(h.Raw, roomId, reader.AccessToken, h.Hs.BotId, plaintexts);
        var positions = stored.Select(E2eeJudge.MegolmPosition).ToList();
        Assert.Equal(positions.Count, positions.Distinct().Count());
        return stored;
    }

    [Theory]
    [InlineData(null)] // the stable id of user, host and OS account
    [InlineData("BOTSERIES")] // a configured device id
    public async Task A_bot_that_lost_its_crypto_store_sends_from_the_next_device_of_its_series_and_never_reuses_an_id(string? configured)
    {
        var (h, alice, roomId) = await EncryptedRoomAsync(h => h.Bot(deviceId: configured));
        await using var _ = h;
        await using var __ = alice;
        var first = configured ?? MatrixSession.StableDeviceId(h.Hs.BotId);
        string Generation(int n) => DeviceSeries.Id(first, n);
        using (var bot = h.Bot(deviceId: configured))
        {
            await bot.SendEventAsync(roomId, "m.room.message", Text("before the rebuild"));
        }

        await E2eeJudge.DecryptedFromAsync(alice, roomId, h.Hs.BotId, first, 1);

        // The host is rebuilt: its crypto store is gone, its credential cache (and the device's keys on the server) are
        // not. Four clients (four sessions, as four processes) send at once: one moves, under the login lock, the others follow.
        LoseCryptoStores(h);
        await h.ResetCountersAsync();
        var rebuilt = Enumerable.Range(0, 4).Select(_ => h.Bot(deviceId: configured)).ToList();
        var sent = await Task.WhenAll(rebuilt.Select((c, i) => c.SendEventAsync(roomId, "m.room.message", Text($"after the rebuild {i}"))));
        rebuilt.ForEach(c => c.Dispose());
        Assert.All(sent, s => Assert.True(s.Encrypted));
        Assert.Equal(1, await h.CounterAsync("login"));

        var read = await alice.WaitMessagesAsync(roomId, 5, sender: h.Hs.BotId, timeout: E2eeJudge.DecryptTimeout);
        Assert.Equal(Enumerable.Range(0, 4).Select(i => $"after the rebuild {i}"), read.Skip(1).Select(m => m.Body!).Order(StringComparer.Ordinal));
        Assert.All(read.Skip(1), m => Assert.Equal((Generation(2), (string?)null), (m.SenderDevice, m.DecryptionError)));
        Assert.Equal(Generation(2), h.Cache.Read(h.Hs.Server.BaseAddress, h.Hs.BotId)!.DeviceId); // remembered
        Assert.Contains(Generation(2), await PeerSeesDevicesAsync(alice, h.Hs.BotId));
        Assert.DoesNotContain(first, await ServerDevicesAsync(h)); // the old device was deleted (the bot has its password)

        // Its token expires: the password login that heals it stays on the device it moved to.
        await h.ExpireAsync(h.Cache.Read(h.Hs.Server.BaseAddress, h.Hs.BotId)!.AccessToken);
        using (var later = h.Bot(deviceId: configured))
        {
            await later.SendEventAsync(roomId, "m.room.message", Text("after a re-login"));
        }

        // Rebuilt again, this time with an empty state directory (no cache to remember the series in): it logs in on the
        // first id, which has no keys now, but a later one of its series has: generation 3, never the first id again.
        Directory.Delete(h.CacheDir, recursive: true);
        using (var again = h.Bot(deviceId: configured))
        {
            await again.SendEventAsync(roomId, "m.room.message", Text("after the second rebuild"));
        }

        read = await alice.WaitMessagesAsync(roomId, 7, sender: h.Hs.BotId, timeout: E2eeJudge.DecryptTimeout);
        Assert.Equal(["before the rebuild", "after a re-login", "after the second rebuild"], new[] { read[0], read[5], read[6] }.Select(m => m.Body));
        Assert.Equal([first, Generation(2), Generation(3)], new[] { read[0], read[5], read[6] }.Select(m => m.SenderDevice));
        Assert.All(read, m => Assert.Null(m.DecryptionError));
        Assert.Equal([Generation(3)], (await ServerDevicesAsync(h)).Where(d => d.StartsWith(first, StringComparison.Ordinal))); // the earlier ones deleted
        Assert.Equal(Generation(3), h.Cache.Read(h.Hs.Server.BaseAddress, h.Hs.BotId)!.DeviceId);
        Assert.Equal(read.Select(m => m.EventId), (await StoredOnceEachAsync(h, roomId, "rebuild", "re-login")).Select(e => JsPeer.Str(e, "event_id")));
    }

    [Fact]
    public async Task A_sender_with_only_a_token_that_lost_its_crypto_store_refuses_and_sends_nothing()
    {
        var (h, alice, roomId) = await EncryptedRoomAsync(h => h.Bot());
        await using var _ = h;
        await using var __ = alice;
        var token = (await h.Hs.LoginBotAsync("TOKENONLY")).AccessToken;
        using (var bot = h.Bot(token: token, password: false))
        {
            await bot.SendEventAsync(roomId, "m.room.message", Text("with its keys"));
        }

        var first = Assert.Single(await E2eeJudge.DecryptedFromAsync(alice, roomId, h.Hs.BotId, "TOKENONLY", 1));

        LoseCryptoStores(h);
        using var rebuilt = h.Bot(token: token, password: false);
        var refused = await Assert.ThrowsAsync<EncryptionException>(() => rebuilt.SendEventAsync(roomId, "m.room.message", Text("must not go out")));

        Assert.Contains("the homeserver lists keys for device TOKENONLY", refused.Message, StringComparison.Ordinal);
        Assert.Contains("it cannot move to one: it has no password", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Give it its password", refused.Message, StringComparison.Ordinal);
        Assert.EndsWith("nothing was sent, never in plaintext", refused.Message, StringComparison.Ordinal);
        Assert.Equal([first.EventId], (await StoredOnceEachAsync(h, roomId, "must not go out")).Select(e => JsPeer.Str(e, "event_id")));
        var device = Assert.Single((await alice.DeviceInfoAsync(h.Hs.BotId))["devices"]!.AsArray(), d => JsPeer.Str(d, "device_id") == "TOKENONLY");
        Assert.Equal(first.SenderKey, JsPeer.Str(device, "curve25519")); // no new keys were uploaded for the device
        Assert.Contains("TOKENONLY", await ServerDevicesAsync(h));
    }

    [Fact]
    public async Task When_the_homeserver_lost_the_devices_keys_the_next_send_uploads_them_again_and_is_read()
    {
        var (h, alice, roomId) = await EncryptedRoomAsync(h => h.Bot(deviceId: "BOTLOST"));
        await using var _ = h;
        await using var __ = alice;
        using (var bot = h.Bot(deviceId: "BOTLOST"))
        {
            await bot.SendEventAsync(roomId, "m.room.message", Text("before the server lost the keys"));
        }

        var first = Assert.Single(await E2eeJudge.DecryptedFromAsync(alice, roomId, h.Hs.BotId, "BOTLOST", 1));

        // The server loses the device with its keys; the bot logs in again on the same id, a device without keys.
        var deleted = await h.Raw.DeleteAsync($"/_synapse/admin/v2/users/{MatrixTestClient.Enc(h.Hs.BotId)}/devices/BOTLOST", h.Admin.AccessToken);
        Assert.True(deleted.Code == 200, deleted.ToString());
        Assert.DoesNotContain("BOTLOST", await ServerDevicesAsync(h)); // (the peer learns it from its next sync: not asserted, it would race)
        await h.ResetCountersAsync();
        using (var later = h.Bot(deviceId: "BOTLOST"))
        {
            await later.SendEventAsync(roomId, "m.room.message", Text("after the server lost the keys"));
        }

        Assert.Equal(1, await h.CounterAsync("login")); // on the same device id: it has no keys, nothing to move from
        var read = await E2eeJudge.DecryptedFromAsync(alice, roomId, h.Hs.BotId, "BOTLOST", 2); // with the keys the peer downloads for it now
        Assert.Equal("after the server lost the keys", read[1].Body);
        Assert.Equal((first.SenderKey, first.ClaimedEd25519Key), (read[1].SenderKey, read[1].ClaimedEd25519Key)); // the same keys again
        await StoredOnceEachAsync(h, roomId, "lost the keys");
    }

    /// <summary>A <c>solti-matrix send</c> killed (SIGKILL) while its request waits at the homeserver: the room key's
    /// <c>PUT /sendToDevice</c> (the process holds the crypto lock, the Megolm session is on disk and not yet shared),
    /// or the event's <c>PUT /send</c> (the ratchet already saved past the event's index). The next send works, the peer
    /// reads it, and no (session, index) is used twice.</summary>
    [Theory]
    [InlineData("sendToDevice", @"/sendToDevice/m\.room\.encrypted/solti-")]
    [InlineData("rooms.send", @"/send/m\.room\.encrypted/solti-")]
    public async Task A_send_killed_mid_way_leaves_a_crypto_store_the_next_send_uses_and_no_megolm_index_is_used_twice(string endpoint, string path)
    {
        var (h, alice, roomId) = await EncryptedRoomAsync(h => h.Bot());
        await using var _ = h;
        await using var __ = alice;
        var device = MatrixSession.StableDeviceId(h.Hs.BotId); // the CLI's too: same user, host and OS account
        var env = new Dictionary<string, string?>
        {
            ["MATRIX_HOMESERVER_URL"] = h.Hs.Server.BaseAddress.ToString(),
            ["MATRIX_USER_ID"] = h.Hs.BotId,
            ["MATRIX_PASSWORD"] = TestHomeserver.BotPassword,
        };
        string[] Send(string body) => ["send", roomId, "--json", Text(body).ToJsonString(), "--cache-dir", h.CacheDir, "--output", "json"];
        var expected = new List<string>();
        if (endpoint == "rooms.send")
        {
            var shared = await CliRunner.RunAsync(Send("the key is shared"), env);
            Assert.True(shared.ExitCode == 0, shared.ToString());
            expected.Add("the key is shared");
        }

        // Every such request of the bot waits at the homeserver until cleared; the process is killed once one arrived.
        const int Uses = 1000;
        await h.AddFaultAsync(new JsonObject { ["method"] = "PUT", ["endpoint"] = endpoint, ["path"] = path, ["delay_ms"] = 600_000, ["count"] = Uses });
        var start = ProcessRunner.StartInfo(CliRunner.Executable, Send("killed mid-way"));
        CliRunner.UseEnvironment(start, env);
        start.RedirectStandardOutput = start.RedirectStandardError = true;
        using (var killed = Process.Start(start)!)
        {
            var stderr = killed.StandardError.ReadToEndAsync();
            using var bound = new CancellationTokenSource(ProcessRunner.DefaultTimeout);
            while ((await h.Raw.GetAsync("/_solti/testing/v1/faults", h.Admin.AccessToken)).Object["faults"]!.AsArray().Single()!["remaining"]!.GetValue<int>() == Uses)
            {
                if (killed.HasExited)
                {
                    Assert.Fail($"the send ended before its request reached the homeserver: {await stderr}");
                }

                await Task.Delay(20, bound.Token);
            }

            killed.Kill(); // SIGKILL
            await killed.WaitForExitAsync(bound.Token);
        }

        await h.Raw.DeleteAsync("/_solti/testing/v1/faults", h.Admin.AccessToken);
        var next = await CliRunner.RunAsync(Send("the next send"), env);
        Assert.True(next.ExitCode == 0, next.ToString());
        expected.Add("the next send");

        // What the server holds from the bot (the killed event was never processed: its client went away), all read.
        var read = await E2eeJudge.DecryptedFromAsync(alice, roomId, h.Hs.BotId, device, expected.Count);
        Assert.Equal(expected, read.Select(m => m.Body));
        var stored = await StoredOnceEachAsync(h, roomId, [.. expected, "killed mid-way"]);
        Assert.Equal(read.Select(m => m.EventId), stored.Select(e => JsPeer.Str(e, "event_id")));
        if (endpoint == "rooms.send")
        {
            var (before, after) = (E2eeJudge.MegolmPosition(stored[0]), E2eeJudge.MegolmPosition(stored[1]));
            Assert.Equal((before.SessionId, before.Index + 2), after); // the killed send's index stays spent
        }
    }
}
