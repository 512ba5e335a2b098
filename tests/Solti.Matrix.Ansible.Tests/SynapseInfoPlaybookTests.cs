using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Tests.Support;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests;

/// <summary><c>synapse_info</c> from playbooks: every page up to the limit, read-only.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public class SynapseInfoPlaybookTests(InstalledCollection collection) : ModulePlaybookTest(collection, "synapse_info", "info")
{
    [Fact]
    public async Task Users_and_rooms_come_from_every_page_up_to_the_limit()
    {
        for (var i = 0; i < 258; i++)
        {
            Assert.Equal(201, (await Hs.Client.PutAsync($"/_synapse/admin/v2/users/{MatrixTestClient.Enc($"@user{i:D3}:localhost")}", new JsonObject(), Admin.AccessToken)).Code);
        }

        for (var i = 0; i < 5; i++)
        {
            await Hs.Client.CreateRoomAsync(Admin.AccessToken, new JsonObject { ["name"] = $"room {i}" });
        }

        await Hs.Client.DeleteAsync("/_solti/testing/v1/counters", Admin.AccessToken);
        var all = (await RunAsync("gather: [all]\nlimit: 1000")).Task("info");
        Assert.False(all["changed"]!.GetValue<bool>());
        Assert.False(string.IsNullOrEmpty(all["version"]!.GetValue<string>()));
        Assert.Equal(("synapse", null), (all["auth"]!.GetValue<string>(), all["mas_issuer"]?.GetValue<string>()));
        Assert.Equal(260, all["users"]!.AsArray().Count);
        Assert.Equal(260, all["users_total"]!.GetValue<int>());
        Assert.Equal(260, all["users"]!.AsArray().Select(u => u!["name"]!.GetValue<string>()).Distinct().Count());
        Assert.Equal(5, all["rooms_total"]!.GetValue<int>());
        Assert.Empty(all["registration_tokens"]!.AsArray());
        Assert.True(all["background_updates"]!["enabled"]!.GetValue<bool>());
        var counters = (await Hs.Client.GetAsync("/_solti/testing/v1/counters", Admin.AccessToken)).Object["counters"]!;
        Assert.Equal(3, counters["admin.users.list"]!.GetValue<long>());

        var capped = (await RunAsync("gather: [users]\nlimit: 150")).Task("info");
        Assert.Equal(150, capped["users"]!.AsArray().Count);
        Assert.Equal(260, capped["users_total"]!.GetValue<int>());
        Assert.False(capped.ContainsKey("rooms"));

        var filtered = (await RunAsync("gather: users\nusers_filter: user25")).Task("info");
        Assert.Equal(["@user250:localhost", "@user251:localhost", "@user252:localhost", "@user253:localhost", "@user254:localhost", "@user255:localhost", "@user256:localhost", "@user257:localhost"],
            filtered["users"]!.AsArray().Select(u => u!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Background_updates_show_whether_they_run_and_the_one_running()
    {
        var idle = (await RunAsync("gather: [background_updates]", "--check")).Task("info");
        Assert.False(idle["changed"]!.GetValue<bool>());
        Assert.True(idle["background_updates"]!["enabled"]!.GetValue<bool>());
        Assert.Empty(idle["background_updates"]!["current_updates"]!.AsObject());
        Assert.False(idle.ContainsKey("version"));

        var update = new JsonObject { ["name"] = "populate_stats_process_rooms", ["total_item_count"] = 50, ["total_duration_ms"] = 1000.5, ["average_items_per_ms"] = 0.05 };
        await Hs.Client.PostAsync("/_solti/testing/v1/background_update", new JsonObject { ["update"] = update }, Admin.AccessToken);
        var running = (await RunAsync("gather: [background_updates]")).Task("info");
        Assert.Equal("populate_stats_process_rooms", running["background_updates"]!["current_updates"]!["master"]!["name"]!.GetValue<string>());
        Assert.Equal(50, running["background_updates"]!["current_updates"]!["master"]!["total_item_count"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_stale_admin_token_heals_with_admin_user_and_admin_password()
    {
        Assert.Equal(200, (await Hs.Client.PostAsync("/_solti/testing/v1/expire_token", new JsonObject { ["access_token"] = Admin.AccessToken }, (await Hs.LoginAdminAsync("SECOND")).AccessToken)).Code);
        var run = await new Playbook(Collection, StateHome).RunAsync("""
            - hosts: localhost
              gather_facts: false
              tasks:
                - name: info
                  jackaltx.solti_matrix_mgr.synapse_info:
                    homeserver_url: "{{ hs_url }}"
                    access_token: "{{ admin_token }}"
                    admin_user: "@admin:localhost"
                    admin_password: "{{ admin_password }}"
                    gather: [users]
            """, new Dictionary<string, string> { ["hs_url"] = Hs.Server.BaseAddress.ToString(), ["admin_token"] = Admin.AccessToken, ["admin_password"] = TestHomeserver.AdminPassword });

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(2, run.Task("info")["users_total"]!.GetValue<int>());
        Assert.DoesNotContain(TestHomeserver.AdminPassword, run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_is_the_default_and_bad_input_fails_clearly()
    {
        var version = (await RunAsync("gather: [version]", "--check")).Task("info");
        Assert.Equal(Hs.Server.Options.ServerVersion, version["version"]!.GetValue<string>());
        Assert.False(version.ContainsKey("users"));

        var bad = (await RunAsync("gather: [everything]")).Task("info");
        Assert.True(bad["failed"]!.GetValue<bool>());
        Assert.Contains("value of gather must be one or more of: version, users, rooms, registration_tokens, background_updates, all. Got no match for: everything", bad["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        await FailsAsync("limit: 0", "limit must be 1 or more");
    }
}

/// <summary>The same <c>synapse_info</c> playbook tests against the oldest Synapse we support (1.67's behaviour).</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class SynapseInfoPlaybookTestsOnSynapse167(InstalledCollection collection) : SynapseInfoPlaybookTests(collection)
{
    protected override Compatibility? Profile => Compatibility.Synapse167;
}
