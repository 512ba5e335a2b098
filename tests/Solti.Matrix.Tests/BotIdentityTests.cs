using System.Text;
using System.Text.Json.Nodes;
using Solti.Matrix.Crypto;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Testing;
using Solti.Matrix.Tests.Support;

namespace Solti.Matrix.Tests;

/// <summary>The bot's identity (docs/encryption.md, "The bot's identity"), through the CLI as separate processes and
/// judged by an independent client: alice is matrix-js-sdk with its Rust crypto (<see cref="JsPeer"/>), whose
/// <c>signedByOwner</c> says whether a device of the bot carries a valid signature of the bot's self-signing key, itself
/// signed by the bot's master key (alice does not trust the bot's identity herself, so <c>cross_signing_verified</c>
/// stays false: that is her choice, not the bot's). The recovery key is printed once, by <c>crypto bootstrap</c>, and
/// nowhere else.</summary>
[Trait("tier", "integration")]
public sealed class BotIdentityTests
{
    /// <summary>A homeserver with alice and an encrypted room she made and invited the bot to; one state directory per
    /// host of the bot, each a password login on its own device id; every CLI run kept, to look for secrets in.</summary>
    private sealed class World : IAsyncDisposable
    {
        private readonly List<TempDirectory> _hosts = [];

        private World(LibraryHarness h, JsPeer alice, string roomId) => (H, Alice, RoomId) = (h, alice, roomId);

        public LibraryHarness H { get; }

        public JsPeer Alice { get; }

        public string RoomId { get; }

        public TempDirectory Keys { get; } = new("solti-identity-keys-");

        public List<ProcessResult> Runs { get; } = [];

        public IEnumerable<string> StateDirectories => _hosts.Select(h => h.Path);

        public static async Task<World> StartAsync(Compatibility? profile = null)
        {
            var h = await LibraryHarness.StartAsync(o => E2eeJudge.WithAlice(profile is { } p ? o with { Compatibility = p } : o));
            var alice = await E2eeJudge.AliceAsync(h.Hs.Server.BaseAddress);
            var roomId = await alice.CreateRoomAsync(encrypted: true, invite: [h.Hs.BotId], name: "ops");
            return new World(h, alice, roomId);
        }

        /// <summary>The environment of a process on a new host of the bot: its password (unless <paramref name="tokenOnly"/>,
        /// then a token of a login on its device), its own state directory.</summary>
        public async Task<Dictionary<string, string?>> HostAsync(string deviceId, bool tokenOnly = false)
        {
            var state = new TempDirectory("solti-identity-host-");
            _hosts.Add(state);
            if (tokenOnly)
            {
                return H.CliEnvironment((await H.Hs.LoginBotAsync(deviceId)).AccessToken, state);
            }

            var env = H.CliEnvironment("", state);
            env.Remove("MATRIX_ACCESS_TOKEN");
            env["MATRIX_USER_ID"] = H.Hs.BotId;
            env["MATRIX_PASSWORD"] = TestHomeserver.BotPassword;
            return env;
        }

        public async Task<ProcessResult> CliAsync(Dictionary<string, string?> env, params string[] args)
        {
            var run = await CliRunner.RunAsync(args, env);
            Runs.Add(run);
            return run;
        }

        /// <summary>A private file holding <paramref name="recoveryKey"/>, outside every state directory.</summary>
        public string KeyFile(string recoveryKey, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
        {
            var path = Path.Combine(Keys, $"recovery-{Guid.NewGuid():N}.key");
            File.WriteAllText(path, recoveryKey + "\n");
            File.SetUnixFileMode(path, mode);
            return path;
        }

        public async ValueTask DisposeAsync()
        {
            await Alice.DisposeAsync();
            await H.DisposeAsync();
            _hosts.ForEach(h => h.Dispose());
            Keys.Dispose();
        }
    }

    private static JsonObject Json(ProcessResult run)
    {
        Assert.True(run.ExitCode == 0, run.ToString());
        return JsonNode.Parse(run.Stdout)!.AsObject();
    }

    /// <summary>JSON text with nothing escaped that need not be (a base64 key's <c>+</c> stays <c>+</c>).</summary>
    private static string Plain(JsonNode? node) => node?.ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) ?? "null";

