using System.Text.Json.Nodes;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

/// <summary>Login, refresh, whoami and logout, with Synapse's token errors.</summary>
[Trait("tier", "integration")]
public sealed class LoginAndTokenTests
{
    private const string WhoAmI = "/_matrix/client/v3/account/whoami";

    private static JsonObject Login(string user, string password, string? deviceId = null, bool refresh = false, bool legacy = false)
    {
        var body = MatrixTestClient.LoginBody(user, password);
        if (legacy)
        {
            body.Remove("identifier");
            body["user"] = user;
        }

        if (deviceId is not null)
        {
            body["device_id"] = deviceId;
        }

        if (refresh)
        {
            body["refresh_token"] = true;
        }

        return body;
    }

    [Fact]
    public async Task Login_without_device_id_creates_a_new_device_every_time()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var first = await hs.Client.PostAsync("/_matrix/client/v3/login", Login("bot", TestHomeserver.BotPassword));
        var second = await hs.Client.PostAsync("/_matrix/client/r0/login", Login("@bot:localhost", TestHomeserver.BotPassword, legacy: true));

        Assert.Equal(200, first.Code);
        Assert.Equal(200, second.Code);
        Assert.NotEqual(first.Str("device_id"), second.Str("device_id"));
        Assert.Equal(hs.BotId, second.Str("user_id"));
        Assert.Equal(200, (await hs.Client.GetAsync(WhoAmI, first.Str("access_token"))).Code);
        var admin = await hs.LoginAdminAsync();
        var devices = await hs.Client.GetAsync($"/_synapse/admin/v2/users/{MatrixTestClient.Enc(hs.BotId)}/devices", admin.AccessToken);
        Assert.Equal(2, devices.Object["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task Bad_credentials_and_bad_requests_get_Synapse_errors()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var wrong = await hs.Client.PostAsync("/_matrix/client/v3/login", Login("bot", "wrong"));
        Assert.Equal((403, "M_FORBIDDEN", "Invalid username or password"), (wrong.Code, wrong.Errcode, wrong.Str("error")));
        var unknown = await hs.Client.PostAsync("/_matrix/client/v3/login", Login("nobody", "x"));
        Assert.Equal((403, "M_FORBIDDEN"), (unknown.Code, unknown.Errcode));
        var badType = await hs.Client.PostAsync("/_matrix/client/v3/login", new JsonObject { ["type"] = "m.login.magic" });
        Assert.Equal(400, badType.Code);
        var notJson = await hs.Client.SendAsync(HttpMethod.Post, "/_matrix/client/v3/login", rawBody: "{not json");
        Assert.Equal((400, "M_NOT_JSON"), (notJson.Code, notJson.Errcode));
        var flows = await hs.Client.GetAsync("/_matrix/client/v3/login");
        Assert.Contains(flows.Object["flows"]!.AsArray(), f => f!["type"]!.GetValue<string>() == "m.login.password");
    }

    [Fact]
    public async Task A_locked_account_gets_M_USER_LOCKED()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();
        Assert.Equal(200, (await hs.Client.PutAsync($"/_synapse/admin/v2/users/{MatrixTestClient.Enc(hs.BotId)}", new JsonObject { ["locked"] = true }, admin.AccessToken)).Code);
        var login = await hs.Client.PostAsync("/_matrix/client/v3/login", Login("bot", TestHomeserver.BotPassword));
        Assert.Equal((401, "M_USER_LOCKED"), (login.Code, login.Errcode));
    }

