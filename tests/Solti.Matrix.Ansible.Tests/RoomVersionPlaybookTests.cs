using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Tests.Support;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests;

/// <summary><c>matrix_config</c> and <c>synapse_room</c> on a homeserver whose <c>default_room_version</c> is 12: the
/// creators (the acting admin, <c>additional_creators</c>) are never written into the power levels, an admin creator is
/// satisfied, a lower level fails naming the rule; <c>room_version</c> for new rooms, an existing room of another version
/// fails naming its version.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class RoomVersionPlaybookTests(InstalledCollection collection) : ModulePlaybookTest(collection, "matrix_config", "config")
{
    private const string Ops = """
        domain: localhost
        rooms:
          - alias: ops
            name: Operations
            members:
              - {user_id: "@admin", power_level: 100}
              - {user_id: "@bot", power_level: 50}
            power_levels:
              events: {m.room.topic: 50}
        """;

    protected override Func<HomeserverOptions, HomeserverOptions>? Configure => o => o with { DefaultRoomVersion = "12" };

    private async Task<long> WritesAsync() =>
        (await Hs.Client.GetAsync("/_solti/testing/v1/counters", Admin.AccessToken)).Object["writes"]!.GetValue<long>();

    private Task ResetCountersAsync() => Hs.Client.DeleteAsync("/_solti/testing/v1/counters", Admin.AccessToken);

    private async Task<string?> RoomIdAsync(string alias)
    {
        var response = await Hs.Client.GetAsync("/_matrix/client/v3/directory/room/" + MatrixTestClient.Enc(alias));
        return response.Code == 200 ? response.Object["room_id"]!.GetValue<string>() : null;
    }

    private async Task<JsonObject> StateAsync(string roomId, string type) =>
        (await Hs.Client.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/state/{type}/", Admin.AccessToken)).Object;

    private async Task<string> UsersAsync(string roomId) => (await StateAsync(roomId, "m.room.power_levels"))["users"]!.ToJsonString();

    [Fact]
    public async Task Matrix_config_creates_and_converges_a_version_12_room_without_listing_its_creator()
    {
        var check = (await RunAsync(Ops, "--check")).Task("config");
        Assert.True(check["changed"]!.GetValue<bool>(), check.ToJsonString());
        Assert.Null(await RoomIdAsync("#ops:localhost"));

        var created = (await RunAsync(Ops)).Task("config");
        Assert.True(created["changed"]!.GetValue<bool>(), created.ToJsonString());
        var roomId = (await RoomIdAsync("#ops:localhost"))!;
        Assert.Matches("^![A-Za-z0-9_-]{43}$", roomId); // no server part
        Assert.Equal("12", (await StateAsync(roomId, "m.room.create"))["room_version"]!.GetValue<string>());
        Assert.Equal("""{"@bot:localhost":50}""", await UsersAsync(roomId)); // the creating admin has unlimited power, unlisted
        Assert.Equal("join", (await StateAsync(roomId, "m.room.member/@bot:localhost"))["membership"]!.GetValue<string>());

        await ResetCountersAsync();
        var again = (await RunAsync(Ops, "--diff")).Task("config");
        Assert.False(again["changed"]!.GetValue<bool>(), again.ToJsonString());
        Assert.Equal(0, await WritesAsync());

        var promote = Ops.Replace("power_level: 50", "power_level: 75", StringComparison.Ordinal);
        var checkPromote = (await RunAsync(promote, "--check", "--diff")).Task("config");
        Assert.True(checkPromote["changed"]!.GetValue<bool>());
        Assert.Equal("""{"@bot:localhost":50}""", await UsersAsync(roomId));
        var promoted = (await RunAsync(promote, "--diff")).Task("config");
        Assert.True(promoted["changed"]!.GetValue<bool>(), promoted.ToJsonString());
        Assert.Equal("""{"@bot:localhost":75}""", await UsersAsync(roomId));
        Assert.False((await RunAsync(promote)).Task("config")["changed"]!.GetValue<bool>());

        // The creator cannot be demoted: the run fails before any write, naming the user and the rule.
        await ResetCountersAsync();
        var demote = (await RunAsync(promote.Replace("{user_id: \"@admin\", power_level: 100}", "{user_id: \"@admin\", power_level: 50}", StringComparison.Ordinal))).Task("config");
        Assert.True(demote["failed"]!.GetValue<bool>(), demote.ToJsonString());
        Assert.Contains("rooms[0].members[0].power_level: @admin:localhost is a creator of #ops:localhost (room version 12)", demote["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("unlimited power", demote["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0, await WritesAsync());
    }

    [Fact]
    public async Task Additional_creators_are_set_on_creation_and_a_room_of_another_version_fails_naming_it()
    {
        const string Board = """
            domain: localhost
            rooms:
              - alias: board
                room_version: 12
                additional_creators: ["@bot"]
                members: [{user_id: "@bot", power_level: 100}]
                power_levels: {users: {"@carol:other.org": 50}}
            """;
        var created = (await RunAsync(Board)).Task("config");
        Assert.True(created["changed"]!.GetValue<bool>(), created.ToJsonString());
        var roomId = (await RoomIdAsync("#board:localhost"))!;
        Assert.Equal("""["@bot:localhost"]""", (await StateAsync(roomId, "m.room.create"))["additional_creators"]!.ToJsonString());
        Assert.Equal("""{"@carol:other.org":50}""", await UsersAsync(roomId));
        Assert.False((await RunAsync(Board)).Task("config")["changed"]!.GetValue<bool>());

        // A room of version 10 is not upgraded: the run fails naming its version, and writes nothing.
        await Hs.Client.CreateRoomAsync(Admin.AccessToken, new JsonObject { ["room_alias_name"] = "old", ["room_version"] = "10" });
        await ResetCountersAsync();
        var old = (await RunAsync("domain: localhost\nrooms:\n  - {alias: old, room_version: \"12\", name: Old}")).Task("config");
        Assert.True(old["failed"]!.GetValue<bool>(), old.ToJsonString());
        Assert.Contains("rooms[0].room_version: #old:localhost is a room of version 10, not 12", old["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        await FailsAsync("domain: localhost\nrooms:\n  - {alias: old, additional_creators: [\"@bot\"]}", "does not have @bot:localhost as creators");
        var version = (await RunAsync("domain: localhost\nrooms:\n  - {alias: new, room_version: \"twelve!\"}")).Task("config");
        Assert.Contains("rooms[0].room_version: 'twelve!' is not a room version", version["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0, await WritesAsync());
    }

    [Fact]
    public async Task Synapse_room_admins_on_a_version_12_room_leave_the_creator_out()
    {
        const string Room = """
            - name: room
              jackaltx.solti_matrix_mgr.synapse_room:
                room_alias_name: "lounge:localhost"
                admins: ["@admin:localhost", "@bot:localhost"]
                {0}
            """;
        var created = (await AdminPlayAsync(Room.Replace("{0}", "", StringComparison.Ordinal))).Task("room");
        Assert.True(created["created"]!.GetValue<bool>(), created.ToJsonString());
        var roomId = created["room_id"]!.GetValue<string>();
        Assert.Matches("^![A-Za-z0-9_-]{43}$", roomId);
        Assert.Equal("""{"@bot:localhost":100}""", await UsersAsync(roomId));
        var details = (await Hs.Client.GetAsync($"/_synapse/admin/v1/rooms/{MatrixTestClient.Enc(roomId)}", Admin.AccessToken)).Object;
        Assert.Equal(("12", Hs.AdminId), (details["version"]!.GetValue<string>(), details["creator"]!.GetValue<string>()));

        var again = (await AdminPlayAsync(Room.Replace("{0}", "topic: lounge", StringComparison.Ordinal))).Task("room");
        Assert.Equal(["topic"], again["changes"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.False((await AdminPlayAsync(Room.Replace("{0}", "topic: lounge", StringComparison.Ordinal))).Task("room")["changed"]!.GetValue<bool>());

        var moderator = (await AdminPlayAsync(Room.Replace("{0}", "moderators: [\"@admin:localhost\"]", StringComparison.Ordinal).Replace("\"@admin:localhost\", ", "", StringComparison.Ordinal))).Task("room");
        Assert.True(moderator["failed"]!.GetValue<bool>(), moderator.ToJsonString());
        Assert.Contains("@admin:localhost is a creator of", moderator["msg"]!.GetValue<string>(), StringComparison.Ordinal);

        var mismatch = (await AdminPlayAsync(Room.Replace("{0}", "room_version: \"11\"", StringComparison.Ordinal))).Task("room");
        Assert.True(mismatch["failed"]!.GetValue<bool>(), mismatch.ToJsonString());
        Assert.Contains("is a room of version 12, not 11", mismatch["msg"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}

/// <summary>Synapse 1.67 knows room versions 1 to 10: asking for 12 fails with the server's errcode.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class RoomVersionPlaybookTestsOnSynapse167(InstalledCollection collection) : ModulePlaybookTest(collection, "synapse_room", "room")
{
    protected override Compatibility? Profile => Compatibility.Synapse167;

    [Fact]
    public async Task A_version_the_server_does_not_know_fails_with_its_errcode_and_the_default_version_keeps_the_creator_listed()
    {
        var refused = (await RunAsync("room_alias_name: \"ops:localhost\"\nroom_version: \"12\"\nadmins: [\"@bot:localhost\"]")).Task("room");
        Assert.True(refused["failed"]!.GetValue<bool>(), refused.ToJsonString());
        Assert.Contains("M_UNSUPPORTED_ROOM_VERSION", refused["msg"]!.GetValue<string>(), StringComparison.Ordinal);

        var created = (await RunAsync("room_alias_name: \"ops:localhost\"\nadmins: [\"@bot:localhost\"]")).Task("room");
        Assert.True(created["created"]!.GetValue<bool>(), created.ToJsonString());
        var levels = (await Hs.Client.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(created["room_id"]!.GetValue<string>())}/state/m.room.power_levels/", Admin.AccessToken)).Object;
        Assert.Equal(100, levels["users"]![Hs.AdminId]!.GetValue<int>()); // version 9: the creator is listed
        Assert.Equal(100, levels["users"]!["@bot:localhost"]!.GetValue<int>());
    }
}
