using System.Text.Json.Nodes;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

/// <summary>Power levels gate sends, state, invites, kicks and bans as the spec's auth rules say.</summary>
[Trait("tier", "integration")]
public sealed class PowerLevelEnforcementTests
{
    private static string Enc(string s) => MatrixTestClient.Enc(s);

    [Fact]
    public async Task Event_overrides_invite_kick_ban_and_power_changes_are_enforced()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var owner = (await hs.LoginAdminAsync()).AccessToken;
        var bot = (await hs.LoginBotAsync()).AccessToken;
        Assert.Equal(201, (await hs.Client.PutAsync("/_synapse/admin/v2/users/" + Enc("@third:localhost"), new JsonObject { ["password"] = "third-pass" }, owner)).Code);
        var roomId = await hs.Client.CreateRoomAsync(owner, new JsonObject
        {
            ["preset"] = "public_chat",
            ["power_level_content_override"] = new JsonObject { ["events"] = new JsonObject { ["com.example.alert"] = 60, ["m.room.power_levels"] = 100 }, ["invite"] = 50 },
        });
        var room = Enc(roomId);
        await hs.Client.PostAsync($"/_matrix/client/v3/join/{room}", null, bot);

        Assert.Equal(200, (await hs.Client.PutAsync($"/_matrix/client/v3/rooms/{room}/send/m.room.message/m1", new JsonObject { ["body"] = "ok" }, bot)).Code);
        Assert.Equal(403, (await hs.Client.PutAsync($"/_matrix/client/v3/rooms/{room}/send/com.example.alert/a1", new JsonObject(), bot)).Code);
        Assert.Equal(403, (await hs.Client.PostAsync($"/_matrix/client/v3/rooms/{room}/invite", new JsonObject { ["user_id"] = "@third:localhost" }, bot)).Code);
        Assert.Equal(403, (await hs.Client.PostAsync($"/_matrix/client/v3/rooms/{room}/ban", new JsonObject { ["user_id"] = hs.AdminId }, bot)).Code);

        var levels = (await hs.Client.GetAsync($"/_matrix/client/v3/rooms/{room}/state/m.room.power_levels", owner)).Object;
        levels["users"]![hs.BotId] = 60;
        Assert.Equal(200, (await hs.Client.PutAsync($"/_matrix/client/v3/rooms/{room}/state/m.room.power_levels", levels, owner)).Code);

        Assert.Equal(200, (await hs.Client.PutAsync($"/_matrix/client/v3/rooms/{room}/send/com.example.alert/a2", new JsonObject(), bot)).Code);
        Assert.Equal(200, (await hs.Client.PostAsync($"/_matrix/client/v3/rooms/{room}/invite", new JsonObject { ["user_id"] = "@third:localhost" }, bot)).Code);
        Assert.Equal(403, (await hs.Client.PostAsync($"/_matrix/client/v3/rooms/{room}/kick", new JsonObject { ["user_id"] = hs.AdminId }, bot)).Code);

        // The bot cannot raise itself or anyone above its own level, nor touch the owner's level.
        var selfRaise = (JsonObject)levels.DeepClone();
        selfRaise["users"]![hs.BotId] = 100;
        Assert.Equal(403, (await hs.Client.PutAsync($"/_matrix/client/v3/rooms/{room}/state/m.room.power_levels", selfRaise, bot)).Code);
        var third = await hs.Client.LoginAsync("third", "third-pass");
        await hs.Client.PostAsync($"/_matrix/client/v3/join/{room}", null, third.AccessToken);
        var stronger = (JsonObject)levels.DeepClone();
        stronger["users"]!["@third:localhost"] = 70;
        stronger["events"]!["m.room.power_levels"] = 50;
        Assert.Equal(403, (await hs.Client.PutAsync($"/_matrix/client/v3/rooms/{room}/state/m.room.power_levels", stronger, bot)).Code);
        Assert.Equal(60, (await hs.Client.GetAsync($"/_matrix/client/v3/rooms/{room}/state/m.room.power_levels", bot)).Object["users"]![hs.BotId]!.GetValue<int>());

        Assert.Equal(200, (await hs.Client.PostAsync($"/_matrix/client/v3/rooms/{room}/kick", new JsonObject { ["user_id"] = "@third:localhost" }, owner)).Code);
    }
}
