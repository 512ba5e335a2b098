using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Tests.Support;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests;

/// <summary><c>synapse_user_info</c> from playbooks: one account, and lists across more than three pages.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public class SynapseUserInfoPlaybookTests(InstalledCollection collection) : ModulePlaybookTest(collection, "synapse_user_info", "info")
{
    [Fact]
    public async Task Lists_every_page_and_filters_by_type_admin_and_deactivation()
    {
        // On MAS the accounts are MAS's, which provisions Synapse's; the user type is Synapse's on both.
        var masIds = new List<string>();
        for (var i = 0; i < 330; i++)
        {
            if (MasToken is not null)
            {
                var created = await Hs.Client.PostAsync("/api/admin/v1/users", new JsonObject { ["username"] = $"member{i:D3}" }, MasToken);
                Assert.Equal(201, created.Code);
                masIds.Add(created.Object["data"]!["id"]!.GetValue<string>());
            }

            var body = new JsonObject { ["user_type"] = i % 3 == 0 ? "bot" : null };
            Assert.Equal(OnMas ? 200 : 201, (await Hs.Client.PutAsync($"/_synapse/admin/v2/users/{MatrixTestClient.Enc($"@member{i:D3}:localhost")}", body, Admin.AccessToken)).Code);
        }

        var deactivated = MasToken is not null
            ? await Hs.Client.PostAsync($"/api/admin/v1/users/{masIds[0]}/deactivate", new JsonObject { ["skip_erase"] = true }, MasToken)
            : await Hs.Client.PostAsync("/_synapse/admin/v1/deactivate/" + MatrixTestClient.Enc("@member000:localhost"), new JsonObject(), Admin.AccessToken);
        Assert.Equal(200, deactivated.Code);
        await Hs.Client.DeleteAsync("/_solti/testing/v1/counters", Admin.AccessToken);

        var all = (await RunAsync("name: member")).Task("info");
        Assert.False(all["changed"]!.GetValue<bool>());
        Assert.Equal(329, all["count"]!.GetValue<int>());
        Assert.Equal(329, all["total"]!.GetValue<int>());
        Assert.Equal(329, all["users"]!.AsArray().Select(u => u!["name"]!.GetValue<string>()).Distinct().Count());
        var counters = (await Hs.Client.GetAsync("/_solti/testing/v1/counters", Admin.AccessToken)).Object["counters"]!;
        Assert.Equal(4, counters["admin.users.list"]!.GetValue<long>());

        var bots = (await RunAsync("user_type: bot\ndeactivated: true")).Task("info");
        Assert.Equal(110, bots["count"]!.GetValue<int>());
        var admins = (await RunAsync("admin: true")).Task("info");
        Assert.Equal([Hs.AdminId], admins["users"]!.AsArray().Select(u => u!["name"]!.GetValue<string>()));
        var capped = (await RunAsync("name: member\nlimit: 7")).Task("info");
        Assert.Equal(7, capped["count"]!.GetValue<int>());
    }

    /// <summary>Synapse 1.67 ignores <c>not_user_type</c> and <c>admins</c>: the module filters its answer too, so every
    /// profile gives the same accounts and the same count of matches.</summary>
    [Fact]
    public async Task The_admin_api_filters_give_the_same_answer_on_every_release()
    {
        string[] types = ["bot", "support", "", "bot"];
        for (var i = 0; i < types.Length; i++)
        {
            var id = $"@filt{(char)('a' + i)}:localhost";
            if (MasToken is not null)
            {
                Assert.Equal(201, (await Hs.Client.PostAsync("/api/admin/v1/users", new JsonObject { ["username"] = id[1..id.IndexOf(':')] }, MasToken)).Code);
            }

            var body = new JsonObject { ["user_type"] = types[i].Length == 0 ? null : types[i], ["displayname"] = $"Filter {i}" };
            Assert.True((await Hs.Client.PutAsync($"/_synapse/admin/v2/users/{MatrixTestClient.Enc(id)}", body, Admin.AccessToken)).Code is 200 or 201);
        }

        static IEnumerable<string> Names(JsonNode result) => result["users"]!.AsArray().Select(u => u!["name"]!.GetValue<string>());

        var notBots = (await RunAsync("name: filt\nnot_user_types: [bot]")).Task("info");
        Assert.Equal(["@filtb:localhost", "@filtc:localhost"], Names(notBots));
        Assert.Equal(2, notBots["matched"]!.GetValue<int>());
        var typed = (await RunAsync("name: filt\nnot_user_types: [none, support]")).Task("info");
        Assert.Equal(["@filta:localhost", "@filtd:localhost"], Names(typed));
        var nonAdmins = (await RunAsync("name: filt\nadmin: false\nlimit: 1")).Task("info");
        Assert.Equal(["@filta:localhost"], Names(nonAdmins));
        Assert.Equal(4, nonAdmins["matched"]!.GetValue<int>());
        Assert.Equal(1, nonAdmins["total"]!.GetValue<int>());
        var backwards = (await RunAsync("name: filt\norder_by: name\ndir: b")).Task("info");
        Assert.Equal(["@filtd:localhost", "@filtc:localhost", "@filtb:localhost", "@filta:localhost"], Names(backwards));
        var byId = (await RunAsync("user_id_contains: filtc")).Task("info");
        Assert.Equal(["@filtc:localhost"], Names(byId));
        var bad = (await RunAsync("not_user_types: [robot]")).Task("info");
        Assert.Equal("not_user_types[0] must be bot, support or none, got 'robot'", bad["msg"]!.GetValue<string>());
    }

    [Fact]
    public async Task One_account_by_id_or_null()
    {
        var bot = (await RunAsync($"user_id: \"{Hs.BotId}\"")).Task("info");
        Assert.Equal(Hs.BotId, bot["user"]!["name"]!.GetValue<string>());
        Assert.False(bot["user"]!["admin"]!.GetValue<bool>());
        Assert.Equal(1, bot["total"]!.GetValue<int>());
        var missing = (await RunAsync("user_id: \"@nobody:localhost\"")).Task("info");
        Assert.Null(missing["user"]);
        Assert.Empty(missing["users"]!.AsArray());
        Assert.Equal(0, missing["total"]!.GetValue<int>());
        await FailsAsync("limit: 0", "limit must be 1 or more");
    }

    /// <summary>The admin's password starts the module's session where a password login is an admin's (Synapse); on MAS
    /// it is not, and the task fails as Synapse's admin API refuses it.</summary>
    [Fact]
    public async Task Admin_user_and_admin_password_without_an_access_token_work()
    {
        var run = await PlayAsync("""
            - name: info
              jackaltx.solti_matrix_mgr.synapse_user_info:
                homeserver_url: "{{ hs_url }}"
                admin_user: "{{ admin_user }}"
                admin_password: "{{ admin_password }}"
                user_id: "{{ bot }}"
              ignore_errors: true
            - name: without a password
              jackaltx.solti_matrix_mgr.synapse_user_info:
                homeserver_url: "{{ hs_url }}"
                user_id: "{{ bot }}"
              ignore_errors: true
            """, ("admin_user", Hs.AdminId), ("bot", Hs.BotId));

        Assert.True(run.ExitCode == 0, run.ToString());
        var info = run.Task("info");
        if (OnMas)
        {
            // On MAS a password login is a compatibility session, which never carries Synapse's admin scope (docs/mas.md):
            // the admin's password starts a session that Synapse's admin API refuses, and the task says so.
            Assert.True(info["failed"]!.GetValue<bool>(), info.ToJsonString());
            Assert.Equal((403, "M_FORBIDDEN"), (info["status"]!.GetValue<int>(), info["errcode"]!.GetValue<string>()));
        }
        else
        {
            Assert.False(info.ContainsKey("failed") && info["failed"]!.GetValue<bool>(), info.ToJsonString());
            Assert.Equal(Hs.BotId, info["user"]!["name"]!.GetValue<string>());
        }

        Assert.DoesNotContain(TestHomeserver.AdminPassword, run.Stdout, StringComparison.Ordinal);
        var failed = run.Task("without a password");
        Assert.True(failed["failed"]!.GetValue<bool>());
        Assert.Equal("access_token is required unless admin_user and admin_password are given", failed["msg"]!.GetValue<string>());
    }
}

/// <summary>The same <c>synapse_user_info</c> playbook tests against the oldest Synapse we support (1.67's behaviour).</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class SynapseUserInfoPlaybookTestsOnSynapse167(InstalledCollection collection) : SynapseUserInfoPlaybookTests(collection)
{
    protected override Compatibility? Profile => Compatibility.Synapse167;
}

/// <summary>The same <c>synapse_user_info</c> playbook tests on a homeserver that delegates authentication to MAS, given
/// MAS's admin client: the accounts' admin and deactivated flags are MAS's.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class SynapseUserInfoPlaybookTestsOnMas(InstalledCollection collection) : SynapseUserInfoPlaybookTests(collection)
{
    protected override bool OnMas => true;
}
