using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Tests.Support;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests;

/// <summary>The role <c>synapse_user</c>: upstream's variables over the module, without demotion defaults.</summary>
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
}
