using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Tests.Support;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests;

/// <summary><c>synapse_room</c> from playbooks: create once, converge one field, check mode, join, absent.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public class SynapseRoomPlaybookTests(InstalledCollection collection) : ModulePlaybookTest(collection, "synapse_room", "room")
{
    private async Task<string?> StateAsync(string roomId, string type, string key)
    {
        var response = await Hs.Client.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/state/{type}", Admin.AccessToken);
        return response.Code == 200 ? response.Object[key]?.ToJsonString().Trim('"') : null;
    }

    private async Task<int> RoomCountAsync() =>
        (await Hs.Client.GetAsync("/_synapse/admin/v1/rooms", Admin.AccessToken)).Object["total_rooms"]!.GetValue<int>();

    [Fact]
    public async Task Create_once_then_converge_exactly_the_changed_field()
    {
        const string Ops = "room_alias_name: \"ops:localhost\"\nroom_name: Operations\ntopic: alerts\nadmins: [\"@bot:localhost\"]";
        var check = (await RunAsync(Ops, "--check")).Task("room");
        Assert.True(check["changed"]!.GetValue<bool>());
        Assert.Equal(0, await RoomCountAsync());

        var created = (await RunAsync(Ops)).Task("room");
        Assert.True(created["created"]!.GetValue<bool>());
        var roomId = created["room_id"]!.GetValue<string>();
        Assert.Equal("Operations", await StateAsync(roomId, "m.room.name", "name"));
        Assert.Equal("100", (await Hs.Client.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/state/m.room.power_levels", Admin.AccessToken)).Object["users"]!["@bot:localhost"]!.ToJsonString());

        var rerun = (await RunAsync(Ops)).Task("room");
        Assert.False(rerun["changed"]!.GetValue<bool>());
        Assert.Equal(1, await RoomCountAsync());

        var checkTopic = (await RunAsync(Ops.Replace("topic: alerts", "topic: deploys", StringComparison.Ordinal), "--check")).Task("room");
        Assert.True(checkTopic["changed"]!.GetValue<bool>());
        Assert.Equal("alerts", await StateAsync(roomId, "m.room.topic", "topic"));

        var topic = (await RunAsync(Ops.Replace("topic: alerts", "topic: deploys", StringComparison.Ordinal), "--diff")).Task("room");
        Assert.True(topic["changes"] is not null, topic.ToJsonString());
        Assert.Equal(["topic"], topic["changes"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Equal("alerts", topic["diff"]!["before"]!["topic"]!.GetValue<string>());
        Assert.Equal("deploys", await StateAsync(roomId, "m.room.topic", "topic"));

        var moderator = (await RunAsync(Ops.Replace("topic: alerts", "topic: deploys", StringComparison.Ordinal) + "\nmoderators: [\"@carol:localhost\"]")).Task("room");
        Assert.Equal(["power_levels"], moderator["changes"]!.AsArray().Select(c => c!.GetValue<string>()));
    }

    [Fact]
    public async Task An_override_of_the_users_keeps_the_creator_at_100_and_an_existing_room_is_converged_as_matrix_config_does()
    {
        const string Ops = "room_alias_name: \"ops:localhost\"\npower_level_content_override: {users: {\"@bot:localhost\": 50}, kick: 60}";
        var created = (await RunAsync(Ops, "--diff")).Task("room");
        Assert.True(created["created"]!.GetValue<bool>(), created.ToJsonString());
        Assert.Equal("present", created["diff"]!["after"]!["state"]!.GetValue<string>());
        var roomId = created["room_id"]!.GetValue<string>();
        var levels = (await Hs.Client.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/state/m.room.power_levels", Admin.AccessToken)).Object;
        Assert.Equal(100, levels["users"]![Hs.AdminId]!.GetValue<int>());
        Assert.Equal(50, levels["users"]!["@bot:localhost"]!.GetValue<int>());
        Assert.Equal(60, levels["kick"]!.GetValue<int>());

        // The override is for a new room only; moderators converge on the existing one, and 50 is 50.
        Assert.False((await RunAsync(Ops + "\nmoderators: [\"@bot:localhost\"]")).Task("room")["changed"]!.GetValue<bool>());
        var absent = (await RunAsync("room_alias_name: \"ops:localhost\"\nstate: absent", "--diff")).Task("room");
        Assert.True(absent["changed"]!.GetValue<bool>());
        Assert.Equal("absent", absent["diff"]!["after"]!["state"]!.GetValue<string>());
        Assert.Equal("complete", absent["shutdown"]!["status"]!.GetValue<string>());
        Assert.Equal(0, await RoomCountAsync());
    }

    [Fact]
    public async Task Join_info_members_and_absent()
    {
        var roomId = await Hs.Client.CreateRoomAsync(Admin.AccessToken, new JsonObject { ["room_alias_name"] = "lobby", ["name"] = "Lobby" });
        var join = (await RunAsync($"room_id: \"{roomId}\"\nstate: join\nuser_id: \"@bot:localhost\"")).Task("room");
        Assert.True(join["changed"]!.GetValue<bool>());
        Assert.False((await RunAsync($"room_id: \"{roomId}\"\nstate: join\nuser_id: \"@bot:localhost\"")).Task("room")["changed"]!.GetValue<bool>());

        var members = (await RunAsync("room_alias_name: \"lobby:localhost\"\nstate: members")).Task("room");
        Assert.Equal([Hs.AdminId, Hs.BotId], members["members"]!.AsArray().Select(m => m!.GetValue<string>()).Order(StringComparer.Ordinal));
        var info = (await RunAsync($"room_id: \"{roomId}\"\nstate: info")).Task("room");
        Assert.Equal("Lobby", info["room"]!["name"]!.GetValue<string>());

        var absent = (await RunAsync($"room_id: \"{roomId}\"\nstate: absent")).Task("room");
        Assert.True(absent["changed"]!.GetValue<bool>());
        Assert.Equal("complete", absent["shutdown"]!["status"]!.GetValue<string>());
        Assert.Equal(0, await RoomCountAsync());
        Assert.Equal(404, (await Hs.Client.GetAsync("/_matrix/client/v3/directory/room/" + MatrixTestClient.Enc("#lobby:localhost"))).Code);
        Assert.False((await RunAsync($"room_id: \"{roomId}\"\nstate: absent")).Task("room")["changed"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Bad_input_fails_clearly()
    {
        await FailsAsync("room_name: x", "one of the following is required: room_id, room_alias_name");
        await FailsAsync("room_alias_name: \"o ps\"", "room_alias_name must be a room alias");
        await FailsAsync("room_alias_name: ops\nstate: join", "the room does not exist");
        Assert.Equal(0, await RoomCountAsync());
    }

    [Fact]
    public async Task A_bare_alias_takes_its_server_from_room_id_then_server_name_then_the_homeserver()
    {
        // No room_id, no server_name: the homeserver's own name (the server of the admin's id, by whoami).
        var created = (await RunAsync("room_alias_name: ops\nroom_name: Ops")).Task("room");
        Assert.True(created["created"]!.GetValue<bool>(), created.ToJsonString());
        Assert.Equal("#ops:localhost", created["room_alias"]!.GetValue<string>());
        var roomId = created["room_id"]!.GetValue<string>();
        Assert.Equal(200, (await Hs.Client.GetAsync("/_matrix/client/v3/directory/room/" + MatrixTestClient.Enc("#ops:localhost"))).Code);

        // The server of an alias given as room_id, as the Python collection's scenarios write it.
        var byRoomId = (await RunAsync("room_id: \"#ops:localhost\"\nroom_alias_name: ops\nroom_name: Ops")).Task("room");
        Assert.False(byRoomId["changed"]!.GetValue<bool>(), byRoomId.ToJsonString());
        Assert.Equal(roomId, byRoomId["room_id"]!.GetValue<string>());

        var byServerName = (await RunAsync("room_alias_name: ops\nserver_name: localhost\nstate: info")).Task("room");
        Assert.Equal(roomId, byServerName["room_id"]!.GetValue<string>());
        Assert.Equal(1, await RoomCountAsync());
    }

    [Fact]
    public async Task Join_without_user_id_joins_the_user_whose_session_the_task_runs_in()
    {
        var bot = await Hs.LoginBotAsync();
        var roomId = await Hs.Client.CreateRoomAsync(bot.AccessToken, new JsonObject { ["room_alias_name"] = "lobby", ["preset"] = "public_chat" });
        var join = (await RunAsync($"room_id: \"{roomId}\"\nstate: join")).Task("room");
        Assert.True(join["changed"]!.GetValue<bool>(), join.ToJsonString());
        Assert.Equal(Hs.AdminId, join["user_id"]!.GetValue<string>());
        var members = (await RunAsync("room_alias_name: lobby\nstate: members")).Task("room");
        Assert.Contains(Hs.AdminId, members["members"]!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.False((await RunAsync("room_id: \"#lobby:localhost\"\nstate: join")).Task("room")["changed"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_bot_joins_a_room_it_was_invited_to_with_its_own_token_never_through_the_admin_API()
    {
        var bot = await Hs.LoginBotAsync("BOTJOIN");
        var notAdmin = await Hs.Client.GetAsync("/_synapse/admin/v1/rooms/" + MatrixTestClient.Enc("!nonexistent:localhost"), bot.AccessToken);
        Assert.Equal((403, "M_FORBIDDEN", "You are not a server admin"), (notAdmin.Code, notAdmin.Errcode, notAdmin.Object["error"]!.GetValue<string>()));
        var roomId = await Hs.Client.CreateRoomAsync(Admin.AccessToken, new JsonObject { ["room_alias_name"] = "private-ops", ["preset"] = "private_chat", ["invite"] = new JsonArray(Hs.BotId) });
        async Task<PlaybookRun> JoinAsBotAsync(params string[] flags) => await new Playbook(Collection, StateHome).RunAsync("""
            - hosts: localhost
              gather_facts: false
              tasks:
                - name: room
                  jackaltx.solti_matrix_mgr.synapse_room:
                    homeserver_url: "{{ hs_url }}"
                    access_token: "{{ bot_token }}"
                    room_id: "#private-ops:localhost"
                    state: join
            """, new Dictionary<string, string> { ["hs_url"] = Hs.Server.BaseAddress.ToString(), ["bot_token"] = bot.AccessToken }, true, flags);
        async Task<bool> JoinedAsync() => (await Hs.Client.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/joined_members", Admin.AccessToken)).Object["joined"]!.AsObject().ContainsKey(Hs.BotId);

        var check = (await JoinAsBotAsync("--check")).Task("room");
        Assert.True(check["changed"]!.GetValue<bool>(), check.ToJsonString());
        Assert.False(await JoinedAsync());

        var joined = await JoinAsBotAsync("--diff");
        var result = joined.Task("room");
        Assert.True(result["changed"]!.GetValue<bool>(), result.ToJsonString());
        Assert.Equal((roomId, Hs.BotId), (result["room_id"]!.GetValue<string>(), result["user_id"]!.GetValue<string>()));
        Assert.Equal("join", result["diff"]!["after"]!["members"]![Hs.BotId]!.GetValue<string>());
        Assert.True(await JoinedAsync());
        Assert.DoesNotContain(bot.AccessToken, joined.Stdout, StringComparison.Ordinal);

        Assert.False((await JoinAsBotAsync()).Task("room")["changed"]!.GetValue<bool>());
    }
}

/// <summary>The same <c>synapse_room</c> playbook tests against the oldest Synapse we support (1.67's behaviour).</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class SynapseRoomPlaybookTestsOnSynapse167(InstalledCollection collection) : SynapseRoomPlaybookTests(collection)
{
    protected override Compatibility? Profile => Compatibility.Synapse167;
}
