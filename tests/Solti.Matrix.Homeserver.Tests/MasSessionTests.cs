using System.Text.Json.Nodes;
using Solti.Matrix.Homeserver.Tests.Support;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

/// <summary>Compat logins, personal sessions and what Synapse makes of their tokens in delegated mode
/// (docs/design/mas-facts.md §2.3, §3.5, §3.7, §4).</summary>
[Trait("tier", "integration")]
public sealed class MasSessionTests
{
    private static Task<TestHomeserver> StartAsync(TimeProvider? time = null, string? dataDir = null) =>
        TestHomeserver.StartAsync(o => o with { AuthenticationService = TestHomeserver.Mas(), DataDirectory = dataDir }, time);

    [Fact]
    public async Task A_compat_login_is_a_device_never_admin_and_finishing_it_ends_token_and_device()
    {
        await using var hs = await StartAsync();
        var api = await MasApi.ConnectAsync(hs);
        var login = await hs.Client.PostAsync("/_matrix/client/v3/login", new JsonObject
        {
            ["type"] = "m.login.password",
            ["identifier"] = new JsonObject { ["type"] = "m.id.user", ["user"] = "@admin:localhost" },
            ["password"] = TestHomeserver.AdminPassword,
            ["device_id"] = "ADMINDEV01",
        });
        Assert.Equal((200, "@admin:localhost", "ADMINDEV01"), (login.Code, login.Str("user_id"), login.Str("device_id")));
        Assert.Null(login.Object["well_known"]);
        Assert.Null(login.Object["refresh_token"]);
        var token = login.Str("access_token");
        var whoami = await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", token);
        Assert.Equal(("@admin:localhost", "ADMINDEV01"), (whoami.Str("user_id"), whoami.Str("device_id")));
        var notAdmin = await hs.Client.GetAsync("/_synapse/admin/v2/users?guests=false", token);
        Assert.Equal((403, "M_FORBIDDEN"), (notAdmin.Code, notAdmin.Errcode)); // the users.admin column counts for nothing here

        var wrong = await hs.Client.PostAsync("/_matrix/client/v3/login", MatrixTestClient.LoginBody("admin", "nope"));
        Assert.Equal((403, "M_FORBIDDEN", "Invalid username/password"), (wrong.Code, wrong.Errcode, wrong.Str("error")));

        var sessions = await api.GetAsync($"/compat-sessions?filter[user]={await api.UserIdAsync("admin")}&filter[status]=active");
        var session = sessions.Object["data"]!.AsArray().Single(s => s!["attributes"]!["device_id"]!.GetValue<string>() == "ADMINDEV01")!;
        Assert.Equal("compat-session", session["type"]!.GetValue<string>());
        var id = session["id"]!.GetValue<string>();
        var finished = await api.PostAsync($"/compat-sessions/{id}/finish");
        Assert.NotNull(MasApi.Attributes(finished)["finished_at"]);
        var dead = await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", token);
        Assert.Equal((401, "M_UNKNOWN_TOKEN", "Token is not active", false), (dead.Code, dead.Errcode, dead.Str("error"), dead.Object["soft_logout"]!.GetValue<bool>()));
        var again = await api.PostAsync($"/compat-sessions/{id}/finish");
        Assert.Equal((400, $"Compatibility session with ID {id} is already finished"), (again.Code, MasApi.Title(again)));
        var devices = await hs.Client.GetAsync("/_synapse/admin/v2/users/" + MatrixTestClient.Enc("@admin:localhost") + "/devices", await hs.SynapseAdminTokenAsync());
        Assert.DoesNotContain(devices.Object["devices"]!.AsArray(), d => d!["device_id"]!.GetValue<string>() == "ADMINDEV01");
    }

