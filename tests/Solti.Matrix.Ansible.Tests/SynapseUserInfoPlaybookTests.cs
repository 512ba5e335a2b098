using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Tests.Support;
using Solti.Matrix.Homeserver.Tests.Support;

namespace Solti.Matrix.Ansible.Tests;

/// <summary><c>synapse_user_info</c> from playbooks: one account, and lists across more than three pages.</summary>
[Collection("ansible")]
public sealed class SynapseUserInfoPlaybookTests(InstalledCollection collection) : IAsyncLifetime
{
    private readonly string _stateHome = Directory.CreateTempSubdirectory("solti-state-").FullName;
    private TestHomeserver _hs = null!;
    private Session _admin = null!;

    public async Task InitializeAsync()
    {
        _hs = await TestHomeserver.StartAsync();
        _admin = await _hs.LoginAdminAsync();
    }

    public async Task DisposeAsync()
    {
        await _hs.DisposeAsync();
        Directory.Delete(_stateHome, recursive: true);
    }

    private Task<PlaybookRun> RunAsync(string options) => new Playbook(collection, _stateHome).RunAsync($$$"""
        - hosts: localhost
          gather_facts: false
          tasks:
            - name: info
              jackaltx.solti_matrix_mgr.synapse_user_info:
                homeserver_url: "{{ hs_url }}"
                access_token: "{{ admin_token }}"
        {{{string.Join('\n', options.Split('\n').Select(l => "        " + l))}}}
        """, new Dictionary<string, string> { ["hs_url"] = _hs.Server.BaseAddress.ToString(), ["admin_token"] = _admin.AccessToken });

    [Fact]
    public async Task Lists_every_page_and_filters_by_type_admin_and_deactivation()
    {
        for (var i = 0; i < 330; i++)
        {
            var body = new JsonObject { ["user_type"] = i % 3 == 0 ? "bot" : null };
            Assert.Equal(201, (await _hs.Client.PutAsync($"/_synapse/admin/v2/users/{MatrixTestClient.Enc($"@member{i:D3}:localhost")}", body, _admin.AccessToken)).Code);
        }

        await _hs.Client.PostAsync("/_synapse/admin/v1/deactivate/" + MatrixTestClient.Enc("@member000:localhost"), new JsonObject(), _admin.AccessToken);
        await _hs.Client.DeleteAsync("/_solti/testing/v1/counters", _admin.AccessToken);

        var all = (await RunAsync("name: member")).Task("info");
        Assert.False(all["changed"]!.GetValue<bool>());
        Assert.Equal(329, all["count"]!.GetValue<int>());
        Assert.Equal(329, all["users"]!.AsArray().Select(u => u!["name"]!.GetValue<string>()).Distinct().Count());
        var counters = (await _hs.Client.GetAsync("/_solti/testing/v1/counters", _admin.AccessToken)).Object["counters"]!;
        Assert.Equal(4, counters["admin.users.list"]!.GetValue<long>());

        var bots = (await RunAsync("user_type: bot\ndeactivated: true")).Task("info");
        Assert.Equal(110, bots["count"]!.GetValue<int>());
        var admins = (await RunAsync("admin: true")).Task("info");
        Assert.Equal([_hs.AdminId], admins["users"]!.AsArray().Select(u => u!["name"]!.GetValue<string>()));
        var capped = (await RunAsync("name: member\nlimit: 7")).Task("info");
        Assert.Equal(7, capped["count"]!.GetValue<int>());
    }

    [Fact]
    public async Task One_account_by_id_or_null()
    {
        var bot = (await RunAsync($"user_id: \"{_hs.BotId}\"")).Task("info");
        Assert.Equal(_hs.BotId, bot["user"]!["name"]!.GetValue<string>());
        Assert.False(bot["user"]!["admin"]!.GetValue<bool>());
        var missing = (await RunAsync("user_id: \"@nobody:localhost\"")).Task("info");
        Assert.Null(missing["user"]);
        Assert.Empty(missing["users"]!.AsArray());
        var bad = (await RunAsync("limit: 0")).Task("info");
        Assert.Contains("limit must be 1 or more", bad["msg"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
