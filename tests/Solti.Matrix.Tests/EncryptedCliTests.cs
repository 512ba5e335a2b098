using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Outbox;
using Solti.Matrix.Testing;
using Solti.Matrix.Tests.Support;

namespace Solti.Matrix.Tests;

/// <summary>The CLI and the relay into an encrypted room, as separate processes, judged by an independent client: alice
/// is matrix-js-sdk with its Rust crypto (<see cref="JsPeer"/>), which decrypts what they sent and attributes it to the
/// bot's device and keys (<see cref="E2eeJudge"/>); the homeserver never holds the plaintext. An event queued in the
/// outbox is kept there in the clear (a private file) and encrypted only when it is delivered. docs/encryption.md.</summary>
[Trait("tier", "integration")]
public sealed class EncryptedCliTests
{
    private const string AlicePassword = "alice-pass";

    private static Task<LibraryHarness> StartAsync() =>
        LibraryHarness.StartAsync(o => o with { SeedUsers = [.. o.SeedUsers, new SeedUser("alice", AlicePassword, false)] });

    /// <summary>Alice (js-sdk) logged in, and an encrypted room she made and invited the bot to.</summary>
    private static async Task<(JsPeer Alice, string RoomId)> AliceRoomAsync(LibraryHarness h)
    {
        var alice = await JsPeer.StartAsync("alice");
        await alice.LoginAsync(h.Hs.Server.BaseAddress, "alice", AlicePassword, "ALICEJS", waitSync: true);
        return (alice, await alice.CreateRoomAsync(encrypted: true, invite: [h.Hs.BotId], name: "ops"));
    }

    private static string CryptoStore(string state) => Assert.Single(Directory.GetFiles(Path.Combine(state, "solti-matrix"), "crypto_*.db"));

    /// <summary>What the outbox holds pending, read with SQLite itself: each event's type and clear body.</summary>
    private static List<(string Type, string Body)> QueuedInTheClear(string outboxPath)
    {
        SqliteNative.EnsureLoaded();
        using var db = new SqliteConnection($"Data Source={outboxPath};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var select = db.CreateCommand();
        select.CommandText = "SELECT event_type, content FROM events WHERE state = 'pending' ORDER BY id";
        using var reader = select.ExecuteReader();
        var queued = new List<(string, string)>();
        while (reader.Read())
        {
            queued.Add((reader.GetString(0), JsonNode.Parse(reader.GetString(1))!["body"]!.GetValue<string>()));
        }

        return queued;
    }

    [Fact]
    public async Task Solti_matrix_send_joins_an_encrypted_room_it_was_invited_to_and_two_processes_encrypt_with_one_device_and_one_session()
    {
        await using var h = await StartAsync();
        var bot = await h.Hs.LoginBotAsync("CLICRYPT");
        var (alice, roomId) = await AliceRoomAsync(h);
        await using var _ = alice;
        using var state = new TempDirectory("solti-e2ee-cli-");
        var env = h.CliEnvironment(bot.AccessToken, state);

        var joined = await CliRunner.RunAsync(["send", roomId, "--text", "deploy of web-01 finished", "--join", "--output", "json"], env);
        var again = await CliRunner.RunAsync(["send", roomId, "--notice", "verification passed on web-01", "--output", "json"], env);

        Assert.True(joined.ExitCode == 0, joined.ToString());
        Assert.True(again.ExitCode == 0, again.ToString());
        var eventIds = new[] { joined, again }.Select(r => JsonNode.Parse(r.Stdout)!["event_id"]!.GetValue<string>()).ToList();
        var messages = await E2eeJudge.DecryptedFromAsync(alice, roomId, h.Hs.BotId, "CLICRYPT", count: 2);
        Assert.Equal(eventIds, messages.Select(m => m.EventId));
        Assert.Equal([("m.text", "deploy of web-01 finished"), ("m.notice", "verification passed on web-01")], messages.Select(m => (JsPeer.Str(m.Content, "msgtype"), m.Body)));
        Assert.Single(messages.Select(m => m.SessionId).Distinct()); // the second process found the session the first kept
        await E2eeJudge.StoredCiphertextOnlyAsync(h.Raw, roomId, bot.AccessToken, h.Hs.BotId, "web-01");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(CryptoStore(state)));
    }

    [Fact]
    public async Task An_event_spooled_while_the_homeserver_refuses_sends_is_kept_in_the_clear_privately_and_the_relay_delivers_it_encrypted()
    {
        await using var h = await StartAsync();
        var bot = await h.Hs.LoginBotAsync("SPOOLCRYPT");
        var (alice, roomId) = await AliceRoomAsync(h);
        await using var _ = alice;
        Assert.Equal(200, (await h.Raw.PostAsync("/_matrix/client/v3/join/" + MatrixTestClient.Enc(roomId), null, bot.AccessToken)).Code);
        using var state = new TempDirectory("solti-e2ee-spool-");
        var env = h.CliEnvironment(bot.AccessToken, state);
        const string Secret = "canary 7f3 rolled out to eu-west";

        await h.AddFaultAsync(new JsonObject { ["endpoint"] = "rooms.send", ["status"] = 503, ["count"] = null });
        var spooled = await CliRunner.RunAsync(["event", "send", roomId, "-s", "test.v1", "-d", new JsonObject { ["message"] = Secret, ["timestamp"] = "2026-11-28T10:00:00Z" }.ToJsonString(), "--spool", "on_failure", "--budget", "2", "--output", "json"], env);

        Assert.True(spooled.ExitCode == 0, spooled.ToString());
        var queued = JsonNode.Parse(spooled.Stdout)!;
        Assert.True(queued["queued"]!.GetValue<bool>(), spooled.ToString());
        var outboxPath = Path.Combine(state, "solti-matrix", "outbox", "outbox.db");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(outboxPath));
        Assert.Equal(("m.room.message", "🧪 Test: " + Secret), Assert.Single(QueuedInTheClear(outboxPath))); // the clear event, queued

        await E2eeJudge.StoredCiphertextOnlyAsync(h.Raw, roomId, bot.AccessToken, h.Hs.BotId, Secret);

        // The homeserver takes sends again; the relay, started now, delivers what was queued, encrypting it then.
        Assert.Equal(200, (await h.Raw.DeleteAsync("/_solti/testing/v1/faults", h.Admin.AccessToken)).Code);
        await using var relay = new RelayProcess(env);
        await relay.StartAsync();
        var message = Assert.Single(await E2eeJudge.DecryptedFromAsync(alice, roomId, h.Hs.BotId, "SPOOLCRYPT", count: 1));
        Assert.Equal(0, await relay.StopAsync());

        Assert.Equal(("🧪 Test: " + Secret, "test.v1"), (message.Body, JsPeer.Str(message.Content?["solti"], "schema")));
        var stored = Assert.Single(await E2eeJudge.StoredCiphertextOnlyAsync(h.Raw, roomId, bot.AccessToken, h.Hs.BotId, Secret));
        Assert.Equal(message.EventId, JsPeer.Str(stored, "event_id"));
        Assert.Equal(queued["transaction_id"]!.GetValue<string>(), JsPeer.Str(stored["unsigned"], "transaction_id"));
        var status = await CliRunner.RunAsync(["outbox", "status", "--output", "json"], env);
        Assert.Equal((0, 1), (JsonNode.Parse(status.Stdout)!["pending"]!.GetValue<int>(), JsonNode.Parse(status.Stdout)!["delivered"]!.GetValue<int>()));
        Assert.DoesNotContain(bot.AccessToken, relay.Log.ToString(), StringComparison.Ordinal);
    }
}
