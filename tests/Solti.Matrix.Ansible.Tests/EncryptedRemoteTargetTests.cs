using Solti.Matrix.Ansible.Tests.Support;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests;

/// <summary><c>matrix_event</c> on a remote target (sshd on 127.0.0.1, <see cref="SshTarget"/>) into an encrypted room,
/// from a shell with a real TERM: the target logs in as the bot on a device of its own, keeps that device's crypto
/// store in its own account's credential cache, and alice (matrix-js-sdk, <see cref="JsPeer"/>) decrypts what it sent
/// and attributes it to the target's device (<see cref="E2eeJudge"/>).</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class EncryptedRemoteTargetTests(InstalledCollection collection, SshTarget target) : IAsyncLifetime, IClassFixture<SshTarget>
{
    private const string TargetDevice = "TARGETBOT";
    private readonly string _stateHome = Directory.CreateTempSubdirectory("solti-state-").FullName;
    private TestHomeserver _hs = null!;
    private JsPeer _alice = null!;

    public async Task InitializeAsync()
    {
        _hs = await TestHomeserver.StartAsync(E2eeJudge.WithAlice);
        SshTarget.Reset(SshTarget.User);
        target.ForgetCommands();
        _alice = await E2eeJudge.AliceAsync(_hs.Server.BaseAddress);
    }

    public async Task DisposeAsync()
    {
        await _alice.DisposeAsync();
        await _hs.DisposeAsync();
        Directory.Delete(_stateHome, recursive: true);
    }

    /// <summary>Two tasks on the target, pipelining off: the collection's fast path, then Ansible's own module path, which
    /// runs the binary under <c>ssh -tt</c> (a terminal, TERM=xterm-256color). The bot has no token there: the target logs
    /// in with the password on its own device, and both processes share that device's store. Given the bot's recovery key
    /// (its identity made beforehand on another device), the target's device signs itself with the bot's identity.</summary>
    [Fact]
    public async Task Over_ssh_with_a_terminal_the_targets_own_device_encrypts_signs_itself_and_alice_decrypts_both_tasks()
    {
        var setup = await _hs.LoginBotAsync("SETUP"); // joins the bot; it never uploads keys, so it is never a recipient
        var roomId = await _alice.CreateRoomAsync(encrypted: true, invite: [_hs.BotId], name: "ops");
        Assert.Equal(200, (await _hs.Client.PostAsync("/_matrix/client/v3/join/" + MatrixTestClient.Enc(roomId), null, setup.AccessToken)).Code);
        var bootstrapState = Directory.CreateTempSubdirectory("solti-bootstrap-").FullName;
        string recoveryKey;
        using (var bootstrap = new ClientSettings(_hs.Server.BaseAddress).Client(new Sessions.SessionOptions { UserId = _hs.BotId, Password = TestHomeserver.BotPassword, DeviceId = "BOOTSTRAP" }, new Sessions.CredentialCache(bootstrapState)))
        {
            recoveryKey = (await bootstrap.BootstrapIdentityAsync(reset: false)).RecoveryKey.Encode();
        }

        Directory.Delete(bootstrapState, recursive: true);
        var vars = new Dictionary<string, string>(Playbook.BotVars(_hs, "unused", roomId)) { ["recovery_key"] = recoveryKey };

        var run = await new Playbook(collection, _stateHome) { Inventory = target.Inventory, ExtraEnvironment = target.Environment(pipelining: false) }.RunAsync("""
            - hosts: targets
              gather_facts: false
              module_defaults:
                jackaltx.solti_matrix_mgr.matrix_event:
                  homeserver_url: "{{ hs_url }}"
                  user_id: "@bot:localhost"
                  password: "{{ bot_password }}"
                  device_id: TARGETBOT
                  room_id: "{{ room }}"
                  encryption: required
                  recovery_key: "{{ recovery_key }}"
              tasks:
                - name: fast path
                  jackaltx.solti_matrix_mgr.matrix_event:
                    content: {msgtype: m.text, body: "backup of db-3 verified"}
                - name: module path over a terminal
                  vars: {solti_matrix_fastpath: false}
                  jackaltx.solti_matrix_mgr.matrix_event:
                    content: {msgtype: m.text, body: "restore drill on db-3 passed"}
            """, vars);

        Assert.True(run.ExitCode == 0, run.ToString());
        var posted = new[] { run.Task("fast path", "target"), run.Task("module path over a terminal", "target") };
        Assert.All(posted, p => Assert.True(p["encrypted"]!.GetValue<bool>(), p.ToJsonString()));
        Assert.Contains(target.Commands(), c => c.Contains("sftp-server", StringComparison.Ordinal) || c.StartsWith("scp ", StringComparison.Ordinal)); // Ansible's path was taken

        var messages = await E2eeJudge.DecryptedFromAsync(_alice, roomId, _hs.BotId, TargetDevice, count: 2);
        await _alice.WaitDeviceTrustAsync(_hs.BotId, new Dictionary<string, bool> { [TargetDevice] = true }, E2eeJudge.DecryptTimeout); // signed by the bot's identity
        Assert.DoesNotContain(recoveryKey, run.ToString(), StringComparison.Ordinal);
        Assert.Equal(posted.Select(p => p["event_id"]!.GetValue<string>()), messages.Select(m => m.EventId));
        Assert.Equal(["backup of db-3 verified", "restore drill on db-3 passed"], messages.Select(m => m.Body));
        Assert.Single(messages.Select(m => m.SessionId).Distinct()); // the second process found the session the first kept
        await E2eeJudge.StoredCiphertextOnlyAsync(_hs.Client, roomId, setup.AccessToken, _hs.BotId, "db-3");

        // The device and its store are the target account's: private to it, and nothing of them on the controller.
        var cache = Path.Combine(SshTarget.Home(SshTarget.User), ".local", "state", "solti-matrix");
        var store = Assert.Single(Directory.GetFiles(cache, "crypto_*.db"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store));
        Assert.Equal(SshTarget.User, SshTarget.Run("stat", "-c", "%U", store).Output.Trim());
        Assert.False(Directory.Exists(Path.Combine(_stateHome, "solti-matrix")) && Directory.EnumerateFiles(Path.Combine(_stateHome, "solti-matrix"), "crypto_*").Any());
        Assert.Empty(SshTarget.LeftBehind(SshTarget.User));
    }
}
