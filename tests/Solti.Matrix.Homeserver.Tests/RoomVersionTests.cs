using System.Text.Json.Nodes;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Homeserver.Tests.Support;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

/// <summary>Room versions as Synapse serves them: version 12's rules (MSC4289 privileged creators, MSC4291 room ids as
/// hashes) on the current profile, and 1.67's versions 1 to 10, default 9.</summary>
[Trait("tier", "integration")]
public sealed class RoomVersionTests
{
    private static string Enc(string s) => MatrixTestClient.Enc(s);

    private static Task<TestHomeserver> StartAsync(string? defaultVersion = null, Compatibility? profile = null) =>
        TestHomeserver.StartAsync(o => o with { DefaultRoomVersion = defaultVersion, Compatibility = profile ?? o.Compatibility });

    [Fact]
    public async Task Capabilities_list_1_to_12_as_stable_with_the_configured_default()
    {
        await using var hs = await StartAsync("12");
        var bot = (await hs.LoginBotAsync()).AccessToken;
        var versions = (await hs.Client.GetAsync("/_matrix/client/v3/capabilities", bot)).Object["capabilities"]!["m.room_versions"]!;
        Assert.Equal("12", versions["default"]!.GetValue<string>());
        Assert.Equal(Enumerable.Range(1, 12).Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)), versions["available"]!.AsObject().Select(p => p.Key));
        Assert.All(versions["available"]!.AsObject(), p => Assert.Equal("stable", p.Value!.GetValue<string>()));

        var room = await hs.Client.PostAsync("/_matrix/client/v3/createRoom", new JsonObject(), bot);
        var create = await hs.Client.GetAsync($"/_matrix/client/v3/rooms/{Enc(room.Str("room_id"))}/state/m.room.create/", bot);
        Assert.Equal("12", create.Str("room_version"));
    }

    [Fact]
    public async Task A_version_12_room_id_is_the_create_events_reference_hash_and_creators_are_not_listed()
    {
        await using var hs = await StartAsync();
        var bot = (await hs.LoginBotAsync()).AccessToken;
        var created = await hs.Client.PostAsync("/_matrix/client/v3/createRoom", new JsonObject { ["room_version"] = "12", ["room_alias_name"] = "hydra", ["preset"] = "public_chat" }, bot);
        Assert.Equal(200, created.Code);
        var roomId = created.Str("room_id");
        Assert.Matches("^![A-Za-z0-9_-]{43}$", roomId);

        var state = (await hs.Client.GetAsync($"/_matrix/client/v3/rooms/{Enc(roomId)}/state", bot)).Json!.AsArray();
        var create = state.Single(e => e!["type"]!.GetValue<string>() == "m.room.create")!;
        Assert.Equal("$" + roomId[1..], create["event_id"]!.GetValue<string>());
        Assert.Null(create["content"]!["creator"]); // implicit since version 11: the sender is the creator
        var levels = state.Single(e => e!["type"]!.GetValue<string>() == "m.room.power_levels")!["content"]!;
        Assert.Empty(levels["users"]!.AsObject());
        Assert.Equal(150, levels["events"]!["m.room.tombstone"]!.GetValue<int>());

        // The room answers by its id and its alias, the admin API reports its version and creator.
        Assert.Equal(roomId, (await hs.Client.GetAsync($"/_matrix/client/v3/directory/room/{Enc("#hydra:localhost")}", bot)).Str("room_id"));
        var admin = (await hs.LoginAdminAsync()).AccessToken;
        var details = await hs.Client.GetAsync($"/_synapse/admin/v1/rooms/{Enc(roomId)}", admin);
        Assert.Equal(("12", hs.BotId), (details.Str("version"), details.Str("creator")));
        Assert.Equal(200, (await hs.Client.PostAsync($"/_synapse/admin/v1/join/{Enc(roomId)}", new JsonObject { ["user_id"] = hs.AdminId }, admin)).Code);

        // The creator has unlimited power: it changes levels without being listed, and may not list itself.
        var put = await hs.Client.PutAsync($"/_matrix/client/v3/rooms/{Enc(roomId)}/state/m.room.power_levels/", new JsonObject { ["users"] = new JsonObject { [hs.AdminId] = 100 } }, bot);
        Assert.Equal(200, put.Code);
        var refused = await hs.Client.PutAsync($"/_matrix/client/v3/rooms/{Enc(roomId)}/state/m.room.power_levels/", new JsonObject { ["users"] = new JsonObject { [hs.BotId] = 100 } }, bot);
        Assert.Equal((400, "M_UNKNOWN"), (refused.Code, refused.Errcode));
        Assert.Contains($"Creator user {hs.BotId} must not appear in content.users", refused.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_12_refuses_creators_in_the_levels_and_bad_additional_creators()
    {
        await using var hs = await StartAsync("12");
        var bot = (await hs.LoginBotAsync()).AccessToken;
        var listed = await hs.Client.PostAsync("/_matrix/client/v3/createRoom", new JsonObject
        {
            ["power_level_content_override"] = new JsonObject { ["users"] = new JsonObject { [hs.BotId] = 100, [hs.AdminId] = 50 } },
        }, bot);
        Assert.Equal((400, "M_UNKNOWN"), (listed.Code, listed.Errcode));
        Assert.Contains("must not appear in content.users", listed.Text, StringComparison.Ordinal);

        var additionalListed = await hs.Client.PostAsync("/_matrix/client/v3/createRoom", new JsonObject
        {
            ["creation_content"] = new JsonObject { ["additional_creators"] = new JsonArray(hs.AdminId) },
            ["power_level_content_override"] = new JsonObject { ["users"] = new JsonObject { [hs.AdminId] = 100 } },
        }, bot);
        Assert.Equal((400, "M_UNKNOWN", "Additional creators users must not appear in content.users"), (additionalListed.Code, additionalListed.Errcode, additionalListed.Object["error"]!.GetValue<string>()));

        var invalid = await hs.Client.PostAsync("/_matrix/client/v3/createRoom", new JsonObject
        {
            ["creation_content"] = new JsonObject { ["additional_creators"] = new JsonArray("not-a-user") },
        }, bot);
        Assert.Equal((400, "M_FORBIDDEN"), (invalid.Code, invalid.Errcode));
        Assert.Empty(hs.Server.Server.State.Data.Rooms);

        // An additional creator has unlimited power too: it sets levels in a room it never got a level in.
        var roomId = await hs.Client.CreateRoomAsync(bot, new JsonObject
        {
            ["preset"] = "public_chat",
            ["creation_content"] = new JsonObject { ["additional_creators"] = new JsonArray(hs.AdminId) },
            ["power_level_content_override"] = new JsonObject { ["users"] = new JsonObject { ["@someone:localhost"] = 50 } },
        });
        var admin = (await hs.LoginAdminAsync()).AccessToken;
        Assert.Equal(200, (await hs.Client.PostAsync($"/_synapse/admin/v1/join/{Enc(roomId)}", new JsonObject { ["user_id"] = hs.AdminId }, admin)).Code);
        var content = new JsonObject { ["users"] = new JsonObject { ["@someone:localhost"] = 100 }, ["state_default"] = 100 };
        Assert.Equal(200, (await hs.Client.PutAsync($"/_matrix/client/v3/rooms/{Enc(roomId)}/state/m.room.power_levels/", content, admin)).Code);
    }

    [Fact]
    public async Task Before_version_12_the_override_must_list_the_creator_and_unknown_versions_are_refused()
    {
        await using var hs = await StartAsync();
        var bot = (await hs.LoginBotAsync()).AccessToken;
        var missing = await hs.Client.PostAsync("/_matrix/client/v3/createRoom", new JsonObject
        {
            ["room_version"] = "11",
            ["power_level_content_override"] = new JsonObject { ["users"] = new JsonObject { [hs.AdminId] = 50 } },
        }, bot);
        Assert.Equal((400, "M_UNKNOWN"), (missing.Code, missing.Errcode));
        var unknown = await hs.Client.PostAsync("/_matrix/client/v3/createRoom", new JsonObject { ["room_version"] = "13" }, bot);
        Assert.Equal((400, "M_UNSUPPORTED_ROOM_VERSION"), (unknown.Code, unknown.Errcode));

        var roomId = await hs.Client.CreateRoomAsync(bot, new JsonObject { ["room_version"] = "9" });
        var create = await hs.Client.GetAsync($"/_matrix/client/v3/rooms/{Enc(roomId)}/state/m.room.create/", bot);
        Assert.Equal(("9", hs.BotId), (create.Str("room_version"), create.Str("creator")));
        Assert.EndsWith(":localhost", roomId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Synapse_167_knows_versions_1_to_10_with_9_by_default()
    {
        await using var hs = await StartAsync(profile: Compatibility.Synapse167);
        var bot = (await hs.LoginBotAsync()).AccessToken;
        var versions = (await hs.Client.GetAsync("/_matrix/client/v3/capabilities", bot)).Object["capabilities"]!["m.room_versions"]!;
        Assert.Equal("9", versions["default"]!.GetValue<string>());
        Assert.Equal(10, versions["available"]!.AsObject().Count);
        foreach (var version in new[] { "11", "12" })
        {
            var refused = await hs.Client.PostAsync("/_matrix/client/v3/createRoom", new JsonObject { ["room_version"] = version }, bot);
            Assert.Equal((400, "M_UNSUPPORTED_ROOM_VERSION"), (refused.Code, refused.Errcode));
        }

        var roomId = await hs.Client.CreateRoomAsync(bot);
        Assert.Equal("9", (await hs.Client.GetAsync($"/_matrix/client/v3/rooms/{Enc(roomId)}/state/m.room.create/", bot)).Str("room_version"));
    }

    [Fact]
    public void The_config_file_sets_default_room_version_and_refuses_one_the_profile_does_not_know()
    {
        Assert.Equal("12", ConfigFile.Apply(new HomeserverOptions(), "default_room_version: 12", "hs.yaml").RoomVersion);
        Assert.Equal("11", new HomeserverOptions().RoomVersion);
        var error = Assert.Throws<ConfigurationException>(() =>
            ConfigFile.Apply(new HomeserverOptions(), "default_room_version: 12\nsolti_homeserver:\n  compat: synapse-1.67", "hs.yaml"));
        Assert.Contains("Unknown default_room_version: 12", error.Message, StringComparison.Ordinal);
    }
}
