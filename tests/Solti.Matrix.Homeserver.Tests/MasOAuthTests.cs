using System.Text.Json.Nodes;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Homeserver.Tests.Support;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

/// <summary>The emulated MAS's OAuth 2.0 side (docs/design/mas-facts.md §3.2): discovery at the root, the
/// client-credentials grant with the client's own authentication method, introspection; and none of it without MAS.</summary>
[Trait("tier", "integration")]
public sealed class MasOAuthTests
{
    private const string PostClient = "01J5P0STC11ENT000000000000";
    private const string PlainClient = "01J5P1A1NC11ENT00000000000";

    private static Task<TestHomeserver> StartAsync(TimeProvider? time = null) => TestHomeserver.StartAsync(o => o with
    {
        AuthenticationService = TestHomeserver.Mas() with
        {
            Clients = [new MasClient(TestHomeserver.MasClientId, TestHomeserver.MasClientSecret), new MasClient(PostClient, "post-secret", MasClient.SecretPost), new MasClient(PlainClient, "plain-secret")],
            AdminClients = [TestHomeserver.MasClientId, PostClient],
        },
    }, time);

    [Fact]
    public async Task Discovery_names_this_server_as_issuer_unless_one_is_configured_and_nothing_exists_without_MAS()
    {
        await using var hs = await StartAsync();
        var own = hs.Server.BaseAddress.ToString();
        var metadata = (await hs.Client.GetAsync("/.well-known/openid-configuration")).Object;
        Assert.Equal((own, own + "oauth2/token", own + "oauth2/introspect"), (metadata["issuer"]!.GetValue<string>(), metadata["token_endpoint"]!.GetValue<string>(), metadata["introspection_endpoint"]!.GetValue<string>()));
        Assert.Equal(own, (await hs.Client.GetAsync("/_matrix/client/v1/auth_metadata")).Object["issuer"]!.GetValue<string>());

        await using var plain = await TestHomeserver.StartAsync();
        foreach (var path in new[] { "/.well-known/openid-configuration", "/api/admin/v1/users" })
        {
            var reply = await plain.Client.GetAsync(path);
            Assert.Equal((404, "M_UNRECOGNIZED"), (reply.Code, reply.Errcode));
        }

        Assert.Equal(404, (await plain.Client.PostFormAsync("/oauth2/token", new() { ["grant_type"] = "client_credentials" }, (TestHomeserver.MasClientId, TestHomeserver.MasClientSecret))).Code);
    }

    [Fact]
    public async Task Client_credentials_follow_the_clients_method_and_admin_clients_policy()
    {
        var time = new ManualTime();
        await using var hs = await StartAsync(time);
        var grant = new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = "urn:mas:admin" };

        var ok = await hs.Client.PostFormAsync("/oauth2/token", grant, (TestHomeserver.MasClientId, TestHomeserver.MasClientSecret));
        Assert.Equal((200, "Bearer", 300, "urn:mas:admin"), (ok.Code, ok.Str("token_type"), ok.Object["expires_in"]!.GetValue<int>(), ok.Str("scope")));
        Assert.Null(ok.Object["refresh_token"]);

        var post = await hs.Client.PostFormAsync("/oauth2/token", new(grant) { ["client_id"] = PostClient, ["client_secret"] = "post-secret" });
        Assert.Equal(200, post.Code);

        foreach (var bad in new[]
        {
            await hs.Client.PostFormAsync("/oauth2/token", grant, (TestHomeserver.MasClientId, "wrong")),
            await hs.Client.PostFormAsync("/oauth2/token", grant, ("01J5UNKN0WN000000000000000", "x")),
            await hs.Client.PostFormAsync("/oauth2/token", new(grant) { ["client_id"] = TestHomeserver.MasClientId, ["client_secret"] = TestHomeserver.MasClientSecret }), // basic client using post
            await hs.Client.PostFormAsync("/oauth2/token", grant, (PostClient, "post-secret")), // post client using basic
            await hs.Client.PostFormAsync("/oauth2/token", grant),
        })
        {
            Assert.Equal((401, "invalid_client"), (bad.Code, bad.Str("error")));
        }

        var notAdmin = await hs.Client.PostFormAsync("/oauth2/token", grant, (PlainClient, "plain-secret"));
        Assert.Equal((403, "invalid_scope"), (notAdmin.Code, notAdmin.Str("error")));
        Assert.False(string.IsNullOrEmpty(notAdmin.Str("error_description")));
        var unsupported = await hs.Client.PostFormAsync("/oauth2/token", new() { ["grant_type"] = "password" }, (TestHomeserver.MasClientId, TestHomeserver.MasClientSecret));
        Assert.Equal((400, "unsupported_grant_type"), (unsupported.Code, unsupported.Str("error")));

        // The admin API takes the token until it expires, then says so.
        var token = ok.Str("access_token");
        Assert.Equal(200, (await hs.Client.GetAsync("/api/admin/v1/users", token)).Code);
        var session = (await hs.Client.GetAsync($"/api/admin/v1/oauth2-sessions?filter[client]={TestHomeserver.MasClientId}", token)).Object["data"]![0]!["attributes"]!;
        Assert.Equal(("urn:mas:admin", TestHomeserver.MasClientId, null), (session["scope"]!.GetValue<string>(), session["client_id"]!.GetValue<string>(), session["user_id"]?.GetValue<string>()));
        time.Advance(TimeSpan.FromSeconds(301));
        var expired = await hs.Client.GetAsync("/api/admin/v1/users", token);
        Assert.Equal((401, "Access token expired"), (expired.Code, MasApi.Title(expired)));
    }

    [Fact]
    public async Task Introspection_describes_compat_personal_and_oauth2_tokens()
    {
        await using var hs = await StartAsync(new ManualTime());
        var basic = (TestHomeserver.MasClientId, TestHomeserver.MasClientSecret);
        var bot = await hs.LoginBotAsync("BOTDEVICE1");
        var compat = (await hs.Client.PostFormAsync("/oauth2/introspect", new() { ["token"] = bot.AccessToken }, basic)).Object;
        Assert.True(compat["active"]!.GetValue<bool>());
        Assert.Equal(("bot", "BOTDEVICE1"), (compat["username"]!.GetValue<string>(), compat["device_id"]!.GetValue<string>()));
        Assert.Contains("urn:matrix:client:api:*", compat["scope"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(compat["exp"]);

        var pat = await hs.PersonalTokenAsync("bot", "urn:matrix:client:api:*", expiresIn: 3600);
        var personal = (await hs.Client.PostFormAsync("/oauth2/introspect", new() { ["token"] = pat }, basic)).Object;
        Assert.Equal(("bot", 3600), (personal["username"]!.GetValue<string>(), personal["expires_in"]!.GetValue<int>()));

        var admin = await hs.MasAdminTokenAsync();
        var oauth = (await hs.Client.PostFormAsync("/oauth2/introspect", new() { ["token"] = admin }, basic)).Object;
        Assert.Equal(("urn:mas:admin", TestHomeserver.MasClientId), (oauth["scope"]!.GetValue<string>(), oauth["client_id"]!.GetValue<string>()));
        Assert.Null(oauth["username"]);

        Assert.False((await hs.Client.PostFormAsync("/oauth2/introspect", new() { ["token"] = "mct_nope" }, basic)).Object["active"]!.GetValue<bool>());
        Assert.Equal(401, (await hs.Client.PostFormAsync("/oauth2/introspect", new() { ["token"] = pat })).Code);
    }
}
