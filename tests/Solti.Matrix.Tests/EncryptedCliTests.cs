using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
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
    /// <summary>A homeserver with alice; the bot logged in on a device of the test's; alice (js-sdk) logged in with an
    /// encrypted room she made and invited the bot to; a state directory (credential cache, outbox) and the environment
    /// of a CLI process using the bot's token with it.</summary>
    private sealed class World : IAsyncDisposable
    {
        private World(LibraryHarness h, Session bot, JsPeer alice, string roomId, TempDirectory state) =>
            (H, Bot, Alice, RoomId, State, Env) = (h, bot, alice, roomId, state, h.CliEnvironment(bot.AccessToken, state));

        public LibraryHarness H { get; }

        public Session Bot { get; }

        public string BotDevice => Bot.DeviceId;

        public JsPeer Alice { get; }

        public string RoomId { get; }

        public TempDirectory State { get; }

        public Dictionary<string, string?> Env { get; }

        public static async Task<World> StartAsync(string botDevice)
        {
            var h = await LibraryHarness.StartAsync(E2eeJudge.WithAlice);
            var bot = await h.Hs.LoginBotAsync(botDevice);
            var alice = await E2eeJudge.AliceAsync(h.Hs.Server.BaseAddress);
            var roomId = await alice.CreateRoomAsync(encrypted: true, invite: [h.Hs.BotId], name: "ops");
            return new World(h, bot, alice, roomId, new TempDirectory("solti-e2ee-cli-"));
        }

        public Task<ProcessResult> CliAsync(params string[] args) => CliRunner.RunAsync(args, Env);

        /// <summary><see cref="E2eeJudge.DecryptedFromAsync"/>: alice decrypted <paramref name="count"/> of the bot's events, from <see cref="BotDevice"/>.</summary>
        public Task<IReadOnlyList<PeerMessage>> DecryptedAsync(int count) => E2eeJudge.DecryptedFromAsync(Alice, RoomId, H.Hs.BotId, BotDevice, count);

        /// <summary><see cref="E2eeJudge.StoredCiphertextOnlyAsync"/> for the bot's events in the room.</summary>
        public Task<IReadOnlyList<JsonObject>> StoredCiphertextOnlyAsync(params string[] plaintexts) => E2eeJudge.StoredCiphertextOnlyAsync(H.Raw, RoomId, Bot.AccessToken, H.Hs.BotId, plaintexts);

        public async ValueTask DisposeAsync()
        {
            await Alice.DisposeAsync();
            await H.DisposeAsync();
            State.Dispose();
        }
    }

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
        await using var w = await World.StartAsync("CLICRYPT");

        var joined = await w.CliAsync("send", w.RoomId, "--text", "deploy of web-01 finished", "--join", "--output", "json");
        var again = await w.CliAsync("send", w.RoomId, "--notice", "verification passed on web-01", "--output", "json");

        Assert.True(joined.ExitCode == 0, joined.ToString());
        Assert.True(again.ExitCode == 0, again.ToString());
        var eventIds = new[] { joined, again }.Select(r => JsonNode.Parse(r.Stdout)!["event_id"]!.GetValue<string>()).ToList();
        var messages = await w.DecryptedAsync(count: 2);
        Assert.Equal(eventIds, messages.Select(m => m.EventId));
        Assert.Equal([("m.text", "deploy of web-01 finished"), ("m.notice", "verification passed on web-01")], messages.Select(m => (JsPeer.Str(m.Content, "msgtype"), m.Body)));
        Assert.Single(messages.Select(m => m.SessionId).Distinct()); // the second process found the session the first kept
        await w.StoredCiphertextOnlyAsync("web-01");
        var store = Assert.Single(Directory.GetFiles(Path.Combine(w.State, "solti-matrix"), "crypto_*.db"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store));
    }

    [Fact]
    public async Task An_event_spooled_while_the_homeserver_refuses_sends_is_kept_in_the_clear_privately_and_the_relay_delivers_it_encrypted()
    {
        await using var w = await World.StartAsync("SPOOLCRYPT");
        var h = w.H;
        Assert.Equal(200, (await h.Raw.PostAsync("/_matrix/client/v3/join/" + MatrixTestClient.Enc(w.RoomId), null, w.Bot.AccessToken)).Code);
        const string Secret = "canary 7f3 rolled out to eu-west";

        await h.AddFaultAsync(new JsonObject { ["endpoint"] = "rooms.send", ["status"] = 503, ["count"] = null });
        var spooled = await w.CliAsync("event", "send", w.RoomId, "-s", "test.v1", "-d", new JsonObject { ["message"] = Secret, ["timestamp"] = "2026-11-28T10:00:00Z" }.ToJsonString(), "--spool", "on_failure", "--budget", "2", "--output", "json");

        Assert.True(spooled.ExitCode == 0, spooled.ToString());
        var queued = JsonNode.Parse(spooled.Stdout)!;
        Assert.True(queued["queued"]!.GetValue<bool>(), spooled.ToString());
        var outboxPath = Path.Combine(w.State, "solti-matrix", "outbox", "outbox.db");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(outboxPath));
        Assert.Equal(("m.room.message", "🧪 Test: " + Secret), Assert.Single(QueuedInTheClear(outboxPath))); // the clear event, queued

        await w.StoredCiphertextOnlyAsync(Secret);

        // The homeserver takes sends again; the relay, started now, delivers what was queued, encrypting it then.
        Assert.Equal(200, (await h.Raw.DeleteAsync("/_solti/testing/v1/faults", h.Admin.AccessToken)).Code);
        await using var relay = new RelayProcess(w.Env);
        await relay.StartAsync();
        var message = Assert.Single(await w.DecryptedAsync(count: 1));
        Assert.Equal(0, await relay.StopAsync());

        Assert.Equal(("🧪 Test: " + Secret, "test.v1"), (message.Body, JsPeer.Str(message.Content?["solti"], "schema")));
        var stored = Assert.Single(await w.StoredCiphertextOnlyAsync(Secret));
        Assert.Equal(message.EventId, JsPeer.Str(stored, "event_id"));
        Assert.Equal(queued["transaction_id"]!.GetValue<string>(), JsPeer.Str(stored["unsigned"], "transaction_id"));
        var status = await w.CliAsync("outbox", "status", "--output", "json");
        Assert.Equal((0, 1), (JsonNode.Parse(status.Stdout)!["pending"]!.GetValue<int>(), JsonNode.Parse(status.Stdout)!["delivered"]!.GetValue<int>()));
        Assert.DoesNotContain(w.Bot.AccessToken, relay.Log.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Encryption can never be turned off (docs/encryption.md; <c>CryptoStore.EncryptedRoom</c>): a room the bot
    /// once sent into encrypted stays encrypted for it when someone replaces its <c>m.room.encryption</c> with an empty
    /// content (on Synapse a redaction of that event empties it too, and the redact power is 50 by default), as js-sdk
    /// itself keeps encrypting there.</summary>
    [Fact]
    public async Task A_room_once_seen_encrypted_never_gets_plaintext_after_its_encryption_state_is_emptied()
    {
        await using var w = await World.StartAsync("DOWNGRADE");
        var aliceRaw = await w.H.Raw.LoginAsync("alice", E2eeJudge.AlicePassword, "ALICERAW"); // alice's second device, for the state write
        var before = await w.CliAsync("send", w.RoomId, "--text", "before: token rotation on vault-2", "--join", "--output", "json");
        Assert.True(before.ExitCode == 0, before.ToString());

        var emptied = await w.H.Raw.PutAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(w.RoomId)}/state/m.room.encryption/", new JsonObject(), aliceRaw.AccessToken);
        Assert.True(emptied.Code == 200, emptied.ToString());
        var after = await w.CliAsync("send", w.RoomId, "--text", "after: root password of vault-2 changed", "--output", "json");

        Assert.True(after.ExitCode == 0, after.ToString());
        await w.StoredCiphertextOnlyAsync("vault-2");
        var messages = await w.DecryptedAsync(count: 2);
        Assert.Equal(["before: token rotation on vault-2", "after: root password of vault-2 changed"], messages.Select(m => m.Body));
    }
}
