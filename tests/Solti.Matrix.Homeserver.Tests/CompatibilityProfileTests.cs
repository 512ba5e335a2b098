using System.Text.Json.Nodes;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

/// <summary>The behaviour profiles: <c>synapse-1.67</c> answers as Synapse 1.67 does where a client can tell the
/// difference (shared/reference/recordings-synapse-1.67-e2ee.md), <c>current</c> as today's Synapse.</summary>
[Trait("tier", "integration")]
public sealed class CompatibilityProfileTests
{
    [Fact]
    public async Task On_Synapse_1_67_unknown_endpoints_and_wrong_methods_are_400_M_UNRECOGNIZED()
    {
        await using var hs = await TestHomeserver.StartAsync(o => o with { Compatibility = Compatibility.Synapse167 });
        var admin = await hs.AdminSessionAsync();
        foreach (var (method, path, token) in new (HttpMethod, string, string?)[]
        {
            (HttpMethod.Get, "/_matrix/client/v1/auth_metadata", null),
            (HttpMethod.Get, "/_matrix/client/unstable/org.matrix.msc2965/auth_issuer", null),
            (HttpMethod.Post, "/_matrix/client/v3/account/whoami", admin.AccessToken),
            (HttpMethod.Get, "/_synapse/admin/v1/nonexistent", admin.AccessToken),
        })
        {
            var answer = await hs.Client.SendAsync(method, path, method == HttpMethod.Post ? new JsonObject() : null, token);
            Assert.Equal((400, "{\"errcode\":\"M_UNRECOGNIZED\",\"error\":\"Unrecognized request\"}"), (answer.Code, answer.Text));
        }
    }

    [Fact]
    public async Task Refresh_is_served_at_v1_before_1_72_and_at_v3_since()
    {
        foreach (var (compatibility, served, unserved, unservedStatus) in new[]
        {
            (Compatibility.Synapse167, "/_matrix/client/v1/refresh", "/_matrix/client/v3/refresh", 400),
            (new Compatibility(), "/_matrix/client/v3/refresh", "/_matrix/client/v1/refresh", 404),
        })
        {
            await using var hs = await TestHomeserver.StartAsync(o => o with { Compatibility = compatibility });
            var bot = await hs.LoginBotAsync("BOTDEV", refreshToken: true);
            var refused = await hs.Client.PostAsync(unserved, new JsonObject { ["refresh_token"] = bot.RefreshToken });
            Assert.Equal((unservedStatus, "M_UNRECOGNIZED"), (refused.Code, refused.Errcode));
            var refreshed = await hs.Client.PostAsync(served, new JsonObject { ["refresh_token"] = bot.RefreshToken });
            Assert.Equal(200, refreshed.Code);
            Assert.Equal(200, (await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", refreshed.Object["access_token"]!.GetValue<string>())).Code);
        }
    }

    [Fact]
    public async Task CreateRoom_names_the_new_alias_only_before_1_79()
    {
        foreach (var (compatibility, answered) in new[] { (Compatibility.Synapse167, true), (new Compatibility(), false) })
        {
            await using var hs = await TestHomeserver.StartAsync(o => o with { Compatibility = compatibility });
            var admin = await hs.AdminSessionAsync();
            var created = await hs.Client.PostAsync("/_matrix/client/v3/createRoom", new JsonObject { ["room_alias_name"] = "ops" }, admin.AccessToken);
            Assert.Equal(200, created.Code);
            Assert.StartsWith("!", created.Object["room_id"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Equal(answered ? "#ops:localhost" : null, created.Object["room_alias"]?.GetValue<string>());
        }
    }

    [Fact]
    public async Task A_deactivated_account_s_login_names_the_deactivation_only_before_1_85()
    {
        foreach (var (compatibility, errcode) in new[] { (Compatibility.Synapse167, "M_USER_DEACTIVATED"), (new Compatibility(), "M_FORBIDDEN") })
        {
            await using var hs = await TestHomeserver.StartAsync(o => o with { Compatibility = compatibility });
            var admin = await hs.AdminSessionAsync();
            Assert.Equal(200, (await hs.Client.PostAsync("/_synapse/admin/v1/deactivate/" + MatrixTestClient.Enc(hs.BotId), new JsonObject(), admin.AccessToken)).Code);
            var login = await hs.Client.PostAsync("/_matrix/client/v3/login", MatrixTestClient.LoginBody("bot", TestHomeserver.BotPassword));
            Assert.Equal((403, errcode), (login.Code, login.Errcode));
        }
    }
}
