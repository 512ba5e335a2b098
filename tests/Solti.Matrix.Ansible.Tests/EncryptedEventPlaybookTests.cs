using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Tests.Support;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests;

/// <summary><c>matrix_event</c> on the controller into encrypted rooms, from real playbooks with the built collection,
/// judged by an independent client: alice is matrix-js-sdk with its Rust crypto (<see cref="JsPeer"/>), which decrypts
/// what the bot's module sent and attributes it to the bot's device and keys (<see cref="E2eeJudge"/>); the homeserver
/// never holds the plaintext. docs/encryption.md.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class EncryptedEventPlaybookTests(InstalledCollection collection) : IAsyncLifetime
{
    private const string BotDevice = "PLAYBOT";
    private readonly string _stateHome = Directory.CreateTempSubdirectory("solti-state-").FullName;
    private TestHomeserver _hs = null!;
    private Session _bot = null!;
    private JsPeer _alice = null!;

    public async Task InitializeAsync()
    {
        _hs = await TestHomeserver.StartAsync(E2eeJudge.WithAlice);
        _bot = await _hs.LoginBotAsync(BotDevice);
        _alice = await E2eeJudge.AliceAsync(_hs.Server.BaseAddress);
    }

    public async Task DisposeAsync()
    {
        await _alice.DisposeAsync();
        await _hs.DisposeAsync();
        Directory.Delete(_stateHome, recursive: true);
    }

    private Playbook Playbook => new(collection, _stateHome);

    /// <summary>The credential cache the module keeps its session and its device's crypto store in.</summary>
    private string CacheDir => Path.Combine(_stateHome, "solti-matrix");

    /// <summary>An encrypted room alice made (js-sdk's createRoom with <c>m.room.encryption</c>) and invited the bot to.</summary>
    private Task<string> AliceRoomAsync(string name = "ops") => _alice.CreateRoomAsync(encrypted: true, invite: [_hs.BotId], name: name);

    private async Task JoinAsync(string roomId, Session who) =>
        Assert.Equal(200, (await _hs.Client.PostAsync("/_matrix/client/v3/join/" + MatrixTestClient.Enc(roomId), null, who.AccessToken)).Code);

    /// <summary><see cref="Playbook.BotEventPlay"/> with the bot's token (device <see cref="BotDevice"/>) into <paramref name="room"/>.</summary>
    private Task<PlaybookRun> EventAsync(string room, string body, string[] extra, params string[] flags) =>
        Playbook.RunAsync(Playbook.BotEventPlay($"\"{body}\"", extra), Playbook.BotVars(_hs, _bot.AccessToken, room), true, flags);

    /// <summary>A play on <paramref name="hosts"/> whose tasks reach the homeserver as the bot (device <see cref="BotDevice"/>)
    /// through the <c>matrix</c> action group's <c>module_defaults</c>; the variables of <see cref="Playbook.BotVars"/>.</summary>
    private static string BotPlay(string hosts, string tasks) => Playbook.Play(hosts, tasks, ["homeserver_url: \"{{ hs_url }}\"", "access_token: \"{{ bot_token }}\""]);

    /// <summary>What the homeserver answers for the room's <c>/messages</c> (read as the bot), as text.</summary>
    private async Task<string> StoredTextAsync(string roomId) =>
        (await _hs.Client.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/messages?dir=f&limit=100", _bot.AccessToken)).Text;

    private async Task<JsonObject> CountersAsync() =>
        (await _hs.Client.GetAsync("/_solti/testing/v1/counters", (await _hs.LoginAdminAsync("COUNTERS")).AccessToken)).Object["counters"]!.AsObject();

    /// <summary>The devices of the bot that have keys on the homeserver (<c>/keys/query</c>, raw).</summary>
    private async Task<List<string>> BotDevicesWithKeysAsync()
    {
        var query = await _hs.Client.PostAsync("/_matrix/client/v3/keys/query", new JsonObject { ["device_keys"] = new JsonObject { [_hs.BotId] = new JsonArray() } }, _bot.AccessToken);
        Assert.True(query.Code == 200, query.ToString());
        return [.. (query.Object["device_keys"]?[_hs.BotId] as JsonObject ?? []).Select(d => d.Key)];
    }

    private IEnumerable<string> CryptoStores() => Directory.Exists(CacheDir) ? Directory.EnumerateFiles(CacheDir, "crypto_*") : [];

    [Fact]
    public async Task Matrix_event_into_a_js_sdk_users_encrypted_room_goes_out_encrypted_from_the_bots_device_once_the_bot_has_joined()
    {
        var roomId = await AliceRoomAsync();

        // Invited, not joined: matrix_event never joins by itself; it fails, and alice gets nothing.
        var invited = await EventAsync(roomId, "sent while only invited", ["  ignore_errors: true"]);
        var refused = invited.Task("event");
        Assert.True(refused["failed"]!.GetValue<bool>(), invited.ToString());
        Assert.StartsWith("permission denied by the homeserver (HTTP 403 M_FORBIDDEN): User @bot:localhost not in room", refused["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain(roomId, (await _hs.Client.GetAsync("/_matrix/client/v3/joined_rooms", _bot.AccessToken)).Text, StringComparison.Ordinal);

        await JoinAsync(roomId, _bot);
        var run = await EventAsync(roomId, "deploy of web-01 finished", ["    encryption: required"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var posted = run.Task("event");
        Assert.True(posted["encrypted"]!.GetValue<bool>(), posted.ToJsonString());
        Assert.Empty(posted["withheld_devices"]!.AsArray());
        var message = Assert.Single(await E2eeJudge.DecryptedFromAsync(_alice, roomId, _hs.BotId, BotDevice, count: 1));
        Assert.Equal((posted["event_id"]!.GetValue<string>(), "deploy of web-01 finished", "m.room.message"), (message.EventId, message.Body, message.Type));
        var stored = Assert.Single(await E2eeJudge.StoredCiphertextOnlyAsync(_hs.Client, roomId, _bot.AccessToken, _hs.BotId, "web-01", "sent while only invited"));
        Assert.Equal(message.EventId, JsPeer.Str(stored, "event_id"));

        // The device's crypto store is the module's, in the credential cache, private.
        var store = Assert.Single(CryptoStores(), f => f.EndsWith(".db", StringComparison.Ordinal));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store));
    }

    /// <summary>docs/encryption.md, "The bot's identity": the bot's identity made once (the library's bootstrap, on another
    /// device), then <c>matrix_event</c> given <c>recovery_key</c> signs its device on its first encrypted send; the key
    /// is masked in the result and in <c>-vvv</c> output.</summary>
    [Fact]
    public async Task Matrix_event_given_the_recovery_key_signs_the_bots_device_with_its_identity_and_masks_the_key_everywhere()
    {
        var roomId = await AliceRoomAsync();
        await JoinAsync(roomId, _bot);
        var bootstrapState = Directory.CreateTempSubdirectory("solti-bootstrap-").FullName;
        string recoveryKey;
        using (var bootstrap = new ClientSettings(_hs.Server.BaseAddress).Client(new Sessions.SessionOptions { UserId = _hs.BotId, Password = TestHomeserver.BotPassword, DeviceId = "BOOTSTRAP" }, new Sessions.CredentialCache(bootstrapState)))
        {
            recoveryKey = (await bootstrap.BootstrapIdentityAsync(reset: false)).RecoveryKey.Encode();
        }

        Directory.Delete(bootstrapState, recursive: true);
        var vars = new Dictionary<string, string>(Playbook.BotVars(_hs, _bot.AccessToken, roomId)) { ["recovery_key"] = recoveryKey };
        var run = await Playbook.RunAsync(Playbook.BotEventPlay("\"signed on first use\"", "    recovery_key: \"{{ recovery_key }}\"", "  register: posted", "- name: show", "  ansible.builtin.debug:", "    var: posted"), vars, false, "-vvv");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("VALUE_SPECIFIED_IN_NO_LOG_PARAMETER", run.Stdout, StringComparison.Ordinal);
        foreach (var form in new[] { recoveryKey, recoveryKey.Replace(" ", "", StringComparison.Ordinal), recoveryKey[..14] })
        {
            Assert.DoesNotContain(form, run.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain(form, run.Stderr, StringComparison.Ordinal);
        }

        var seen = await _alice.WaitDeviceTrustAsync(_hs.BotId, new Dictionary<string, bool> { [BotDevice] = true, ["BOOTSTRAP"] = true }, E2eeJudge.DecryptTimeout);
        Assert.NotNull(seen["cross_signing_keys"]);
        Assert.Equal("signed on first use", Assert.Single(await E2eeJudge.DecryptedFromAsync(_alice, roomId, _hs.BotId, BotDevice, count: 1)).Body);
    }

    [Fact]
    public async Task Encryption_required_into_a_plain_room_fails_saying_so_and_sends_nothing_not_even_keys_nor_a_queued_event()
    {
        var plain = await _hs.Client.CreateRoomAsync(_bot.AccessToken, new JsonObject { ["name"] = "plain" });
        var outbox = Path.Combine(_stateHome, "outbox.db");
        await _hs.Client.DeleteAsync("/_solti/testing/v1/counters", (await _hs.LoginAdminAsync("ADMIN")).AccessToken);

        var run = await Playbook.RunAsync(BotPlay("localhost", """
            - name: required
              jackaltx.solti_matrix_mgr.matrix_event:
                room_id: "{{ room }}"
                content: {msgtype: m.text, body: "must stay secret"}
                encryption: required
              ignore_errors: true
            - name: required with spool
              jackaltx.solti_matrix_mgr.matrix_event:
                room_id: "{{ room }}"
                content: {msgtype: m.text, body: "must stay secret too"}
                encryption: required
                spool: on_failure
                outbox: "{{ outbox }}"
              ignore_errors: true
            """), new Dictionary<string, string>(Playbook.BotVars(_hs, _bot.AccessToken, plain)) { ["outbox"] = outbox });

        foreach (var task in new[] { "required", "required with spool" })
        {
            var failed = run.Task(task);
            Assert.True(failed["failed"]!.GetValue<bool>(), run.ToString());
            Assert.Equal($"{plain} is not encrypted, and encryption: required was asked: nothing was sent", failed["msg"]!.GetValue<string>());
            Assert.False(failed.ContainsKey("event_id"));
        }

        var counters = await CountersAsync();
        Assert.Equal((0L, 0L, 0L), (counters["rooms.send"]?.GetValue<long>() ?? 0, counters["keys.upload"]?.GetValue<long>() ?? 0, counters["sendToDevice"]?.GetValue<long>() ?? 0));
        Assert.DoesNotContain("must stay secret", await StoredTextAsync(plain), StringComparison.Ordinal);
        Assert.Empty(await BotDevicesWithKeysAsync());
        if (File.Exists(outbox))
        {
            using var store = new Solti.Matrix.Outbox.OutboxStore(outbox);
            Assert.Equal(0, store.Stats().Pending);
        }
    }

    /// <summary><c>encryption: required</c> holds for a queued event too: queued with <c>spool: always</c> for a room that
    /// is not encrypted, it is never delivered there in plaintext, whether the task refuses it at once or the delivery
    /// refuses it later.</summary>
    [Fact]
    public async Task Encryption_required_holds_for_a_queued_event_which_is_never_delivered_in_plaintext_into_a_plain_room()
    {
        var plain = await _hs.Client.CreateRoomAsync(_bot.AccessToken, new JsonObject { ["name"] = "plain" });
        var outbox = Path.Combine(_stateHome, "outbox.db");

        var run = await EventAsync(plain, "queued, and must stay secret", ["    encryption: required", "    spool: always", $"    outbox: {outbox}", "  ignore_errors: true"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        if (File.Exists(outbox))
        {
            using var store = new Solti.Matrix.Outbox.OutboxStore(outbox);
            using var client = new MatrixClient(new MatrixClientOptions(_hs.Server.BaseAddress), new Solti.Matrix.Sessions.SessionOptions { AccessToken = _bot.AccessToken }, new Solti.Matrix.Sessions.CredentialCache(CacheDir));
            await new Solti.Matrix.Outbox.OutboxDelivery(store, client).DeliverPendingAsync(CancellationToken.None);
        }

        Assert.DoesNotContain("must stay secret", await StoredTextAsync(plain), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_mode_into_an_encrypted_room_makes_no_device_keys_and_sends_nothing_and_the_real_run_then_does()
    {
        var roomId = await AliceRoomAsync();
        await JoinAsync(roomId, _bot);
        var before = await CountersAsync();

        var check = await EventAsync(roomId, "only planned", ["    encryption: required"], "--check");

        Assert.True(check.ExitCode == 0, check.ToString());
        var planned = check.Task("event");
        Assert.True(planned["changed"]!.GetValue<bool>());
        Assert.Equal(roomId, planned["room_id"]!.GetValue<string>());
        Assert.False(planned.ContainsKey("event_id"));
        var after = await CountersAsync();
        // Not keys.upload: the counters are the server's, and alice's client uploads her own keys when it likes; the bot's
        // device keys are checked below, on the server and on disk.
        foreach (var endpoint in new[] { "keys.claim", "sendToDevice", "rooms.send" })
        {
            Assert.True((before[endpoint]?.GetValue<long>() ?? 0) == (after[endpoint]?.GetValue<long>() ?? 0), $"{endpoint}: {before[endpoint]} before, {after[endpoint]} after check mode");
        }

        Assert.Empty(await BotDevicesWithKeysAsync()); // the server has no keys of the bot's device
        Assert.Empty((await _alice.DeviceInfoAsync(_hs.BotId))["devices"]!.AsArray()); // nor does alice see any
        Assert.Empty(CryptoStores()); // and no device keys were even made
        Assert.DoesNotContain("only planned", await StoredTextAsync(roomId), StringComparison.Ordinal);

        // The same task for real: the observables above do change.
        var run = await EventAsync(roomId, "now for real", ["    encryption: required"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal([BotDevice], await BotDevicesWithKeysAsync());
        var message = Assert.Single(await E2eeJudge.DecryptedFromAsync(_alice, roomId, _hs.BotId, BotDevice, count: 1));
        Assert.Equal("now for real", message.Body);
        await E2eeJudge.StoredCiphertextOnlyAsync(_hs.Client, roomId, _bot.AccessToken, _hs.BotId, "now for real", "only planned");
    }

    /// <summary>docs/matrix-config.md: <c>encrypted: true</c> makes the room with <c>m.room.encryption</c>, and
    /// <c>members</c> force-joins alice and the bot; the bot's next task posts into it, and alice (js-sdk) reads it.</summary>
    [Fact]
    public async Task A_room_matrix_config_made_encrypted_with_alice_as_a_member_gets_events_alice_decrypts()
    {
        var admin = await _hs.LoginAdminAsync("ADMIN");
        var run = await Playbook.RunAsync(BotPlay("localhost", """
            - name: config
              jackaltx.solti_matrix_mgr.matrix_config:
                access_token: "{{ admin_token }}"
                domain: localhost
                rooms:
                  - alias: ops
                    name: Operations
                    encrypted: true
                    members: ["@alice", "@bot"]
            - name: event
              jackaltx.solti_matrix_mgr.matrix_event:
                room_id: "{{ room }}"
                content: {msgtype: m.notice, body: "rollout of api-7 complete"}
            """), new Dictionary<string, string>(Playbook.BotVars(_hs, _bot.AccessToken, "#ops:localhost")) { ["admin_token"] = admin.AccessToken });

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(["create_room", "join_member", "join_member"], run.Task("config")["plan"]!.AsArray().Select(a => a!["action"]!.GetValue<string>()));
        var roomId = (await _hs.Client.GetAsync("/_matrix/client/v3/directory/room/" + MatrixTestClient.Enc("#ops:localhost"))).Str("room_id");
        Assert.Equal(E2eeJudge.Megolm, (await _hs.Client.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/state/m.room.encryption/", admin.AccessToken)).Str("algorithm"));
        var posted = run.Task("event");
        Assert.True(posted["encrypted"]!.GetValue<bool>(), posted.ToJsonString());
        Assert.Empty(posted["withheld_devices"]!.AsArray());

        await _alice.WaitRoomAsync(roomId, "join");
        var message = Assert.Single(await E2eeJudge.DecryptedFromAsync(_alice, roomId, _hs.BotId, BotDevice, count: 1));
        Assert.Equal((posted["event_id"]!.GetValue<string>(), "rollout of api-7 complete", "m.notice"), (message.EventId, message.Body, JsPeer.Str(message.Content, "msgtype")));
        await E2eeJudge.StoredCiphertextOnlyAsync(_hs.Client, roomId, admin.AccessToken, _hs.BotId, "api-7");
    }

    /// <summary>Twenty module processes at once (twenty hosts on the local connection, twenty forks), one bot, one
    /// device, one credential cache: they take turns on the device's crypto store, so every event has its own place in
    /// the room's Megolm session, and alice decrypts all twenty.</summary>
    [Fact]
    public async Task Twenty_concurrent_matrix_event_tasks_of_one_device_each_get_their_own_megolm_index_and_all_decrypt()
    {
        const int Hosts = 20;
        var roomId = await AliceRoomAsync();
        await JoinAsync(roomId, _bot);
        var inventory = Path.Combine(_stateHome, "inventory.ini");
        await File.WriteAllTextAsync(inventory, "[bots]\n" + string.Concat(Enumerable.Range(1, Hosts).Select(i => $"bot{i:00} ansible_connection=local\n")));

        var run = await new Playbook(collection, _stateHome) { Inventory = inventory }.RunAsync(BotPlay("bots", """
            - name: event
              jackaltx.solti_matrix_mgr.matrix_event:
                room_id: "{{ room }}"
                content: {msgtype: m.text, body: "event from {{ inventory_hostname }}"}
            """), Playbook.BotVars(_hs, _bot.AccessToken, roomId), true, "--forks", Hosts.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.True(run.ExitCode == 0, run.ToString());
        var hosts = Enumerable.Range(1, Hosts).Select(i => $"bot{i:00}").ToList();
        var results = hosts.Select(h => run.Task("event", h)).ToList();
        Assert.All(results, r => Assert.True(r["encrypted"]!.GetValue<bool>(), r.ToJsonString()));
        Assert.Equal(Hosts, results.Select(r => r["event_id"]!.GetValue<string>()).Distinct().Count());

        var messages = await E2eeJudge.DecryptedFromAsync(_alice, roomId, _hs.BotId, BotDevice, count: Hosts);
        Assert.Equal(hosts.Select(h => $"event from {h}").Order(StringComparer.Ordinal), messages.Select(m => m.Body!).Order(StringComparer.Ordinal));
        Assert.Equal(results.Select(r => r["event_id"]!.GetValue<string>()).Order(StringComparer.Ordinal), messages.Select(m => m.EventId).Order(StringComparer.Ordinal));
        var stored = await E2eeJudge.StoredCiphertextOnlyAsync(_hs.Client, roomId, _bot.AccessToken, _hs.BotId, "event from");
        var positions = stored.Select(E2eeJudge.MegolmPosition).ToList();
        Assert.Equal(Hosts, positions.Count);
        Assert.Equal(Hosts, positions.Distinct().Count()); // no (session, index) twice
        Assert.Single(positions.Select(p => p.SessionId).Distinct()); // one room key, shared once, used by all twenty
    }
}
