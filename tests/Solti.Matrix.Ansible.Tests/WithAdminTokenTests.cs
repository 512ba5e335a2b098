using Solti.Matrix.Ansible.Tests.Support;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests;

/// <summary><c>scripts/with-admin-token</c> from the installed collection: a playbook runs with a short-lived admin
/// token, which is revoked afterwards (device gone, token dead), and the command's exit code comes through.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class WithAdminTokenTests(InstalledCollection collection) : ModulePlaybookTest(collection, "synapse_info", "unused")
{
    private string Script => Path.Combine(Collection.CollectionsPath, "ansible_collections", "jackaltx", "solti_matrix_mgr", "scripts", "with-admin-token");

    [Fact]
    public async Task A_playbook_runs_with_an_ephemeral_admin_token_that_is_revoked_afterwards()
    {
        var dir = Directory.CreateTempSubdirectory("solti-wrapper-").FullName;
        try
        {
            var play = Path.Combine(dir, "play.yml");
            await File.WriteAllTextAsync(play, """
                - hosts: localhost
                  gather_facts: false
                  tasks:
                    - name: version
                      jackaltx.solti_matrix_mgr.synapse_info:
                        homeserver_url: "{{ lookup('env', 'MATRIX_HOMESERVER_URL') }}"
                        access_token: "{{ lookup('env', 'MATRIX_ADMIN_TOKEN') }}"
                      register: info
                    - name: keep the token for the test
                      ansible.builtin.copy:
                        dest: "{{ playbook_dir }}/token"
                        content: "{{ lookup('env', 'MATRIX_ADMIN_TOKEN') }}"
                        mode: "0600"
                      no_log: true
                """);
            var (code, output) = await RunWrappedAsync(dir, "ansible-playbook", "-i", "localhost,", "-c", "local", play);
            Assert.True(code == 0, output);
            var token = await File.ReadAllTextAsync(Path.Combine(dir, "token"));
            Assert.StartsWith("syt_", token, StringComparison.Ordinal);
            Assert.DoesNotContain(token, output, StringComparison.Ordinal);
            Assert.DoesNotContain(TestHomeserver.AdminPassword, output, StringComparison.Ordinal);

            Assert.Equal(401, (await Hs.Client.GetAsync("/_matrix/client/v3/account/whoami", token)).Code);
            var devices = await Hs.Client.GetAsync("/_synapse/admin/v2/users/" + MatrixTestClient.Enc(Hs.AdminId) + "/devices", Admin.AccessToken);
            Assert.DoesNotContain(devices.Object["devices"]!.AsArray(), d => d!["device_id"]!.GetValue<string>() == "SOLTI-EPHEMERAL");

            var (failed, _) = await RunWrappedAsync(dir, "sh", "-c", "exit 7");
            Assert.Equal(7, failed);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private async Task<(int Code, string Output)> RunWrappedAsync(string dir, params string[] command)
    {
        var start = ProcessRunner.StartInfo(Script, command, dir);

        start.Environment["MATRIX_HOMESERVER_URL"] = Hs.Server.BaseAddress.ToString();
        start.Environment["MATRIX_ADMIN_USER"] = Hs.AdminId;
        start.Environment["MATRIX_ADMIN_PASSWORD"] = TestHomeserver.AdminPassword;
        Playbook.Environment(start, Collection, dir, StateHome);
        var run = await ProcessRunner.RunAsync(start);
        return (run.ExitCode, run.Output);
    }
}
