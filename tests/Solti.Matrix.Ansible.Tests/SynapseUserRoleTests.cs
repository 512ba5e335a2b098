using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Tests.Support;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests;

/// <summary>The role <c>synapse_user</c>: upstream's variables over the module, without demotion defaults.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class SynapseUserRoleTests(InstalledCollection collection) : ModulePlaybookTest(collection, "synapse_user", "unused")
{
    private Task<PlaybookRun> RunRoleAsync(string users) => new Playbook(Collection, StateHome).RunAsync($$$"""
        - hosts: localhost
          gather_facts: false
          vars:
            matrix_homeserver_url: "{{ hs_url }}"
            matrix_admin_token: "{{ admin_token }}"
            synapse_users: {{{users}}}
          roles:
            - jackaltx.solti_matrix_mgr.synapse_user
        """, new Dictionary<string, string> { ["hs_url"] = Hs.Server.BaseAddress.ToString(), ["admin_token"] = Admin.AccessToken });

    private async Task<JsonObject> UserAsync(string id) =>
        (await Hs.Client.GetAsync("/_synapse/admin/v2/users/" + MatrixTestClient.Enc(id), Admin.AccessToken)).Object;

    [Fact]
    public async Task Accounts_converge_admins_are_never_demoted_and_bots_get_no_rate_limit()
    {
        Assert.Equal(201, (await Hs.Client.PutAsync("/_synapse/admin/v2/users/" + MatrixTestClient.Enc("@alice:localhost"), new JsonObject { ["admin"] = true, ["password"] = "alice-pass" }, Admin.AccessToken)).Code);
        const string Users = """
            [{user_id: "@alertbot:localhost", password: "bot-secret-1", user_type: bot, displayname: Alert Bot},
             {user_id: "@alice:localhost", displayname: Alice},
             {user_id: "@nobody:localhost", state: absent}]
            """;

        var first = await RunRoleAsync(Users);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal("Alert Bot", (await UserAsync("@alertbot:localhost"))["displayname"]!.GetValue<string>());
        var alice = await UserAsync("@alice:localhost");
        Assert.Equal(("Alice", true), (alice["displayname"]!.GetValue<string>(), alice["admin"]!.GetValue<bool>()));
        var limit = await Hs.Client.GetAsync("/_synapse/admin/v1/users/" + MatrixTestClient.Enc("@alertbot:localhost") + "/override_ratelimit", Admin.AccessToken);
        Assert.Equal((0, 0), (limit.Object["messages_per_second"]!.GetValue<int>(), limit.Object["burst_count"]!.GetValue<int>()));
        Assert.Equal(404, (await Hs.Client.GetAsync("/_synapse/admin/v2/users/" + MatrixTestClient.Enc("@nobody:localhost"), Admin.AccessToken)).Code);
        Assert.DoesNotContain("bot-secret-1", first.Stdout + first.Stderr, StringComparison.Ordinal);

        var second = await RunRoleAsync(Users);
        Assert.False(second.Task("jackaltx.solti_matrix_mgr.synapse_user : Ensure the accounts")["changed"]!.GetValue<bool>(), second.ToString());
    }

    /// <summary>An inventory written for the original role: <c>synapse_homeserver_url</c>, <c>synapse_admin_token</c>,
    /// <c>synapse_validate_certs</c>, <c>ratelimit_disabled</c> on an entry with the <c>synapse_bot_ratelimit_*</c>
    /// values, <c>synapse_user_default_admin</c> set (so it demotes, as it did there), <c>synapse_verbose</c>, and the
    /// registered <c>synapse_user_results</c>.</summary>
    [Fact]
    public async Task An_inventory_written_for_the_original_role_ensures_the_accounts_with_its_meanings()
    {
        Assert.Equal(201, (await Hs.Client.PutAsync("/_synapse/admin/v2/users/" + MatrixTestClient.Enc("@bob:localhost"), new JsonObject { ["admin"] = true, ["password"] = "bob-pass-1" }, Admin.AccessToken)).Code);
        var dir = Directory.CreateTempSubdirectory("solti-inventory-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir, "hosts"), "[matrix_servers]\nlocalhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n");
            Directory.CreateDirectory(Path.Combine(dir, "group_vars"));
            await File.WriteAllTextAsync(Path.Combine(dir, "group_vars", "all.yml"), $$$"""
                matrix_domain: localhost
                synapse_homeserver_url: "{{{Hs.Server.BaseAddress}}}"
                synapse_admin_token: "{{{Admin.AccessToken}}}"
                synapse_validate_certs: true
                synapse_user_default_admin: false
                synapse_bot_ratelimit_messages_per_second: 0
                synapse_bot_ratelimit_burst_count: 0
                synapse_verbose: true
                synapse_users:
                  - user_id: "@hookshot:{{ matrix_domain }}"
                    displayname: "Hookshot Bot"
                    admin: false
                    password: "hookshot-secret-1"
                    state: present
                    ratelimit_disabled: true
                  - user_id: "@bob:{{ matrix_domain }}"
                    displayname: "Bob (Test User)"
                    state: present
                """);
            var run = await new Playbook(Collection, StateHome) { Inventory = Path.Combine(dir, "hosts") }.RunAsync("""
                - hosts: matrix_servers
                  gather_facts: false
                  roles:
                    - role: jackaltx.solti_matrix_mgr.synapse_user
                  post_tasks:
                    - name: results
                      ansible.builtin.debug:
                        msg: "{{ synapse_user_results.results | map(attribute='item.user_id') | list }}"
                """);
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Equal("Hookshot Bot", (await UserAsync("@hookshot:localhost"))["displayname"]!.GetValue<string>());
            var limit = await Hs.Client.GetAsync("/_synapse/admin/v1/users/" + MatrixTestClient.Enc("@hookshot:localhost") + "/override_ratelimit", Admin.AccessToken);
            Assert.Equal((0, 0), (limit.Object["messages_per_second"]!.GetValue<int>(), limit.Object["burst_count"]!.GetValue<int>()));
            var bob = await UserAsync("@bob:localhost");
            Assert.Equal(("Bob (Test User)", false), (bob["displayname"]!.GetValue<string>(), bob["admin"]!.GetValue<bool>()));
            var report = run.Task("jackaltx.solti_matrix_mgr.synapse_user : Report user changes")["results"]!.AsArray().Select(r => r!["msg"]!.GetValue<string>());
            Assert.Equal(["User @hookshot:localhost: changed", "User @bob:localhost: changed"], report);
            Assert.Equal("[\"@hookshot:localhost\",\"@bob:localhost\"]", run.Task("results")["msg"]!.ToJsonString());
            Assert.DoesNotContain("hookshot-secret-1", run.Stdout + run.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>No token at all: the admin's id and password are enough, and the empty token is left out of the call.</summary>
    [Fact]
    public async Task The_admin_credentials_are_enough_without_a_token()
    {
        var run = await RoleAsync($$$"""
            synapse_user_admin_user: "@admin:localhost"
            synapse_user_admin_password: "{{{TestHomeserver.AdminPassword}}}"
            synapse_users: [{user_id: "@carol:localhost", displayname: Carol}]
            """);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("Carol", (await UserAsync("@carol:localhost"))["displayname"]!.GetValue<string>());

        var none = await RoleAsync("""synapse_users: [{user_id: "@carol:localhost"}]""");
        Assert.NotEqual(0, none.ExitCode);
        Assert.Contains("either an admin's token", none.Stdout, StringComparison.Ordinal);
    }

    /// <summary>The role with <c>synapse_homeserver_url</c> and the given role variables (YAML lines).</summary>
    private Task<PlaybookRun> RoleAsync(string vars) => new Playbook(Collection, StateHome).RunAsync($$$"""
        - hosts: localhost
          gather_facts: false
          roles:
            - role: jackaltx.solti_matrix_mgr.synapse_user
              vars:
                synapse_homeserver_url: "{{{Hs.Server.BaseAddress}}}"
        {{{string.Join('\n', vars.Split('\n').Select(l => "        " + l))}}}
        """);
}
