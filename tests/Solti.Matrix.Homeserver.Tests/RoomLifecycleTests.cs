using System.Text.Json.Nodes;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

/// <summary>createRoom, aliases in the directory, membership changes and room state.</summary>
[Trait("tier", "integration")]
public sealed class RoomLifecycleTests
{
    private static string Enc(string s) => MatrixTestClient.Enc(s);

    [Fact]
    public async Task CreateRoom_sends_the_state_events_Synapse_sends_in_its_order()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var bot = (await hs.LoginBotAsync()).AccessToken;
        var created = await hs.Client.PostAsync("/_matrix/client/v3/createRoom", new JsonObject { ["name"] = "Smoke", ["room_alias_name"] = "smoke", ["preset"] = "private_chat" }, bot);
        Assert.Null(created.Object["room_alias"]); // Synapse 1.79+ answers the room id only (CompatibilityProfileTests)
        var roomId = created.Str("room_id");

        var messages = await hs.Client.GetAsync($"/_matrix/client/v3/rooms/{Enc(roomId)}/messages?dir=f&limit=50", bot);
        var types = messages.Object["chunk"]!.AsArray().Select(e => e!["type"]!.GetValue<string>()).ToList();
        Assert.Equal(["m.room.create", "m.room.member", "m.room.power_levels", "m.room.canonical_alias", "m.room.join_rules", "m.room.history_visibility", "m.room.guest_access", "m.room.name"], types);
        var state = await hs.Client.GetAsync($"/_matrix/client/v3/rooms/{Enc(roomId)}/state", bot);
        Assert.Equal(8, state.Json!.AsArray().Count);
        Assert.Equal("invite", (await hs.Client.GetAsync($"/_matrix/client/v3/rooms/{Enc(roomId)}/state/m.room.join_rules", bot)).Str("join_rule"));
        Assert.Equal("11", (await hs.Client.GetAsync($"/_matrix/client/v3/rooms/{Enc(roomId)}/state/m.room.create/", bot)).Str("room_version")); // Synapse PR #18680
    }

    [Fact]
    public async Task Presets_invites_initial_state_and_overrides_shape_the_room()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var bot = (await hs.LoginBotAsync()).AccessToken;
        var roomId = await hs.Client.CreateRoomAsync(bot, new JsonObject
        {
            ["preset"] = "trusted_private_chat",
            ["topic"] = "ops",
            ["invite"] = new JsonArray(hs.AdminId),
            ["initial_state"] = new JsonArray(new JsonObject { ["type"] = "m.room.encryption", ["state_key"] = "", ["content"] = new JsonObject { ["algorithm"] = "m.megolm.v1.aes-sha2" } }),
            ["power_level_content_override"] = new JsonObject { ["events_default"] = 10 },
        });

        string Path(string type) => $"/_matrix/client/v3/rooms/{Enc(roomId)}/state/{type}";
        var levels = (await hs.Client.GetAsync(Path("m.room.power_levels"), bot)).Object;
        Assert.Equal(100, levels["users"]![hs.AdminId]!.GetValue<int>());
        Assert.Equal(10, levels["events_default"]!.GetValue<int>());
        Assert.Equal("m.megolm.v1.aes-sha2", (await hs.Client.GetAsync(Path("m.room.encryption"), bot)).Str("algorithm"));
        Assert.Equal("ops", (await hs.Client.GetAsync(Path("m.room.topic"), bot)).Str("topic"));
        var member = await hs.Client.GetAsync(Path("m.room.member/" + Enc(hs.AdminId)), bot);
        Assert.Equal("invite", member.Str("membership"));

        var publicRoom = await hs.Client.CreateRoomAsync(bot, new JsonObject { ["visibility"] = "public" });
        Assert.Equal("public", (await hs.Client.GetAsync($"/_matrix/client/v3/rooms/{Enc(publicRoom)}/state/m.room.join_rules", bot)).Str("join_rule"));
        Assert.Equal(404, (await hs.Client.GetAsync($"/_matrix/client/v3/rooms/{Enc(publicRoom)}/state/m.room.guest_access", bot)).Code);
    }

    [Fact]
    public async Task CreateRoom_rejects_taken_aliases_and_bad_input()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var bot = (await hs.LoginBotAsync()).AccessToken;
        await hs.Client.CreateRoomAsync(bot, new JsonObject { ["room_alias_name"] = "taken" });

        var taken = await hs.Client.PostAsync("/_matrix/client/v3/createRoom", new JsonObject { ["room_alias_name"] = "taken" }, bot);
        Assert.Equal((400, "M_ROOM_IN_USE"), (taken.Code, taken.Errcode));
        var badAlias = await hs.Client.PostAsync("/_matrix/client/v3/createRoom", new JsonObject { ["room_alias_name"] = "a:b" }, bot);
        Assert.Equal(400, badAlias.Code);
        var badType = await hs.Client.PostAsync("/_matrix/client/v3/createRoom", new JsonObject { ["name"] = 5 }, bot);
        Assert.Equal((400, "M_BAD_JSON"), (badType.Code, badType.Errcode));
        var badPreset = await hs.Client.PostAsync("/_matrix/client/v3/createRoom", new JsonObject { ["preset"] = "party" }, bot);
        Assert.Equal(400, badPreset.Code);
        var notJson = await hs.Client.SendAsync(HttpMethod.Post, "/_matrix/client/v3/createRoom", token: bot, rawBody: "[1,2");
        Assert.Equal((400, "M_NOT_JSON"), (notJson.Code, notJson.Errcode));
        var admin = (await hs.LoginAdminAsync()).AccessToken;
        Assert.Equal(1, (await hs.Client.GetAsync("/_synapse/admin/v1/rooms", admin)).Object["total_rooms"]!.GetValue<int>());
    }

    [Fact]
    public async Task Aliases_are_resolved_created_and_deleted_in_the_directory()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var bot = (await hs.LoginBotAsync()).AccessToken;
        var admin = (await hs.LoginAdminAsync()).AccessToken;
        var roomId = await hs.Client.CreateRoomAsync(bot);
        var path = "/_matrix/client/v3/directory/room/" + Enc("#extra:localhost");

        var missing = await hs.Client.GetAsync(path);
        Assert.Equal((404, "M_NOT_FOUND"), (missing.Code, missing.Errcode));
        Assert.Equal(200, (await hs.Client.PutAsync(path, new JsonObject { ["room_id"] = roomId }, bot)).Code);
        var resolved = await hs.Client.GetAsync(path);
        Assert.Equal(roomId, resolved.Str("room_id"));
        Assert.Equal(["localhost"], resolved.Object["servers"]!.AsArray().Select(s => s!.GetValue<string>()));
        Assert.Equal(409, (await hs.Client.PutAsync(path, new JsonObject { ["room_id"] = roomId }, admin)).Code);
        Assert.Equal(400, (await hs.Client.PutAsync("/_matrix/client/v3/directory/room/" + Enc("#remote:elsewhere.org"), new JsonObject { ["room_id"] = roomId }, bot)).Code);

        var other = await hs.Client.LoginAsync("admin", TestHomeserver.AdminPassword);
        Assert.Equal(200, (await hs.Client.DeleteAsync(path, other.AccessToken)).Code);
        Assert.Equal(404, (await hs.Client.GetAsync(path)).Code);
        Assert.Equal(404, (await hs.Client.DeleteAsync(path, bot)).Code);
    }

    [Fact]
    public async Task Membership_follows_join_rules_invites_kicks_and_bans()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var owner = (await hs.LoginAdminAsync()).AccessToken;
        var bot = (await hs.LoginBotAsync()).AccessToken;
        var roomId = await hs.Client.CreateRoomAsync(owner, new JsonObject { ["room_alias_name"] = "members" });
        var room = Enc(roomId);

        var uninvited = await hs.Client.PostAsync("/_matrix/client/v3/join/" + Enc("#members:localhost"), null, bot);
        Assert.Equal((403, "M_FORBIDDEN"), (uninvited.Code, uninvited.Errcode));
        Assert.Equal(200, (await hs.Client.PostAsync($"/_matrix/client/v3/rooms/{room}/invite", new JsonObject { ["user_id"] = hs.BotId }, owner)).Code);
        var joined = await hs.Client.PostAsync("/_matrix/client/v3/join/" + Enc("#members:localhost"), null, bot);
        Assert.Equal(roomId, joined.Str("room_id"));
        var again = await hs.Client.PostAsync($"/_matrix/client/v3/rooms/{room}/invite", new JsonObject { ["user_id"] = hs.BotId }, owner);
        Assert.Equal(403, again.Code);

        var joinedMembers = await hs.Client.GetAsync($"/_matrix/client/v3/rooms/{room}/joined_members", bot);
        Assert.Equal("bot", joinedMembers.Object["joined"]![hs.BotId]!["display_name"]!.GetValue<string>());
        var invitedOnly = await hs.Client.GetAsync($"/_matrix/client/v3/rooms/{room}/members?membership=join", bot);
        Assert.Equal(2, invitedOnly.Object["chunk"]!.AsArray().Count);

        var kickUp = await hs.Client.PostAsync($"/_matrix/client/v3/rooms/{room}/kick", new JsonObject { ["user_id"] = hs.AdminId }, bot);
        Assert.Equal(403, kickUp.Code);
        Assert.Equal(200, (await hs.Client.PostAsync($"/_matrix/client/v3/rooms/{room}/kick", new JsonObject { ["user_id"] = hs.BotId, ["reason"] = "bye" }, owner)).Code);
        Assert.Equal(403, (await hs.Client.PutAsync($"/_matrix/client/v3/rooms/{room}/send/m.room.message/k1", new JsonObject { ["body"] = "x" }, bot)).Code);

        Assert.Equal(200, (await hs.Client.PostAsync($"/_matrix/client/v3/rooms/{room}/ban", new JsonObject { ["user_id"] = hs.BotId }, owner)).Code);
        Assert.Equal(403, (await hs.Client.PostAsync($"/_matrix/client/v3/rooms/{room}/invite", new JsonObject { ["user_id"] = hs.BotId }, owner)).Code);
        Assert.Equal(200, (await hs.Client.PostAsync($"/_matrix/client/v3/rooms/{room}/unban", new JsonObject { ["user_id"] = hs.BotId }, owner)).Code);
        Assert.Equal(200, (await hs.Client.PostAsync($"/_matrix/client/v3/rooms/{room}/invite", new JsonObject { ["user_id"] = hs.BotId }, owner)).Code);
        Assert.Equal(200, (await hs.Client.PostAsync($"/_matrix/client/r0/rooms/{room}/join", null, bot)).Code);
        Assert.Equal(200, (await hs.Client.PostAsync($"/_matrix/client/v3/rooms/{room}/leave", null, bot)).Code);
        Assert.Equal(403, (await hs.Client.PostAsync($"/_matrix/client/v3/rooms/{room}/leave", null, bot)).Code);
        var final = await hs.Client.GetAsync($"/_matrix/client/v3/rooms/{room}/joined_members", owner);
        Assert.Equal([hs.AdminId], final.Object["joined"]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public async Task State_is_read_and_written_with_power_checks_and_identical_state_is_not_sent_twice()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var owner = (await hs.LoginAdminAsync()).AccessToken;
        var bot = (await hs.LoginBotAsync()).AccessToken;
        var roomId = await hs.Client.CreateRoomAsync(owner, new JsonObject { ["preset"] = "public_chat" });
        var room = Enc(roomId);
        await hs.Client.PostAsync($"/_matrix/client/v3/join/{room}", null, bot);

        var denied = await hs.Client.PutAsync($"/_matrix/client/v3/rooms/{room}/state/m.room.name", new JsonObject { ["name"] = "mine" }, bot);
        Assert.Equal((403, "M_FORBIDDEN"), (denied.Code, denied.Errcode));
        Assert.Contains("user_level (0) < send_level (50)", denied.Str("error"), StringComparison.Ordinal);

        var first = await hs.Client.PutAsync($"/_matrix/client/v3/rooms/{room}/state/m.room.topic/", new JsonObject { ["topic"] = "t1" }, owner);
        var same = await hs.Client.PutAsync($"/_matrix/client/v3/rooms/{room}/state/m.room.topic", new JsonObject { ["topic"] = "t1" }, owner);
        Assert.Equal(first.Str("event_id"), same.Str("event_id"));
        var changed = await hs.Client.PutAsync($"/_matrix/client/v3/rooms/{room}/state/m.room.topic", new JsonObject { ["topic"] = "t2" }, owner);
        Assert.NotEqual(first.Str("event_id"), changed.Str("event_id"));
        Assert.Equal("t2", (await hs.Client.GetAsync($"/_matrix/client/v3/rooms/{room}/state/m.room.topic", bot)).Str("topic"));
        Assert.Equal((404, "M_NOT_FOUND"), await Code(hs.Client.GetAsync($"/_matrix/client/v3/rooms/{room}/state/m.room.avatar", bot)));

        var custom = await hs.Client.PutAsync($"/_matrix/client/v3/rooms/{room}/state/com.example.setting/key1", new JsonObject { ["v"] = 1 }, owner);
        Assert.Equal(200, custom.Code);
        Assert.Equal(1, (await hs.Client.GetAsync($"/_matrix/client/v3/rooms/{room}/state/com.example.setting/key1", bot)).Object["v"]!.GetValue<int>());
        var othersState = await hs.Client.PutAsync($"/_matrix/client/v3/rooms/{room}/state/com.example.setting/{Enc(hs.AdminId)}", new JsonObject(), bot);
        Assert.Equal(403, othersState.Code);

        var outsider = await hs.Client.LoginAsync("bot", TestHomeserver.BotPassword);
        var privateRoom = await hs.Client.CreateRoomAsync(owner);
        Assert.Equal(403, (await hs.Client.GetAsync($"/_matrix/client/v3/rooms/{Enc(privateRoom)}/state", outsider.AccessToken)).Code);
    }

    private static async Task<(int, string?)> Code(Task<ClientResponse> response)
    {
        var r = await response;
        return (r.Code, r.Errcode);
    }
}