    [Fact]
    public async Task Missing_empty_and_unknown_tokens_are_told_apart()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var none = await hs.Client.GetAsync(WhoAmI);
        Assert.Equal((401, "M_MISSING_TOKEN", "Missing access token"), (none.Code, none.Errcode, none.Str("error")));
        var empty = await hs.Client.SendAsync(HttpMethod.Get, WhoAmI, token: "");
        Assert.Equal((401, "M_MISSING_TOKEN", "Invalid Authorization header."), (empty.Code, empty.Errcode, empty.Str("error")));
        var unknown = await hs.Client.GetAsync(WhoAmI, "syt_made_up");
        Assert.Equal("{\"errcode\":\"M_UNKNOWN_TOKEN\",\"error\":\"Invalid access token passed.\",\"soft_logout\":false}", unknown.Text);
        Assert.False(unknown.Headers.Contains("WWW-Authenticate"));
    }

    [Fact]
    public async Task Refreshable_tokens_expire_into_a_soft_logout_and_refresh_rotates_the_pair()
    {
        var clock = new ManualTime();
        await using var hs = await TestHomeserver.StartAsync(o => o with { RefreshableAccessTokenLifetime = TimeSpan.FromMilliseconds(300) }, clock);
        var login = await hs.Client.PostAsync("/_matrix/client/v3/login", Login("bot", TestHomeserver.BotPassword, "REFRESH", refresh: true));
        Assert.Equal(300, login.Object["expires_in_ms"]!.GetValue<int>());
        var access = login.Str("access_token");
        var refresh = login.Str("refresh_token");
        Assert.Equal(200, (await hs.Client.GetAsync(WhoAmI, access)).Code);

        clock.Advance(TimeSpan.FromMilliseconds(299));
        Assert.Equal(200, (await hs.Client.GetAsync(WhoAmI, access)).Code);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        var expired = await hs.Client.GetAsync(WhoAmI, access);
        Assert.Equal("{\"errcode\":\"M_UNKNOWN_TOKEN\",\"error\":\"Access token has expired\",\"soft_logout\":true}", expired.Text);

        var rotated = await hs.Client.PostAsync("/_matrix/client/v3/refresh", new JsonObject { ["refresh_token"] = refresh });
        Assert.Equal(200, rotated.Code);
        var newAccess = rotated.Str("access_token");
        Assert.NotEqual(refresh, rotated.Str("refresh_token"));
        Assert.Equal("REFRESH", (await hs.Client.GetAsync(WhoAmI, newAccess)).Str("device_id"));

        // Once the new pair is used, the old refresh token is dead.
        var reuse = await hs.Client.PostAsync("/_matrix/client/v3/refresh", new JsonObject { ["refresh_token"] = refresh });
        Assert.Equal((401, "M_UNKNOWN_TOKEN"), (reuse.Code, reuse.Errcode));
        var unknown = await hs.Client.PostAsync("/_matrix/client/r0/refresh", new JsonObject { ["refresh_token"] = "syr_unknown" });
        Assert.Equal(401, unknown.Code);
    }

    [Fact]
    public async Task Logout_deletes_the_device_and_logout_all_deletes_every_one()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();
        var devicesPath = $"/_synapse/admin/v2/users/{MatrixTestClient.Enc(hs.BotId)}/devices";
        var one = await hs.LoginBotAsync("ONE");
        var two = await hs.LoginBotAsync("TWO");
        var three = await hs.LoginBotAsync("THREE");

        Assert.Equal("{}", (await hs.Client.PostAsync("/_matrix/client/v3/logout", null, one.AccessToken)).Text);
        var afterLogout = await hs.Client.GetAsync(WhoAmI, one.AccessToken);
        Assert.Equal((401, false), (afterLogout.Code, afterLogout.Object["soft_logout"]!.GetValue<bool>()));
        Assert.Equal(2, (await hs.Client.GetAsync(devicesPath, admin.AccessToken)).Object["total"]!.GetValue<int>());

        Assert.Equal(200, (await hs.Client.PostAsync("/_matrix/client/r0/logout/all", null, two.AccessToken)).Code);
        Assert.Equal(401, (await hs.Client.GetAsync(WhoAmI, three.AccessToken)).Code);
        Assert.Equal(0, (await hs.Client.GetAsync(devicesPath, admin.AccessToken)).Object["total"]!.GetValue<int>());
    }
}