    private static int Count(string text, string part) => part.Length == 0 ? 0 : (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;

    /// <summary>The recovery key (as printed, and without its spaces) appears in no output but <paramref name="printed"/>'s,
    /// once there, and in no file of any host's state.</summary>
    private static void PrintedOnceOnly(World w, string recoveryKey, ProcessResult printed)
    {
        var compact = recoveryKey.Replace(" ", "", StringComparison.Ordinal);
        Assert.Equal(1, Count(printed.Stdout, recoveryKey));
        Assert.DoesNotContain(recoveryKey, printed.Stderr, StringComparison.Ordinal);
        Assert.All(w.Runs.Where(r => !ReferenceEquals(r, printed)), r => Assert.DoesNotContain(recoveryKey, r.Output, StringComparison.Ordinal));
        Assert.All(w.Runs, r => Assert.DoesNotContain(compact, r.Output, StringComparison.Ordinal));
        foreach (var file in w.StateDirectories.SelectMany(d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories)))
        {
            var text = Encoding.Latin1.GetString(File.ReadAllBytes(file));
            Assert.False(text.Contains(recoveryKey, StringComparison.Ordinal) || text.Contains(compact, StringComparison.Ordinal), $"the recovery key is in {file}");
        }
    }

    [Fact]
    public async Task Devices_of_the_bot_given_the_recovery_key_are_cross_signed_by_its_identity_and_one_not_given_it_is_not()
    {
        await using var w = await World.StartAsync();
        var bot = w.H.Hs.BotId;

        var hostA = await w.HostAsync("HOSTA");
        var bootstrap = await w.CliAsync(hostA, "crypto", "bootstrap", "--device-id", "HOSTA", "--output", "json");
        var made = Json(bootstrap);
        var recoveryKey = made["recovery_key"]!.GetValue<string>();
        Assert.Equal(recoveryKey, RecoveryKey.Parse(recoveryKey).Encode()); // the spec's format
        var masterKey = made["master_key"]!.GetValue<string>();

        var hostB = await w.HostAsync("HOSTB");
        var keyFile = w.KeyFile(recoveryKey);
        var fromB = await w.CliAsync(hostB, "send", w.RoomId, "--text", "deploy of web-01 finished", "--join", "--device-id", "HOSTB", "--recovery-key-file", keyFile, "--output", "json");
        var againB = await w.CliAsync(hostB, "send", w.RoomId, "--text", "web-01 healthy", "--device-id", "HOSTB", "--recovery-key-file", keyFile, "--output", "json");
        var hostC = await w.HostAsync("HOSTC");
        hostC["SOLTI_MATRIX_RECOVERY_KEY"] = recoveryKey;
        var fromC = await w.CliAsync(hostC, "send", w.RoomId, "--text", "deploy of web-02 finished", "--join", "--device-id", "HOSTC", "--output", "json");
        var hostD = await w.HostAsync("HOSTD");
        var fromD = await w.CliAsync(hostD, "send", w.RoomId, "--text", "deploy of web-03 finished", "--join", "--device-id", "HOSTD", "--output", "json");

        Assert.All(new[] { fromB, againB, fromC, fromD }, r => Assert.True(Json(r)["encrypted"]!.GetValue<bool>(), r.ToString()));
        var seen = await w.Alice.WaitDeviceTrustAsync(bot, new Dictionary<string, bool> { ["HOSTA"] = true, ["HOSTB"] = true, ["HOSTC"] = true, ["HOSTD"] = false }, E2eeJudge.DecryptTimeout);
        Assert.Contains(masterKey, Plain(seen["cross_signing_keys"]), StringComparison.Ordinal); // the identity js-sdk checked them against
        Assert.All(seen["devices"]!.AsArray(), d => Assert.False(d!["verification"]!["cross_signing_verified"]!.GetValue<bool>())); // alice trusts no one's identity
        var messages = await w.Alice.WaitMessagesAsync(w.RoomId, 4, sender: bot, timeout: E2eeJudge.DecryptTimeout);
        Assert.Equal(["HOSTB", "HOSTB", "HOSTC", "HOSTD"], messages.Select(m => m.SenderDevice));
        Assert.All(messages, m => Assert.Null(m.DecryptionError));

        var statusB = Json(await w.CliAsync(hostB, "crypto", "status", "--device-id", "HOSTB", "--output", "json"));
        var statusD = Json(await w.CliAsync(hostD, "crypto", "status", "--device-id", "HOSTD", "--output", "json"));
        Assert.Equal((true, masterKey, "HOSTB"), (statusB["cross_signed"]!.GetValue<bool>(), statusB["master_key"]!.GetValue<string>(), statusB["device_id"]!.GetValue<string>()));
        Assert.Equal([w.RoomId], statusB["outbound_sessions"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.False(statusD["cross_signed"]!.GetValue<bool>());
        PrintedOnceOnly(w, recoveryKey, bootstrap);

        var again = await w.CliAsync(hostA, "crypto", "bootstrap", "--device-id", "HOSTA", "--output", "json");
        Assert.NotEqual(0, again.ExitCode);
        Assert.Contains("--reset", again.Stdout, StringComparison.Ordinal); // refused: the bot has an identity
    }

    [Fact]
    public async Task Reset_device_starts_a_host_over_on_the_next_device_of_its_series_signed_again_and_deletes_the_old_one()
    {
        await using var w = await World.StartAsync();
        var bot = w.H.Hs.BotId;
        var recoveryKey = Json(await w.CliAsync(await w.HostAsync("HOSTA"), "crypto", "bootstrap", "--device-id", "HOSTA", "--output", "json"))["recovery_key"]!.GetValue<string>();
        var host = await w.HostAsync("HOSTB");
        host["SOLTI_MATRIX_RECOVERY_KEY"] = recoveryKey;
        var before = Json(await w.CliAsync(host, "send", w.RoomId, "--text", "before the reset", "--join", "--device-id", "HOSTB", "--output", "json"));
        var oldStore = Assert.Single(Directory.GetFiles(Path.Combine(w.StateDirectories.Last(), "solti-matrix"), "crypto_*HOSTB*.db"));

        var reset = Json(await w.CliAsync(host, "crypto", "reset-device", "--device-id", "HOSTB", "--output", "json"));
        var after = Json(await w.CliAsync(host, "send", w.RoomId, "--text", "after the reset", "--device-id", "HOSTB", "--output", "json"));

        Assert.True(before["encrypted"]!.GetValue<bool>() && after["encrypted"]!.GetValue<bool>());
        Assert.Equal(("HOSTB", "HOSTB2", true), (reset["old_device_id"]!.GetValue<string>(), reset["device_id"]!.GetValue<string>(), reset["cross_signed"]!.GetValue<bool>()));
        Assert.False(File.Exists(oldStore));
        var devices = await w.H.Raw.GetAsync($"/_synapse/admin/v2/users/{MatrixTestClient.Enc(bot)}/devices", w.H.Admin.AccessToken);
        var listed = devices.Object["devices"]!.AsArray().Select(d => JsPeer.Str(d, "device_id")).ToList();
        Assert.Contains("HOSTB2", listed);
        Assert.DoesNotContain("HOSTB", listed);
        await w.Alice.WaitDeviceTrustAsync(bot, new Dictionary<string, bool> { ["HOSTA"] = true, ["HOSTB2"] = true }, E2eeJudge.DecryptTimeout);
        var messages = await w.Alice.WaitMessagesAsync(w.RoomId, 2, sender: bot, timeout: E2eeJudge.DecryptTimeout);
        Assert.Equal([("before the reset", "HOSTB"), ("after the reset", "HOSTB2")], messages.Select(m => (m.Body, m.SenderDevice)));
        Assert.All(messages, m => Assert.Null(m.DecryptionError));
    }

    [Fact]
    public async Task On_a_synapse_1_67_homeserver_bootstrap_answers_the_password_asked_for_the_first_upload_and_a_token_alone_is_told_what_to_give()
    {
        await using var w = await World.StartAsync(Compatibility.Synapse167);

        var tokenOnly = await w.CliAsync(await w.HostAsync("TOKENHOST", tokenOnly: true), "crypto", "bootstrap", "--output", "json");
        var host = await w.HostAsync("PASSHOST");
        var withPassword = await w.CliAsync(host, "crypto", "bootstrap", "--device-id", "PASSHOST", "--output", "json");

        Assert.NotEqual(0, tokenOnly.ExitCode);
        Assert.Contains("asks the password", tokenOnly.Stderr, StringComparison.Ordinal);
        Assert.Contains("MATRIX_PASSWORD", tokenOnly.Stderr, StringComparison.Ordinal);
        var made = Json(withPassword);
        Json(await w.CliAsync(host, "send", w.RoomId, "--text", "bootstrapped", "--join", "--device-id", "PASSHOST", "--output", "json")); // alice now shares a room with the bot: she follows its devices
        var seen = await w.Alice.WaitDeviceTrustAsync(w.H.Hs.BotId, new Dictionary<string, bool> { ["PASSHOST"] = true }, E2eeJudge.DecryptTimeout);
        Assert.Contains(made["master_key"]!.GetValue<string>(), Plain(seen["cross_signing_keys"]), StringComparison.Ordinal);
        Assert.DoesNotContain(TestHomeserver.BotPassword, string.Concat(w.Runs.Select(r => r.Output)), StringComparison.Ordinal);

        // --reset replaces the identity (the password again): the device is signed by the new self-signing key.
        var reset = Json(await w.CliAsync(host, "crypto", "bootstrap", "--reset", "--device-id", "PASSHOST", "--output", "json"));
        Assert.True(reset["replaced"]!.GetValue<bool>());
        Assert.NotEqual(made["master_key"]!.GetValue<string>(), reset["master_key"]!.GetValue<string>());
        Assert.NotEqual(made["recovery_key"]!.GetValue<string>(), reset["recovery_key"]!.GetValue<string>());
    }

    [Fact]
    public async Task On_MAS_a_reset_waits_for_the_approval_in_a_browser_and_the_refused_one_leaves_the_identity_readable_with_its_key()
    {
        await using var h = await LibraryHarness.StartAsync(o => o with { AuthenticationService = TestHomeserver.Mas() });
        var states = new List<TempDirectory>();
        Dictionary<string, string?> Host(string recoveryKey = "")
        {
            var state = new TempDirectory("solti-identity-mas-");
            states.Add(state);
            var env = h.CliEnvironment("", state);
            env.Remove("MATRIX_ACCESS_TOKEN");
            env["MATRIX_USER_ID"] = h.Hs.BotId;
            env["MATRIX_PASSWORD"] = TestHomeserver.BotPassword; // a password login through MAS's compatibility layer
            env["SOLTI_MATRIX_RECOVERY_KEY"] = recoveryKey;
            return env;
        }

        try
        {
            var hostA = Host();
            var made = Json(await CliRunner.RunAsync(["crypto", "bootstrap", "--device-id", "MASA", "--output", "json"], hostA)); // a first upload: no approval
            var refused = await CliRunner.RunAsync(["crypto", "bootstrap", "--reset", "--device-id", "MASA", "--output", "json"], hostA);

            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains("account/?action=org.matrix.cross_signing_reset", refused.Output, StringComparison.Ordinal);
            Assert.Contains("approve", refused.Output, StringComparison.Ordinal);
            var recoveryKey = made["recovery_key"]!.GetValue<string>();
            var hostB = Json(await CliRunner.RunAsync(["crypto", "status", "--device-id", "MASB", "--output", "json"], Host(recoveryKey)));
            Assert.Equal((true, made["master_key"]!.GetValue<string>()), (hostB["cross_signed"]!.GetValue<bool>(), hostB["master_key"]!.GetValue<string>())); // the refused reset changed nothing

            var approve = await h.Raw.PostAsync($"/_synapse/admin/v1/users/{MatrixTestClient.Enc(h.Hs.BotId)}/_allow_cross_signing_replacement_without_uia", new JsonObject(), h.Admin.AccessToken);
            Assert.True(approve.Code == 200, approve.ToString());
            var reset = Json(await CliRunner.RunAsync(["crypto", "bootstrap", "--reset", "--device-id", "MASA", "--output", "json"], hostA));
            Assert.True(reset["replaced"]!.GetValue<bool>());
            Assert.NotEqual(made["master_key"]!.GetValue<string>(), reset["master_key"]!.GetValue<string>());
            var hostC = Json(await CliRunner.RunAsync(["crypto", "status", "--device-id", "MASC", "--output", "json"], Host(reset["recovery_key"]!.GetValue<string>())));
            Assert.Equal((true, reset["master_key"]!.GetValue<string>()), (hostC["cross_signed"]!.GetValue<bool>(), hostC["master_key"]!.GetValue<string>()));
            var stale = await CliRunner.RunAsync(["crypto", "status", "--device-id", "MASD", "--output", "json"], Host(recoveryKey));
            Assert.NotEqual(0, stale.ExitCode); // the old key opens nothing now
            Assert.DoesNotContain(recoveryKey, stale.Output, StringComparison.Ordinal);
        }
        finally
        {
            states.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task Rotating_the_recovery_key_keeps_the_identity_the_new_key_signs_a_new_host_and_the_old_one_opens_nothing()
    {
        await using var w = await World.StartAsync();
        var hostA = await w.HostAsync("HOSTA");
        var bootstrap = await w.CliAsync(hostA, "crypto", "bootstrap", "--device-id", "HOSTA", "--output", "json");
        var made = Json(bootstrap);
        var oldKey = made["recovery_key"]!.GetValue<string>();

        var wrong = await w.CliAsync(hostA, "crypto", "rotate-recovery-key", "--device-id", "HOSTA", "--recovery-key-file", w.KeyFile(RecoveryKey.Generate().Encode()), "--output", "json");
        Assert.NotEqual(0, wrong.ExitCode);
        Assert.Contains("key check", wrong.Output, StringComparison.Ordinal);
        var rotation = await w.CliAsync(hostA, "crypto", "rotate-recovery-key", "--device-id", "HOSTA", "--recovery-key-file", w.KeyFile(oldKey), "--output", "json");
        var rotated = Json(rotation);
        var newKey = rotated["recovery_key"]!.GetValue<string>();

        Assert.NotEqual(oldKey, newKey);
        Assert.Equal(made["master_key"]!.GetValue<string>(), rotated["master_key"]!.GetValue<string>()); // the same identity
        var hostB = await w.HostAsync("HOSTB");
        var statusB = Json(await w.CliAsync(hostB, "crypto", "status", "--device-id", "HOSTB", "--recovery-key-file", w.KeyFile(newKey), "--output", "json"));
        Assert.Equal((true, made["master_key"]!.GetValue<string>()), (statusB["cross_signed"]!.GetValue<bool>(), statusB["master_key"]!.GetValue<string>()));
        var statusA = Json(await w.CliAsync(hostA, "crypto", "status", "--device-id", "HOSTA", "--output", "json"));
        Assert.True(statusA["cross_signed"]!.GetValue<bool>()); // signed before, still signed: nothing to do for the hosts
        var stale = await w.CliAsync(await w.HostAsync("HOSTC"), "crypto", "status", "--device-id", "HOSTC", "--recovery-key-file", w.KeyFile(oldKey), "--output", "json");
        Assert.NotEqual(0, stale.ExitCode);
        Assert.Contains("rotate-recovery-key", stale.Output, StringComparison.Ordinal); // names where the current key came from

        foreach (var (key, printed) in new[] { (oldKey, bootstrap), (newKey, rotation) })
        {
            Assert.Equal(1, Count(printed.Stdout, key));
            Assert.All(w.Runs.Where(r => !ReferenceEquals(r, printed)), r => Assert.DoesNotContain(key, r.Output, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_wrong_recovery_key_fails_the_send_naming_the_option_without_echoing_the_key_and_a_shared_key_file_is_refused()
    {
        await using var w = await World.StartAsync();
        Json(await w.CliAsync(await w.HostAsync("HOSTA"), "crypto", "bootstrap", "--device-id", "HOSTA", "--output", "json"));
        var wrong = RecoveryKey.Generate().Encode(); // a valid key, not the bot's
        var mistyped = wrong[..^1] + (wrong[^1] == 'a' ? 'b' : 'a');

        var host = await w.HostAsync("HOSTW");
        host["SOLTI_MATRIX_RECOVERY_KEY"] = wrong;
        var refused = await w.CliAsync(host, "send", w.RoomId, "--text", "must not leave", "--join", "--device-id", "HOSTW", "--output", "json");
        host["SOLTI_MATRIX_RECOVERY_KEY"] = mistyped;
        var malformed = await w.CliAsync(host, "send", w.RoomId, "--text", "must not leave", "--device-id", "HOSTW", "--output", "json");
        host.Remove("SOLTI_MATRIX_RECOVERY_KEY");
        var shared = await w.CliAsync(host, "send", w.RoomId, "--text", "must not leave", "--device-id", "HOSTW", "--recovery-key-file", w.KeyFile(wrong, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead), "--output", "json");

        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("SOLTI_MATRIX_RECOVERY_KEY", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("key check fails", refused.Stderr, StringComparison.Ordinal);
        Assert.NotEqual(0, malformed.ExitCode);
        Assert.Contains("recovery key is not valid", malformed.Stderr, StringComparison.Ordinal);
        Assert.NotEqual(0, shared.ExitCode);
        Assert.Contains("group or others have access", shared.Stderr, StringComparison.Ordinal);
        foreach (var key in new[] { wrong, mistyped })
        {
            Assert.All(w.Runs, r => Assert.DoesNotContain(key.Replace(" ", "", StringComparison.Ordinal)[..12], r.Output.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal));
        }

        await E2eeJudge.StoredCiphertextOnlyAsync(w.H.Raw, w.RoomId, (await w.H.Hs.LoginBotAsync("READER")).AccessToken, w.H.Hs.BotId, "must not leave");
        var stored = await w.H.Raw.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(w.RoomId)}/messages?dir=f&limit=100", (await w.H.Hs.LoginBotAsync("READER")).AccessToken);
        Assert.DoesNotContain(stored.Object["chunk"]!.AsArray(), e => JsPeer.Str(e, "type") == "m.room.encrypted" && JsPeer.Str(e, "sender") == w.H.Hs.BotId); // nothing was sent
    }
}
