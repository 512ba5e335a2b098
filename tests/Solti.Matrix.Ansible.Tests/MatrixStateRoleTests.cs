using Solti.Matrix.Ansible.Tests.Support;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests;

/// <summary>The role <c>matrix_state</c>: applies <c>matrix_config</c> from play variables, idempotently, and its
/// argument spec rejects bad variables before any task runs.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class MatrixStateRoleTests(InstalledCollection collection) : ModulePlaybookTest(collection, "matrix_config", "unused")
{
    private Task<PlaybookRun> RunRoleAsync(string users, params string[] flags) => new Playbook(Collection, StateHome).RunAsync($$$"""
        - hosts: localhost
          gather_facts: false
          vars:
            matrix_homeserver_url: "{{ hs_url }}"
            matrix_admin_token: "{{ admin_token }}"
            matrix_state_domain: localhost
            matrix_state_users: {{{users}}}
            matrix_state_rooms:
              - {alias: ops, name: Operations, members: ["@alertbot"]}
          roles:
            - jackaltx.solti_matrix_mgr.matrix_state
        """, new Dictionary<string, string> { ["hs_url"] = Hs.Server.BaseAddress.ToString(), ["admin_token"] = Admin.AccessToken }, true, flags);

    [Fact]
    public async Task The_role_converges_from_variables_and_then_changes_nothing()
    {
        const string Users = "[{user_id: \"@alertbot\", displayname: Alert Bot, user_type: bot}]";
        var first = await RunRoleAsync(Users);
        Assert.True(first.ExitCode == 0, first.ToString());
        var converge = first.Task("jackaltx.solti_matrix_mgr.matrix_state : Converge users and rooms");
        Assert.True(converge["changed"]!.GetValue<bool>());
        Assert.Equal(1, converge["summary"]!["rooms_created"]!.GetValue<int>());
        var user = await Hs.Client.GetAsync("/_synapse/admin/v2/users/" + MatrixTestClient.Enc("@alertbot:localhost"), Admin.AccessToken);
        Assert.Equal("Alert Bot", user.Object["displayname"]!.GetValue<string>());

        var second = await RunRoleAsync(Users);
        Assert.False(second.Task("jackaltx.solti_matrix_mgr.matrix_state : Converge users and rooms")["changed"]!.GetValue<bool>(), second.ToString());

        var bad = await RunRoleAsync("\"not a list\"");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("matrix_state_users", bad.Stdout + bad.Stderr, StringComparison.Ordinal);
    }
}
