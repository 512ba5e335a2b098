using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Tests.Support;
using Solti.Matrix.Homeserver.Configuration;


namespace Solti.Matrix.Ansible.Tests;

/// <summary><c>synapse_room_info</c> from playbooks: by id, by alias (server name from the alias), and searches across pages.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public class SynapseRoomInfoPlaybookTests(InstalledCollection collection) : ModulePlaybookTest(collection, "synapse_room_info", "info")
{
    protected override Func<Homeserver.Configuration.HomeserverOptions, Homeserver.Configuration.HomeserverOptions>? Configure => o => o with { ServerName = "example.com" };

    [Fact]
    public async Task One_room_by_id_or_alias_with_its_members()
    {
        var roomId = await Hs.Client.CreateRoomAsync(Admin.AccessToken, new JsonObject { ["name"] = "Ops", ["room_alias_name"] = "ops" });

        var byId = (await RunAsync($"room_id: \"{roomId}\"")).Task("info");
        Assert.Equal("Ops", byId["room"]!["name"]!.GetValue<string>());
        Assert.Equal([Hs.AdminId], byId["room"]!["members"]!.AsArray().Select(m => m!.GetValue<string>()));

        var byAlias = (await RunAsync("room_alias: \"#ops:example.com\"")).Task("info");
        Assert.Equal(roomId, byAlias["room"]!["room_id"]!.GetValue<string>());
        var shortAlias = (await RunAsync("room_alias: ops\nserver_name: example.com")).Task("info");
        Assert.Equal(roomId, shortAlias["room"]!["room_id"]!.GetValue<string>());

        Assert.Equal(1, shortAlias["total"]!.GetValue<int>());

        // Without a server anywhere, the homeserver's own name (whoami: the admin is @admin:example.com here).
        var noServer = (await RunAsync("room_alias: ops")).Task("info");
        Assert.Equal(roomId, noServer["room"]!["room_id"]!.GetValue<string>());
        var noRoom = (await RunAsync("room_alias: nope")).Task("info");
        Assert.Equal("no room has the alias #nope:example.com", noRoom["msg"]!.GetValue<string>());
        var unknown = (await RunAsync("room_alias: \"#nope:example.com\"")).Task("info");
        Assert.Null(unknown["room"]);
        Assert.Equal(0, unknown["total"]!.GetValue<int>());
        await FailsAsync($"room_id: \"{roomId}\"\nsearch_term: x", "parameters are mutually exclusive: room_id|room_alias|search_term");
    }

    [Fact]
    public async Task A_search_follows_every_page()
    {
        for (var i = 0; i < 230; i++)
        {
            await Hs.Client.CreateRoomAsync(Admin.AccessToken, new JsonObject { ["name"] = $"team {i:D3}" });
        }

        await Hs.Client.CreateRoomAsync(Admin.AccessToken, new JsonObject { ["name"] = "other" });
        await Hs.Client.DeleteAsync("/_solti/testing/v1/counters", Admin.AccessToken);
        var all = (await RunAsync("search_term: team")).Task("info");
        Assert.Equal(230, all["rooms"]!.AsArray().Count);
        Assert.Equal(230, all["total"]!.GetValue<int>());
        var counters = (await Hs.Client.GetAsync("/_solti/testing/v1/counters", Admin.AccessToken)).Object["counters"]!;
        Assert.Equal(3, counters["admin.rooms.list"]!.GetValue<long>());
        var capped = (await RunAsync("search_term: team\nlimit: 5")).Task("info");
        Assert.Equal(5, capped["rooms"]!.AsArray().Count);
    }
}

/// <summary>The same <c>synapse_room_info</c> playbook tests against the oldest Synapse we support (1.67's behaviour).</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class SynapseRoomInfoPlaybookTestsOnSynapse167(InstalledCollection collection) : SynapseRoomInfoPlaybookTests(collection)
{
    protected override Compatibility? Profile => Compatibility.Synapse167;
}