    [Fact]
    public async Task Relogin_with_the_same_device_finishes_the_old_session_and_refresh_tokens_rotate()
    {
        var time = new ManualTime();
        await using var hs = await StartAsync(time);
        var first = await hs.LoginBotAsync("BOTDEVICE1");
        var second = await hs.LoginBotAsync("BOTDEVICE1");
        Assert.Equal(401, (await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", first.AccessToken)).Code);
        Assert.Equal(200, (await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", second.AccessToken)).Code);

        var refreshable = await hs.LoginBotAsync("BOTDEVICE2", refreshToken: true);
        Assert.NotNull(refreshable.RefreshToken);
        time.Advance(TimeSpan.FromSeconds(301));
        var expired = await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", refreshable.AccessToken);
        Assert.Equal((401, "Token is not active"), (expired.Code, expired.Str("error")));
        var refreshed = await hs.Client.PostAsync("/_matrix/client/v3/refresh", new JsonObject { ["refresh_token"] = refreshable.RefreshToken });
        Assert.Equal((200, 300_000L), (refreshed.Code, refreshed.Object["expires_in_ms"]!.GetValue<long>()));
        Assert.Equal(200, (await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", refreshed.Str("access_token"))).Code);
        var reused = await hs.Client.PostAsync("/_matrix/client/v3/refresh", new JsonObject { ["refresh_token"] = refreshable.RefreshToken });
        Assert.Equal((401, "M_UNKNOWN_TOKEN", "Invalid refresh token"), (reused.Code, reused.Errcode, reused.Str("error")));

        Assert.Equal(200, (await hs.Client.PostAsync("/_matrix/client/v3/logout", new JsonObject(), refreshed.Str("access_token"))).Code);
        Assert.Equal(401, (await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", refreshed.Str("access_token"))).Code);
        Assert.Equal((401, "M_UNKNOWN_TOKEN"), ((await hs.Client.PostAsync("/_matrix/client/v3/logout", new JsonObject(), "mct_gone")).Code, (await hs.Client.PostAsync("/_matrix/client/v3/logout", new JsonObject(), "mct_gone")).Errcode));
        Assert.Equal(200, (await hs.Client.PostAsync("/_matrix/client/v3/logout/all", new JsonObject(), second.AccessToken)).Code);
        Assert.Equal(401, (await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", second.AccessToken)).Code);

        // The test control expires MAS tokens too.
        var bot = await hs.LoginBotAsync("BOTDEVICE3");
        Assert.Equal(200, (await hs.Client.PostAsync("/_solti/testing/v1/expire_token", new JsonObject { ["access_token"] = bot.AccessToken }, await hs.SynapseAdminTokenAsync())).Code);
        Assert.Equal(401, (await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", bot.AccessToken)).Code);
    }

    [Fact]
    public async Task Personal_sessions_provision_their_device_carry_their_scope_and_die_when_revoked_or_regenerated()
    {
        await using var hs = await StartAsync(new ManualTime());
        var api = await MasApi.ConnectAsync(hs);
        var bot = await api.UserIdAsync("bot");
        var (id, token) = await api.PersonalSessionAsync(bot, "urn:matrix:client:api:* urn:matrix:client:device:BOTPATDEV1", expiresIn: 86400);
        Assert.StartsWith("mpt_", token, StringComparison.Ordinal);
        var whoami = await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", token);
        Assert.Equal(("@bot:localhost", "BOTPATDEV1"), (whoami.Str("user_id"), whoami.Str("device_id")));
        var admin = await hs.SynapseAdminTokenAsync();
        var devices = "/_synapse/admin/v2/users/" + MatrixTestClient.Enc("@bot:localhost") + "/devices";
        Assert.Contains((await hs.Client.GetAsync(devices, admin)).Object["devices"]!.AsArray(), d => d!["device_id"]!.GetValue<string>() == "BOTPATDEV1");
        Assert.Equal(403, (await hs.Client.GetAsync("/_synapse/admin/v2/users?guests=false", token)).Code);
        Assert.Equal(200, (await hs.Client.GetAsync("/_synapse/admin/v2/users?guests=false", admin)).Code);

        var got = await api.GetAsync($"/personal-sessions/{id}");
        Assert.Equal(("personal-session", null, TestHomeserver.MasClientId, bot), (got.Object["data"]!["type"]!.GetValue<string>(), MasApi.Attributes(got)["access_token"], MasApi.Attributes(got)["owner_client_id"]!.GetValue<string>(), MasApi.Attributes(got)["actor_user_id"]!.GetValue<string>()));
        Assert.NotNull(MasApi.Attributes(got)["expires_at"]);

        var regenerated = await api.PostAsync($"/personal-sessions/{id}/regenerate", new JsonObject());
        Assert.Equal(201, regenerated.Code);
        var newToken = MasApi.Attributes(regenerated)["access_token"]!.GetValue<string>();
        Assert.Equal(401, (await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", token)).Code);
        Assert.Equal(200, (await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", newToken)).Code);

        var noApi = (await api.PersonalSessionAsync(bot, "urn:mas:admin")).Token;
        var refused = await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", noApi);
        Assert.Equal((401, "M_UNKNOWN_TOKEN", "Token doesn't grant access to the Matrix C-S API"), (refused.Code, refused.Errcode, refused.Str("error")));

        Assert.NotNull(MasApi.Attributes(await api.PostAsync($"/personal-sessions/{id}/revoke"))["revoked_at"]);
        var revoked = await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", newToken);
        Assert.Equal((401, "Token is not active"), (revoked.Code, revoked.Str("error")));
        Assert.DoesNotContain((await hs.Client.GetAsync(devices, admin)).Object["devices"]!.AsArray(), d => d!["device_id"]!.GetValue<string>() == "BOTPATDEV1");
        var twice = await api.PostAsync($"/personal-sessions/{id}/revoke");
        Assert.Equal((409, $"Personal session with ID {id} is already revoked"), (twice.Code, MasApi.Title(twice)));
        var dead = await api.PostAsync($"/personal-sessions/{id}/regenerate");
        Assert.Equal((422, "Session not valid"), (dead.Code, MasApi.Title(dead)));
        Assert.Equal(1, (await api.GetAsync($"/personal-sessions?filter[actor_user]={bot}&filter[status]=revoked")).Object["meta"]!["count"]!.GetValue<int>());

        Assert.Equal((400, "Invalid scope"), await Failure(api.PostAsync("/personal-sessions", new JsonObject { ["actor_user_id"] = bot, ["human_name"] = "x", ["scope"] = "bad\"scope" })));
        Assert.Equal((404, "User not found"), await Failure(api.PostAsync("/personal-sessions", new JsonObject { ["actor_user_id"] = "01J5N0B0DY0000000000000000", ["human_name"] = "x", ["scope"] = "urn:matrix:client:api:*" })));
        Assert.Equal(200, (await api.PostAsync($"/users/{bot}/deactivate")).Code);
        Assert.Equal((410, "User is not active"), await Failure(api.PostAsync("/personal-sessions", new JsonObject { ["actor_user_id"] = bot, ["human_name"] = "x", ["scope"] = "urn:matrix:client:api:*" })));
    }

    [Fact]
    public async Task MAS_state_survives_a_restart_with_a_data_directory()
    {
        var dir = Directory.CreateTempSubdirectory("solti-mas-").FullName;
        try
        {
            string token, userId;
            await using (var hs = await StartAsync(dataDir: dir))
            {
                var api = await MasApi.ConnectAsync(hs);
                userId = await api.CreateUserAsync("dave", "Dave-pass-1");
                token = (await api.PersonalSessionAsync(userId, "urn:matrix:client:api:*")).Token;
            }

            await using (var hs = await StartAsync(dataDir: dir))
            {
                Assert.Equal("@dave:localhost", (await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", token)).Str("user_id"));
                var api = await MasApi.ConnectAsync(hs);
                Assert.Equal(userId, await api.UserIdAsync("dave"));
                Assert.Equal(3, (await api.GetAsync("/users")).Object["meta"]!["count"]!.GetValue<int>()); // seeds are not seeded twice
                Assert.Equal(200, (await hs.Client.PostAsync("/_matrix/client/v3/login", MatrixTestClient.LoginBody("dave", "Dave-pass-1"))).Code);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<(int, string?)> Failure(Task<ClientResponse> call)
    {
        var reply = await call;
        return (reply.Code, MasApi.Title(reply));
    }
}
