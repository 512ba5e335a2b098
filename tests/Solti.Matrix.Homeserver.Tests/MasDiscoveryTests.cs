using System.Text.Json.Nodes;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

/// <summary>Authentication API discovery as Synapse answers it (docs/design/mas-facts.md §1): the auth_metadata paths
/// exist only when authentication is delegated to MAS (else 404 <c>M_UNRECOGNIZED</c>, like any unknown path), and on a
/// delegated homeserver <c>/login</c> answers as MAS's compatibility layer does.</summary>
[Trait("tier", "integration")]
public sealed class MasDiscoveryTests
{
    private static readonly string[] Paths = ["/_matrix/client/v1/auth_metadata", "/_matrix/client/unstable/org.matrix.msc2965/auth_metadata"];

    [Fact]
    public async Task Without_MAS_the_discovery_paths_are_unrecognized_and_login_offers_passwords()
    {
        await using var hs = await TestHomeserver.StartAsync();
        foreach (var path in Paths)
        {
            var reply = await hs.Client.GetAsync(path);
            Assert.Equal((404, "M_UNRECOGNIZED", "Unrecognized request"), (reply.Code, reply.Errcode, reply.Object["error"]!.GetValue<string>()));
        }

        var flows = await hs.Client.GetAsync("/_matrix/client/v3/login");
        Assert.Contains("m.login.password", Types(flows.Object));
        Assert.DoesNotContain("m.login.sso", Types(flows.Object));
    }

    [Fact]
    public async Task With_MAS_both_paths_give_its_metadata_and_login_flows_follow_its_password_setting()
    {
        var issuer = new Uri("https://account.example.com/");
        await using var hs = await TestHomeserver.StartAsync(o => o with { AuthenticationService = new DelegatedAuthentication(issuer) });
        foreach (var path in Paths)
        {
            var reply = await hs.Client.GetAsync(path);
            Assert.True(reply.Code == 200, reply.ToString());
            var metadata = reply.Object;
            Assert.Equal("https://account.example.com/", metadata["issuer"]!.GetValue<string>());
            foreach (var required in new[] { "authorization_endpoint", "token_endpoint", "revocation_endpoint", "registration_endpoint", "response_types_supported", "grant_types_supported", "response_modes_supported", "code_challenge_methods_supported" })
            {
                Assert.True(metadata.ContainsKey(required), $"{path} lacks {required}: {metadata}");
            }

            Assert.StartsWith("https://account.example.com/", metadata["account_management_uri"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        var flows = (await hs.Client.GetAsync("/_matrix/client/v3/login")).Object;
        Assert.Equal(["m.login.password", "m.login.sso", "m.login.token"], Types(flows));
        var sso = flows["flows"]!.AsArray().Single(f => f!["type"]!.GetValue<string>() == "m.login.sso")!;
        Assert.True(sso["oauth_aware_preferred"]!.GetValue<bool>());
        Assert.True(sso["org.matrix.msc3824.delegated_oidc_compatibility"]!.GetValue<bool>());

        await using var noPasswords = await TestHomeserver.StartAsync(o => o with { AuthenticationService = new DelegatedAuthentication(issuer, PasswordsEnabled: false) });
        Assert.Equal(["m.login.sso", "m.login.token"], Types((await noPasswords.Client.GetAsync("/_matrix/client/v3/login")).Object));
        var refused = await noPasswords.Client.PostAsync("/_matrix/client/v3/login", MatrixTestClient.LoginBody("bot", TestHomeserver.BotPassword));
        Assert.Equal((400, "M_UNKNOWN", "Invalid login type"), (refused.Code, refused.Errcode, refused.Object["error"]!.GetValue<string>()));
    }

    [Fact]
    public async Task With_MAS_what_MAS_owns_is_unrecognized_and_the_user_list_needs_guests_false()
    {
        await using var hs = await TestHomeserver.StartAsync(o => o with { AuthenticationService = new DelegatedAuthentication(new Uri("https://account.example.com/")) });
        var admin = await hs.AdminSessionAsync("ADMIN"); // a personal session with urn:synapse:admin:*: password logins through MAS are never admin
        var bot = MatrixTestClient.Enc("@bot:localhost");
        foreach (var (method, path) in new[]
        {
            (HttpMethod.Get, "/_synapse/admin/v1/register"),
            (HttpMethod.Post, $"/_synapse/admin/v1/users/{bot}/login"),
            (HttpMethod.Get, "/_synapse/admin/v1/registration_tokens"),
            (HttpMethod.Post, "/_synapse/admin/v1/registration_tokens/new"),
            (HttpMethod.Get, "/_synapse/admin/v1/registration_tokens/abcd"),
        })
        {
            var reply = await hs.Client.SendAsync(method, path, method == HttpMethod.Get ? null : new JsonObject(), admin.AccessToken);
            Assert.True((reply.Code, reply.Errcode) == (404, "M_UNRECOGNIZED"), $"{method} {path}: {reply}");
        }

        var guests = await hs.Client.GetAsync("/_synapse/admin/v2/users", admin.AccessToken);
        Assert.Equal((400, "M_INVALID_PARAM", "The guests parameter is not supported when delegating to MAS."), (guests.Code, guests.Errcode, guests.Object["error"]!.GetValue<string>()));
        Assert.Equal(200, (await hs.Client.GetAsync("/_synapse/admin/v2/users?guests=false", admin.AccessToken)).Code);
        Assert.Equal(200, (await hs.Client.GetAsync($"/_synapse/admin/v2/users/{bot}", admin.AccessToken)).Code); // Synapse still owns this
    }

    private static List<string> Types(JsonObject flows) => [.. flows["flows"]!.AsArray().Select(f => f!["type"]!.GetValue<string>())];
}
