using System.Text.Json;
using System.Text.Json.Nodes;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

/// <summary>The admin user API: upsert semantics, password and logout rules, listing, deactivation, login-as-user.</summary>
[Trait("tier", "integration")]
public sealed class UserAdministrationTests
{
    private static string UserPath(string userId) => "/_synapse/admin/v2/users/" + MatrixTestClient.Enc(userId);

    [Fact]
    public async Task Put_creates_with_201_then_modifies_only_the_keys_present_with_200()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();
        var path = UserPath("@carol:localhost");

        var created = await hs.Client.PutAsync(path, new JsonObject { ["password"] = "carol-pass", ["displayname"] = "Carol", ["admin"] = true, ["user_type"] = "bot" }, admin.AccessToken);
        Assert.Equal(201, created.Code);
        Assert.True(created.Object["admin"]!.GetValue<bool>());

        var modified = await hs.Client.PutAsync(path, new JsonObject { ["displayname"] = "Carol B" }, admin.AccessToken);
        Assert.Equal(200, modified.Code);

        var read = await hs.Client.GetAsync(path, admin.AccessToken);
        Assert.Equal("Carol B", read.Str("displayname"));
        Assert.True(read.Object["admin"]!.GetValue<bool>(), "omitting admin keeps it");
        Assert.Equal("bot", read.Str("user_type"));
        Assert.False(read.Object["deactivated"]!.GetValue<bool>());
        Assert.Equal(200, (await hs.Client.PostAsync("/_matrix/client/v3/login", MatrixTestClient.LoginBody("carol", "carol-pass"))).Code);
    }

    [Fact]
    public async Task A_new_password_logs_out_every_device_unless_logout_devices_is_false()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();
        var bot = await hs.LoginBotAsync("KEEP");

        var keep = await hs.Client.PutAsync(UserPath(hs.BotId), new JsonObject { ["password"] = "second-pass", ["logout_devices"] = false }, admin.AccessToken);
        Assert.Equal(200, keep.Code);
        Assert.Equal(200, (await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", bot.AccessToken)).Code);

        var logout = await hs.Client.PutAsync(UserPath(hs.BotId), new JsonObject { ["password"] = "third-pass" }, admin.AccessToken);
        Assert.Equal(200, logout.Code);
        var whoami = await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", bot.AccessToken);
        Assert.Equal(401, whoami.Code);
        Assert.Equal("M_UNKNOWN_TOKEN", whoami.Errcode);
        var devices = await hs.Client.GetAsync(UserPath(hs.BotId) + "/devices", admin.AccessToken);
        Assert.Equal(0, devices.Object["total"]!.GetValue<int>());
        Assert.Equal(403, (await hs.Client.PostAsync("/_matrix/client/v3/login", MatrixTestClient.LoginBody("bot", TestHomeserver.BotPassword))).Code);
        Assert.Equal(200, (await hs.Client.PostAsync("/_matrix/client/v3/login", MatrixTestClient.LoginBody("bot", "third-pass"))).Code);
    }

    [Fact]
    public async Task Errors_are_Synapse_shaped()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();
        var bot = await hs.LoginBotAsync();

        var notAdmin = await hs.Client.GetAsync(UserPath(hs.AdminId), bot.AccessToken);
        Assert.Equal((403, "M_FORBIDDEN"), (notAdmin.Code, notAdmin.Errcode));
        Assert.Equal("You are not a server admin", notAdmin.Str("error"));

        var missing = await hs.Client.GetAsync(UserPath("@nobody:localhost"), admin.AccessToken);
        Assert.Equal((404, "M_NOT_FOUND"), (missing.Code, missing.Errcode));

        var remote = await hs.Client.PutAsync(UserPath("@someone:elsewhere.org"), new JsonObject(), admin.AccessToken);
        Assert.Equal(400, remote.Code);

        var demote = await hs.Client.PutAsync(UserPath(hs.AdminId), new JsonObject { ["admin"] = false }, admin.AccessToken);
        Assert.Equal(400, demote.Code);
        Assert.Equal("You may not demote yourself.", demote.Str("error"));

        var badType = await hs.Client.PutAsync(UserPath(hs.BotId), new JsonObject { ["admin"] = "yes" }, admin.AccessToken);
        Assert.Equal(400, badType.Code);
        Assert.True((await hs.Client.GetAsync(UserPath(hs.AdminId), admin.AccessToken)).Object["admin"]!.GetValue<bool>());

        var badUserType = await hs.Client.PutAsync(UserPath(hs.BotId), new JsonObject { ["user_type"] = "robot" }, admin.AccessToken);
        Assert.Equal(400, badUserType.Code);
    }

    [Fact]
    public async Task The_list_pages_with_next_token_and_filters_on_the_server()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(201, (await hs.Client.PutAsync(UserPath($"@user{i}:localhost"), new JsonObject { ["displayname"] = $"User {i}" }, admin.AccessToken)).Code);
        }

        Assert.Equal(200, (await hs.Client.PostAsync("/_synapse/admin/v1/deactivate/" + MatrixTestClient.Enc("@user4:localhost"), new JsonObject(), admin.AccessToken)).Code);

        var names = new List<string>();
        string? next = "0";
        var pages = 0;
        while (next is not null)
        {
            var page = await hs.Client.GetAsync($"/_synapse/admin/v2/users?from={next}&limit=2", admin.AccessToken);
            Assert.Equal(200, page.Code);
            Assert.Equal(6, page.Object["total"]!.GetValue<int>());
            names.AddRange(page.Object["users"]!.AsArray().Select(u => u!["name"]!.GetValue<string>()));
            next = page.Object["next_token"]?.GetValue<string>();
            pages++;
        }

        Assert.Equal(3, pages);
        Assert.Equal(6, names.Distinct().Count());
        Assert.DoesNotContain("@user4:localhost", names);

        var admins = await hs.Client.GetAsync("/_synapse/admin/v2/users?admins=true", admin.AccessToken);
        Assert.Equal([hs.AdminId], admins.Object["users"]!.AsArray().Select(u => u!["name"]!.GetValue<string>()));
        var withDeactivated = await hs.Client.GetAsync("/_synapse/admin/v2/users?deactivated=true&name=user", admin.AccessToken);
        Assert.Equal(5, withDeactivated.Object["total"]!.GetValue<int>());
        var bad = await hs.Client.GetAsync("/_synapse/admin/v2/users?from=-1", admin.AccessToken);
        Assert.Equal(400, bad.Code);
    }

    [Fact]
    public async Task Deactivation_logs_out_leaves_rooms_and_blocks_login()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();
        var bot = await hs.LoginBotAsync();
        var roomId = await hs.Client.CreateRoomAsync(admin.AccessToken, new JsonObject { ["preset"] = "public_chat" });
        Assert.Equal(200, (await hs.Client.PostAsync("/_matrix/client/v3/join/" + MatrixTestClient.Enc(roomId), null, bot.AccessToken)).Code);

        var deactivate = await hs.Client.PostAsync("/_synapse/admin/v1/deactivate/" + MatrixTestClient.Enc(hs.BotId), new JsonObject { ["erase"] = true }, admin.AccessToken);
        Assert.Equal(200, deactivate.Code);
        Assert.Equal("success", deactivate.Str("id_server_unbind_result"));

        Assert.Equal(401, (await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", bot.AccessToken)).Code);
        var login = await hs.Client.PostAsync("/_matrix/client/v3/login", MatrixTestClient.LoginBody("bot", TestHomeserver.BotPassword));
        Assert.Equal((403, "M_FORBIDDEN"), (login.Code, login.Errcode)); // Synapse 1.85+: the password check fails first
        var members = await hs.Client.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/joined_members", admin.AccessToken);
        Assert.False(members.Object["joined"]!.AsObject().ContainsKey(hs.BotId));
        var user = await hs.Client.GetAsync(UserPath(hs.BotId), admin.AccessToken);
        Assert.True(user.Object["deactivated"]!.GetValue<bool>());
        Assert.True(user.Object["erased"]!.GetValue<bool>());

        // Current Synapse reactivates without a password, but the account has none until one is set.
        Assert.Equal(200, (await hs.Client.PutAsync(UserPath(hs.BotId), new JsonObject { ["deactivated"] = false }, admin.AccessToken)).Code);
        Assert.Equal(403, (await hs.Client.PostAsync("/_matrix/client/v3/login", MatrixTestClient.LoginBody("bot", TestHomeserver.BotPassword))).Code);
        Assert.Equal(200, (await hs.Client.PutAsync(UserPath(hs.BotId), new JsonObject { ["password"] = "back-again" }, admin.AccessToken)).Code);
        Assert.Equal(200, (await hs.Client.PostAsync("/_matrix/client/v3/login", MatrixTestClient.LoginBody("bot", "back-again"))).Code);
    }

    [Fact]
    public async Task Login_as_user_mints_a_device_less_token_that_expires_at_valid_until_ms()
    {
        var clock = new ManualTime();
        await using var hs = await TestHomeserver.StartAsync(time: clock);
        var admin = await hs.LoginAdminAsync();
        var until = clock.GetUtcNow().AddMilliseconds(400).ToUnixTimeMilliseconds();

        var minted = await hs.Client.PostAsync($"/_synapse/admin/v1/users/{MatrixTestClient.Enc(hs.BotId)}/login", new JsonObject { ["valid_until_ms"] = until }, admin.AccessToken);
        Assert.Equal(200, minted.Code);
        var token = minted.Str("access_token");

        var whoami = await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", token);
        Assert.Equal(hs.BotId, whoami.Str("user_id"));
        Assert.False(whoami.Object.ContainsKey("device_id"));
        var devices = await hs.Client.GetAsync(UserPath(hs.BotId) + "/devices", admin.AccessToken);
        Assert.Equal(0, devices.Object["total"]!.GetValue<int>());

        clock.Advance(TimeSpan.FromMilliseconds(until - clock.GetUtcNow().ToUnixTimeMilliseconds()));
        var expired = await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", token);
        Assert.Equal(401, expired.Code);
        Assert.True(expired.Object["soft_logout"]!.GetValue<bool>());

        var self = await hs.Client.PostAsync($"/_synapse/admin/v1/users/{MatrixTestClient.Enc(hs.AdminId)}/login", new JsonObject(), admin.AccessToken);
        Assert.Equal(400, self.Code);
    }

    [Fact]
    public async Task Override_ratelimit_is_read_set_and_removed_and_0_0_lifts_the_message_limit()
    {
        await using var hs = await TestHomeserver.StartAsync(o => o with { RateLimits = new Configuration.RateLimits() });
        var admin = await hs.LoginAdminAsync();
        var bot = await hs.LoginBotAsync();
        var path = $"/_synapse/admin/v1/users/{MatrixTestClient.Enc(hs.BotId)}/override_ratelimit";
        Assert.Equal("{}", (await hs.Client.GetAsync(path, admin.AccessToken)).Text);

        var bad = await hs.Client.PostAsync(path, new JsonObject { ["messages_per_second"] = -1 }, admin.AccessToken);
        Assert.Equal((400, "M_INVALID_PARAM"), (bad.Code, bad.Errcode));

        var set = await hs.Client.PostAsync(path, new JsonObject { ["messages_per_second"] = 0, ["burst_count"] = 0 }, admin.AccessToken);
        Assert.Equal(200, set.Code);
        var roomId = await hs.Client.CreateRoomAsync(bot.AccessToken);
        for (var i = 0; i < 20; i++)
        {
            var send = await hs.Client.PutAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/send/m.room.message/t{i}", new JsonObject { ["body"] = "x" }, bot.AccessToken);
            Assert.Equal(200, send.Code);
        }

        Assert.Equal(200, (await hs.Client.DeleteAsync(path, admin.AccessToken)).Code);
        Assert.Equal("{}", (await hs.Client.GetAsync(path, admin.AccessToken)).Text);
        var statuses = new List<int>();
        for (var i = 0; i < 11; i++)
        {
            statuses.Add((await hs.Client.PutAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/send/m.room.message/u{i}", new JsonObject { ["body"] = "x" }, bot.AccessToken)).Code);
        }

        Assert.Equal(Enumerable.Repeat(200, 10).Append(429), statuses);
    }
}
