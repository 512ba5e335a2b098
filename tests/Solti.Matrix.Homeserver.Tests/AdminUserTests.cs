using System.Text.Json;
using System.Text.Json.Nodes;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

[Trait("tier", "integration")]
public sealed class AdminUserTests
{
    private const string Whoami = "/_matrix/client/v3/account/whoami";

    private static string UserPath(string userId) => $"/_synapse/admin/v2/users/{MatrixTestClient.Enc(userId)}";

    [Fact]
    public async Task Get_user_returns_current_synapse_shape_with_booleans_and_ms_timestamp()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();

        var response = await hs.Client.GetAsync(UserPath(hs.BotId), admin.AccessToken);

        Assert.Equal(200, response.Code);
        var user = response.Object;
        Assert.Equal(hs.BotId, user["name"]!.GetValue<string>());
        Assert.Equal(JsonValueKind.False, user["admin"]!.GetValueKind());
        Assert.Equal(JsonValueKind.False, user["deactivated"]!.GetValueKind());
        Assert.Equal(JsonValueKind.False, user["is_guest"]!.GetValueKind());
        Assert.Equal(JsonValueKind.False, user["locked"]!.GetValueKind());
        Assert.Equal("bot", user["displayname"]!.GetValue<string>());
        Assert.True(user["creation_ts"]!.GetValue<long>() > 1_000_000_000_000, "creation_ts is in milliseconds");
        Assert.Empty(user["threepids"]!.AsArray());
        Assert.True(user.ContainsKey("user_type"));
        Assert.Null(user["user_type"]);
        string[] keys =
        [
            "name", "admin", "deactivated", "locked", "shadow_banned", "creation_ts", "appservice_id",
            "consent_server_notice_sent", "consent_version", "consent_ts", "user_type", "is_guest", "suspended",
            "displayname", "avatar_url", "threepids", "external_ids", "erased", "last_seen_ts",
        ];
        Assert.Equal(keys, user.Select(p => p.Key));
    }

    [Fact]
    public async Task Get_user_errors_for_unknown_remote_and_non_admin_callers()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();
        var bot = await hs.LoginBotAsync();

        var unknown = await hs.Client.GetAsync(UserPath($"@nobody:{hs.ServerName}"), admin.AccessToken);
        Assert.Equal(404, unknown.Code);
        Assert.Equal("M_NOT_FOUND", unknown.Errcode);
        Assert.Equal("User not found", unknown.Str("error"));

        var remote = await hs.Client.GetAsync(UserPath("@someone:elsewhere.example"), admin.AccessToken);
        Assert.Equal(400, remote.Code);

        var forbidden = await hs.Client.GetAsync(UserPath(hs.BotId), bot.AccessToken);
        Assert.Equal(403, forbidden.Code);
        Assert.Equal("M_FORBIDDEN", forbidden.Errcode);
        Assert.Equal("You are not a server admin", forbidden.Str("error"));

        var noToken = await hs.Client.GetAsync(UserPath(hs.BotId));
        Assert.Equal(401, noToken.Code);
        Assert.Equal("M_MISSING_TOKEN", noToken.Errcode);
    }

    [Fact]
    public async Task Put_new_user_creates_it_with_201_and_it_can_log_in()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();
        var carol = $"@carol:{hs.ServerName}";

        var created = await hs.Client.PutAsync(UserPath(carol), new JsonObject
        {
            ["password"] = "carol-pass",
            ["displayname"] = "Carol",
            ["avatar_url"] = "mxc://example/carol",
            ["user_type"] = "bot",
            ["threepids"] = new JsonArray(new JsonObject { ["medium"] = "email", ["address"] = "Carol@Example.org" }),
            ["external_ids"] = new JsonArray(new JsonObject { ["auth_provider"] = "oidc", ["external_id"] = "c-1" }),
        }, admin.AccessToken);

        Assert.Equal(201, created.Code);
        Assert.Equal(carol, created.Str("name"));
        Assert.Equal("Carol", created.Str("displayname"));
        Assert.Equal("bot", created.Str("user_type"));

        var read = await hs.Client.GetAsync(UserPath(carol), admin.AccessToken);
        Assert.Equal(200, read.Code);
        Assert.Equal("mxc://example/carol", read.Str("avatar_url"));
        Assert.Equal("carol@example.org", read.Object["threepids"]![0]!["address"]!.GetValue<string>());
        Assert.Equal("c-1", read.Object["external_ids"]![0]!["external_id"]!.GetValue<string>());
        Assert.False(read.Object["admin"]!.GetValue<bool>());

        var session = await hs.Client.LoginAsync("carol", "carol-pass");
        Assert.Equal(carol, session.UserId);
    }

    [Fact]
    public async Task Put_existing_user_returns_200_and_changes_only_the_keys_present()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();

        var modified = await hs.Client.PutAsync(UserPath(hs.BotId), new JsonObject { ["displayname"] = "Robot" }, admin.AccessToken);
        Assert.Equal(200, modified.Code);
        Assert.Equal("Robot", modified.Str("displayname"));

        var second = await hs.Client.PutAsync(UserPath(hs.BotId), new JsonObject { ["admin"] = true }, admin.AccessToken);
        Assert.Equal(200, second.Code);

        var read = await hs.Client.GetAsync(UserPath(hs.BotId), admin.AccessToken);
        Assert.Equal("Robot", read.Str("displayname"));
        Assert.True(read.Object["admin"]!.GetValue<bool>());

        // The bot is now an admin: it may call the admin API.
        var bot = await hs.LoginBotAsync();
        var asAdmin = await hs.Client.GetAsync(UserPath(hs.AdminId), bot.AccessToken);
        Assert.Equal(200, asAdmin.Code);
    }

    [Fact]
    public async Task Put_user_with_password_logs_out_devices_unless_logout_devices_false()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();
        var bot = await hs.LoginBotAsync("BOTDEV");

        var keep = await hs.Client.PutAsync(UserPath(hs.BotId), new JsonObject { ["password"] = "second-pass", ["logout_devices"] = false }, admin.AccessToken);
        Assert.Equal(200, keep.Code);
        Assert.Equal(200, (await hs.Client.GetAsync(Whoami, bot.AccessToken)).Code);
        var devicesKept = await hs.Client.GetAsync(UserPath(hs.BotId) + "/devices", admin.AccessToken);
        Assert.Equal(1, devicesKept.Object["total"]!.GetValue<int>());

        var change = await hs.Client.PutAsync(UserPath(hs.BotId), new JsonObject { ["password"] = "third-pass" }, admin.AccessToken);
        Assert.Equal(200, change.Code);

        var old = await hs.Client.GetAsync(Whoami, bot.AccessToken);
        Assert.Equal(401, old.Code);
        Assert.Equal("M_UNKNOWN_TOKEN", old.Errcode);
        var devices = await hs.Client.GetAsync(UserPath(hs.BotId) + "/devices", admin.AccessToken);
        Assert.Empty(devices.Object["devices"]!.AsArray());
        Assert.Equal(0, devices.Object["total"]!.GetValue<int>());

        var session = await hs.Client.LoginAsync("bot", "third-pass");
        Assert.Equal(hs.BotId, session.UserId);
    }

    [Fact]
    public async Task Admin_may_not_demote_themself()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();

        var response = await hs.Client.PutAsync(UserPath(hs.AdminId), new JsonObject { ["admin"] = false }, admin.AccessToken);

        Assert.Equal(400, response.Code);
        Assert.Equal("You may not demote yourself.", response.Str("error"));
        var read = await hs.Client.GetAsync(UserPath(hs.AdminId), admin.AccessToken);
        Assert.True(read.Object["admin"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("{\"user_type\":\"wizard\"}", "M_UNKNOWN")]
    [InlineData("{\"admin\":\"yes\"}", "M_BAD_JSON")]
    [InlineData("{\"deactivated\":1}", "M_UNKNOWN")]
    [InlineData("{\"deactivated\":true,\"locked\":true}", "M_UNKNOWN")]
    [InlineData("{\"password\":5}", "M_UNKNOWN")]
    [InlineData("{\"threepids\":[{\"medium\":\"email\"}]}", "M_MISSING_PARAM")]
    [InlineData("{\"displayname\":7}", "M_INVALID_PARAM")]
    public async Task Put_user_rejects_wrong_types_without_changing_the_user(string body, string errcode)
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();

        var response = await hs.Client.PutAsync(UserPath(hs.BotId), JsonNode.Parse(body), admin.AccessToken);

        Assert.Equal(400, response.Code);
        Assert.Equal(errcode, response.Errcode);
        var read = await hs.Client.GetAsync(UserPath(hs.BotId), admin.AccessToken);
        Assert.Null(read.Object["user_type"]);
        Assert.False(read.Object["admin"]!.GetValue<bool>());
        Assert.False(read.Object["deactivated"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Put_user_rejects_remote_users_and_non_admins()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();
        var bot = await hs.LoginBotAsync();

        var remote = await hs.Client.PutAsync(UserPath("@x:elsewhere.example"), new JsonObject(), admin.AccessToken);
        Assert.Equal(400, remote.Code);
        Assert.Equal("This endpoint can only be used with local users", remote.Str("error"));

        var badLocalpart = await hs.Client.PutAsync(UserPath($"@Not Valid:{hs.ServerName}"), new JsonObject { ["password"] = "pw" }, admin.AccessToken);
        Assert.Equal(400, badLocalpart.Code);
        Assert.Equal("M_INVALID_USERNAME", badLocalpart.Errcode);
        Assert.Equal(404, (await hs.Client.GetAsync(UserPath($"@Not Valid:{hs.ServerName}"), admin.AccessToken)).Code);

        var forbidden = await hs.Client.PutAsync(UserPath(hs.BotId), new JsonObject { ["admin"] = true }, bot.AccessToken);
        Assert.Equal(403, forbidden.Code);
        var read = await hs.Client.GetAsync(UserPath(hs.BotId), admin.AccessToken);
        Assert.False(read.Object["admin"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Put_deactivated_true_logs_out_and_reactivation_restores_login_only_with_a_new_password()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();
        var bot = await hs.LoginBotAsync();

        var deactivate = await hs.Client.PutAsync(UserPath(hs.BotId), new JsonObject { ["deactivated"] = true }, admin.AccessToken);
        Assert.Equal(200, deactivate.Code);
        Assert.True(deactivate.Object["deactivated"]!.GetValue<bool>());
        Assert.Equal(401, (await hs.Client.GetAsync(Whoami, bot.AccessToken)).Code);

        // Current Synapse reactivates without a password, but deactivation dropped the old one.
        var reactivated = await hs.Client.PutAsync(UserPath(hs.BotId), new JsonObject { ["deactivated"] = false }, admin.AccessToken);
        Assert.Equal(200, reactivated.Code);
        Assert.False(reactivated.Object["deactivated"]!.GetValue<bool>());
        Assert.NotEqual(200, (await PasswordLoginAsync(hs, "bot", TestHomeserver.BotPassword)).Code);

        Assert.Equal(200, (await hs.Client.PutAsync(UserPath(hs.BotId), new JsonObject { ["deactivated"] = true }, admin.AccessToken)).Code);
        var withPassword = await hs.Client.PutAsync(UserPath(hs.BotId), new JsonObject { ["deactivated"] = false, ["password"] = "new-pass" }, admin.AccessToken);
        Assert.Equal(200, withPassword.Code);
        var session = await hs.Client.LoginAsync("bot", "new-pass");
        Assert.Equal(200, (await hs.Client.GetAsync(Whoami, session.AccessToken)).Code);
    }

    private static Task<ClientResponse> PasswordLoginAsync(TestHomeserver hs, string user, string password) =>
        hs.Client.PostAsync("/_matrix/client/v3/login", new JsonObject
        {
            ["type"] = "m.login.password",
            ["identifier"] = new JsonObject { ["type"] = "m.id.user", ["user"] = user },
            ["password"] = password,
        });

    [Fact]
    public async Task Put_locked_true_locks_the_account()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();
        var bot = await hs.LoginBotAsync();

        var locked = await hs.Client.PutAsync(UserPath(hs.BotId), new JsonObject { ["locked"] = true }, admin.AccessToken);

        Assert.Equal(200, locked.Code);
        Assert.True(locked.Object["locked"]!.GetValue<bool>());
        var whoami = await hs.Client.GetAsync(Whoami, bot.AccessToken);
        Assert.Equal(401, whoami.Code);
        Assert.Equal("M_USER_LOCKED", whoami.Errcode);
    }

    [Fact]
    public async Task Deactivate_logs_out_leaves_rooms_and_erases_when_asked()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();
        var bot = await hs.LoginBotAsync();
        var roomId = await hs.Client.CreateRoomAsync(admin.AccessToken, new JsonObject { ["preset"] = "public_chat" });
        Assert.Equal(200, (await hs.Client.PostAsync($"/_matrix/client/v3/join/{MatrixTestClient.Enc(roomId)}", new JsonObject(), bot.AccessToken)).Code);

        var response = await hs.Client.PostAsync($"/_synapse/admin/v1/deactivate/{MatrixTestClient.Enc(hs.BotId)}", new JsonObject { ["erase"] = true }, admin.AccessToken);

        Assert.Equal(200, response.Code);
        Assert.Equal("success", response.Str("id_server_unbind_result"));
        Assert.Equal(401, (await hs.Client.GetAsync(Whoami, bot.AccessToken)).Code);
        var members = await hs.Client.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/joined_members", admin.AccessToken);
        Assert.False(members.Object["joined"]!.AsObject().ContainsKey(hs.BotId));
        var read = await hs.Client.GetAsync(UserPath(hs.BotId), admin.AccessToken);
        Assert.True(read.Object["deactivated"]!.GetValue<bool>());
        Assert.True(read.Object["erased"]!.GetValue<bool>());
        Assert.Null(read.Object["displayname"]);
        Assert.NotEqual(200, (await PasswordLoginAsync(hs, "bot", TestHomeserver.BotPassword)).Code);
    }

    [Fact]
    public async Task Deactivate_errors_for_bad_erase_unknown_user_and_non_admin()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();
        var bot = await hs.LoginBotAsync();
        var path = $"/_synapse/admin/v1/deactivate/{MatrixTestClient.Enc(hs.BotId)}";

        var badErase = await hs.Client.PostAsync(path, new JsonObject { ["erase"] = "yes" }, admin.AccessToken);
        Assert.Equal(400, badErase.Code);
        Assert.Equal("M_BAD_JSON", badErase.Errcode);

        var unknown = await hs.Client.PostAsync($"/_synapse/admin/v1/deactivate/{MatrixTestClient.Enc($"@ghost:{hs.ServerName}")}", new JsonObject(), admin.AccessToken);
        Assert.Equal(404, unknown.Code);

        var forbidden = await hs.Client.PostAsync(path, new JsonObject(), bot.AccessToken);
        Assert.Equal(403, forbidden.Code);

        Assert.Equal(200, (await hs.Client.GetAsync(Whoami, bot.AccessToken)).Code);
        Assert.False((await hs.Client.GetAsync(UserPath(hs.BotId), admin.AccessToken)).Object["deactivated"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Login_as_user_issues_a_deviceless_token()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();

        var response = await hs.Client.PostAsync($"/_synapse/admin/v1/users/{MatrixTestClient.Enc(hs.BotId)}/login", new JsonObject(), admin.AccessToken);

        Assert.Equal(200, response.Code);
        var whoami = await hs.Client.GetAsync(Whoami, response.Str("access_token"));
        Assert.Equal(200, whoami.Code);
        Assert.Equal(hs.BotId, whoami.Str("user_id"));
        Assert.False(whoami.Object.ContainsKey("device_id"));
        var devices = await hs.Client.GetAsync(UserPath(hs.BotId) + "/devices", admin.AccessToken);
        Assert.Equal(0, devices.Object["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task Login_as_user_token_expires_at_valid_until_ms_with_soft_logout()
    {
        var clock = new ManualTime();
        await using var hs = await TestHomeserver.StartAsync(time: clock);
        var admin = await hs.LoginAdminAsync();
        var until = clock.GetUtcNow().ToUnixTimeMilliseconds() + 300;

        var response = await hs.Client.PostAsync($"/_synapse/admin/v1/users/{MatrixTestClient.Enc(hs.BotId)}/login", new JsonObject { ["valid_until_ms"] = until }, admin.AccessToken);
        Assert.Equal(200, response.Code);
        var token = response.Str("access_token");
        Assert.Equal(200, (await hs.Client.GetAsync(Whoami, token)).Code);

        clock.Advance(TimeSpan.FromMilliseconds(300));
        var expired = await hs.Client.GetAsync(Whoami, token);
        Assert.Equal(401, expired.Code);
        Assert.Equal("M_UNKNOWN_TOKEN", expired.Errcode);
        Assert.True(expired.Object["soft_logout"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Login_as_user_rejects_self_bad_expiry_remote_and_non_admin()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();
        var bot = await hs.LoginBotAsync();

        var self = await hs.Client.PostAsync($"/_synapse/admin/v1/users/{MatrixTestClient.Enc(hs.AdminId)}/login", new JsonObject(), admin.AccessToken);
        Assert.Equal(400, self.Code);

        var notInt = await hs.Client.PostAsync($"/_synapse/admin/v1/users/{MatrixTestClient.Enc(hs.BotId)}/login", new JsonObject { ["valid_until_ms"] = "soon" }, admin.AccessToken);
        Assert.Equal(400, notInt.Code);
        Assert.Equal("'valid_until_ms' parameter must be an int", notInt.Str("error"));

        // Synapse accepts a past expiry; the token is simply born expired.
        var past = await hs.Client.PostAsync($"/_synapse/admin/v1/users/{MatrixTestClient.Enc(hs.BotId)}/login", new JsonObject { ["valid_until_ms"] = 1000 }, admin.AccessToken);
        Assert.Equal(200, past.Code);
        var expired = await hs.Client.GetAsync(Whoami, past.Str("access_token"));
        Assert.Equal(401, expired.Code);
        Assert.True(expired.Object["soft_logout"]!.GetValue<bool>());

        var remote = await hs.Client.PostAsync($"/_synapse/admin/v1/users/{MatrixTestClient.Enc("@x:elsewhere.example")}/login", new JsonObject(), admin.AccessToken);
        Assert.Equal(400, remote.Code);

        var forbidden = await hs.Client.PostAsync($"/_synapse/admin/v1/users/{MatrixTestClient.Enc(hs.AdminId)}/login", new JsonObject(), bot.AccessToken);
        Assert.Equal(403, forbidden.Code);
    }

    [Fact]
    public async Task Legacy_format_matches_the_recorded_synapse_1_67_user_object()
    {
        await using var hs = await TestHomeserver.StartAsync(o => o with { Compatibility = Compatibility.Synapse167 });
        var admin = await hs.LoginAdminAsync();
        var recorded = JsonNode.Parse("""
            {"name":"@bot:localhost","is_guest":0,"admin":0,"consent_version":null,"consent_server_notice_sent":null,"appservice_id":null,"creation_ts":1795546387,"user_type":null,"deactivated":0,"shadow_banned":0,"displayname":"bot","avatar_url":null,"threepids":[],"external_ids":[]}
            """)!.AsObject();

        var response = await hs.Client.GetAsync(UserPath(hs.BotId), admin.AccessToken);

        Assert.Equal(200, response.Code);
        var actual = response.Object;
        Assert.Equal(recorded.Select(p => p.Key), actual.Select(p => p.Key));
        foreach (var (key, value) in recorded)
        {
            Assert.Equal(Kind(value), Kind(actual[key]));
        }

        var seconds = actual["creation_ts"]!.GetValue<long>();
        Assert.InRange(seconds, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 600, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 5);
        Assert.Equal(0, actual["admin"]!.GetValue<int>());

        var adminUser = await hs.Client.GetAsync(UserPath(hs.AdminId), admin.AccessToken);
        Assert.Equal(1, adminUser.Object["admin"]!.GetValue<int>());

        var list = await hs.Client.GetAsync("/_synapse/admin/v2/users", admin.AccessToken);
        Assert.Equal(JsonValueKind.Number, list.Object["users"]![0]!["admin"]!.GetValueKind());
    }

    private static JsonValueKind Kind(JsonNode? node) => node?.GetValueKind() ?? JsonValueKind.Null;
}
