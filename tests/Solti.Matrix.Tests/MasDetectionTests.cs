using System.Text.Json.Nodes;
using Solti.Matrix.Discovery;
using Solti.Matrix.Errors;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Sessions;
using Solti.Matrix.Testing;
using Solti.Matrix.Tests.Support;

namespace Solti.Matrix.Tests;

/// <summary>The library finds out, once per client and without a token, whether the homeserver delegates
/// authentication to MAS, and <c>solti-matrix info</c> reports it (<c>auth</c>, <c>mas_issuer</c>). On such a homeserver
/// what Synapse still serves works (the user list with <c>guests=false</c>), and what MAS owns fails saying so.</summary>
[Trait("tier", "integration")]
public sealed class MasDetectionTests
{
    [Fact]
    public async Task A_homeserver_that_signs_its_users_in_itself_is_synapse_asked_once_per_client()
    {
        await using var h = await LibraryHarness.StartAsync();
        using var client = h.Bot();
        await h.ResetCountersAsync();

        var first = await client.AuthenticationAsync();
        var again = await client.AuthenticationAsync();

        Assert.Equal(new HomeserverAuthentication(HomeserverAuthentication.Synapse, null, null), first);
        Assert.Same(first, again);
        Assert.Equal(2, await h.CounterAsync("auth_metadata")); // the stable and the unstable path, once each
        var info = await InfoAsync(h);
        Assert.Equal(("synapse", null), (info["auth"]!.GetValue<string>(), info["mas_issuer"]?.GetValue<string>()));
    }

    [Fact]
    public async Task A_homeserver_that_delegates_to_MAS_is_mas_with_its_issuer_from_the_stable_path()
    {
        await using var h = await LibraryHarness.StartAsync(o => o with { AuthenticationService = new DelegatedAuthentication(new Uri("https://account.example.com/")) });
        using var client = h.Bot();
        await h.ResetCountersAsync();

        var found = await client.AuthenticationAsync();

        Assert.True(found.IsDelegated);
        Assert.Equal(("mas", "https://account.example.com/", "https://account.example.com/account/"), (found.Kind, found.Issuer, found.AccountManagementUri));
        Assert.Equal(1, await h.CounterAsync("auth_metadata"));
        var info = await InfoAsync(h);
        Assert.Equal(("mas", "https://account.example.com/"), (info["auth"]!.GetValue<string>(), info["mas_issuer"]!.GetValue<string>()));
    }

    [Fact]
    public async Task On_a_MAS_homeserver_users_are_listed_and_what_MAS_owns_fails_naming_MAS_in_the_library_and_the_cli()
    {
        await using var h = await LibraryHarness.StartAsync(o => o with { AuthenticationService = new DelegatedAuthentication(new Uri("https://account.example.com/")) });
        using var client = h.Bot();
        var admin = client.Admin(new SessionOptions { UserId = h.Hs.AdminId, AccessToken = h.Admin.AccessToken, UseCache = false });
        await h.ResetCountersAsync();
        var accounts = await admin.AccountsAsync();

        // Synapse refuses the listing's default guests=true when it delegates; the library sends guests=false.
        var raw = await h.Raw.GetAsync("/_synapse/admin/v2/users", h.Admin.AccessToken);
        Assert.Equal((400, "M_INVALID_PARAM"), (raw.Code, raw.Errcode));
        var (users, total) = await accounts.ListAsync(new Accounts.AccountQuery());
        Assert.Contains(users, u => u.UserId == h.Hs.BotId);
        Assert.Equal(users.Count, total);
        Assert.True((await client.AuthenticationAsync()).IsDelegated);
        Assert.Equal(1, await h.CounterAsync("auth_metadata")); // one discovery for the client and its admin session

        foreach (var call in new Func<Task>[]
        {
            () => accounts.MintTokenAsync(h.Hs.BotId, new Accounts.TokenRequest()),
            () => accounts.ListRegistrationTokensAsync(),
            () => accounts.GetRegistrationTokenAsync("abcd"),
            () => accounts.CreateRegistrationTokenAsync(new Accounts.NewRegistrationToken(null, null, new Accounts.RegistrationTokenLimits(UsesAllowed: 1))),
        })
        {
            var refused = await Assert.ThrowsAsync<MatrixException>(call);
            Assert.Equal((404, "M_UNRECOGNIZED"), (refused.Status, refused.Errcode));
            Assert.Contains("belong to the Matrix Authentication Service on this homeserver (issuer https://account.example.com/)", refused.Message, StringComparison.Ordinal);
        }

        var mint = await CliRunner.RunAsync(["token", "mint", h.Hs.BotId, "--output", "json", "--no-cache"], h.CliEnvironment(h.Admin.AccessToken));
        Assert.Equal(7, mint.ExitCode); // not offered: Synapse serves no such API here (not "not found", 4)
        Assert.Contains("Matrix Authentication Service", JsonNode.Parse(mint.Stdout)!["msg"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bot_whose_token_died_on_a_MAS_homeserver_without_passwords_is_told_to_use_a_personal_token()
    {
        await using var h = await LibraryHarness.StartAsync(o => o with { AuthenticationService = new DelegatedAuthentication(new Uri("https://account.example.com/")) });
        var bot = await h.Hs.LoginBotAsync("MASBOT"); // how the bot got its token does not matter here
        var (room, _) = await h.BotRoomAsync(bot.AccessToken, "mas");
        await h.ExpireAsync(bot.AccessToken);
        // The operator turns MAS's passwords off: its compatibility layer now answers every password login like this.
        await h.AddFaultAsync(new JsonObject { ["endpoint"] = "login", ["method"] = "POST", ["status"] = 400, ["errcode"] = "M_UNKNOWN", ["error"] = "Invalid login type", ["count"] = null }); // for good
        using var client = h.Bot(bot.AccessToken, deviceId: "MASBOT");

        var failed = await Assert.ThrowsAsync<SessionRecoveryException>(() => client.SendEventAsync(room, "m.room.message", new JsonObject { ["msgtype"] = "m.text", ["body"] = "x" }));

        Assert.Contains("M_UNKNOWN: Invalid login type", failed.Message, StringComparison.Ordinal);
        Assert.Contains("this homeserver signs in through MAS, issuer https://account.example.com/, which takes no passwords here: give the bot a personal access token", failed.Message, StringComparison.Ordinal);
        var send = await CliRunner.RunAsync(["send", room, "--text", "x", "--no-cache", "--user", h.Hs.BotId], new Dictionary<string, string?>(h.CliEnvironment(bot.AccessToken)) { ["MATRIX_PASSWORD"] = TestHomeserver.BotPassword });
        Assert.Equal(3, send.ExitCode);
        Assert.Contains("personal access token", send.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task On_Synapse_1_67_unknown_endpoints_are_400_and_the_homeserver_is_synapse_with_its_features_in_info()
    {
        await using var h = await LibraryHarness.StartAsync(o => o with { Compatibility = Compatibility.Synapse167 });
        var raw = await h.Raw.GetAsync("/_matrix/client/v1/auth_metadata");
        Assert.Equal((400, "M_UNRECOGNIZED"), (raw.Code, raw.Errcode));
        using var client = h.Bot();

        Assert.Equal(new HomeserverAuthentication(HomeserverAuthentication.Synapse, null, null), await client.AuthenticationAsync());
        var info = await InfoAsync(h);
        Assert.Equal("synapse", info["auth"]!.GetValue<string>());
        Assert.Equal(["r0.0.1", "r0.1.0", "r0.2.0", "r0.3.0", "r0.4.0", "r0.5.0", "r0.6.0", "r0.6.1", "v1.1", "v1.2"],
            info["features"]!["spec_versions"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.False(info["features"]!["delegated_auth"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData(400, "{\"errcode\":\"M_UNRECOGNIZED\",\"error\":\"Unrecognized request\"}", "synapse")] // Synapse before 1.74
    [InlineData(404, "{\"errcode\":\"M_UNRECOGNIZED\",\"error\":\"Unrecognized request\"}", "synapse")] // Synapse since
    [InlineData(404, "", "synapse")] // a proxy's empty 404
    [InlineData(404, "<html><body>Not Found</body></html>", "synapse")] // a proxy's page
    [InlineData(405, "<html><body>Method Not Allowed</body></html>", "synapse")]
    [InlineData(404, "{\"errcode\":\"M_NOT_FOUND\",\"error\":\"OIDC discovery has not been configured on this homeserver\"}", "synapse")]
    [InlineData(200, "{\"issuer\":\"https://account.example.com/\"}", "mas")]
    public async Task Discovery_concludes_from_what_the_server_or_its_proxy_answers(int status, string body, string kind)
    {
        using var transport = new AnswerWith(status, body);
        using var client = new MatrixClient(new MatrixClientOptions(new Uri("http://127.0.0.1:9/")) { Transport = transport }, new SessionOptions { UseCache = false });

        var found = await client.AuthenticationAsync();

        Assert.Equal(kind, found.Kind);
        Assert.Equal(kind == "mas" ? 1 : 3, transport.Asked.Count); // every path, newest first, until one answers
        Assert.Equal("/_matrix/client/v1/auth_metadata", transport.Asked[0]);
    }

    [Fact]
    public async Task Discovery_reports_what_is_not_an_answer_about_endpoints()
    {
        using var transport = new AnswerWith(403, "{\"errcode\":\"M_FORBIDDEN\",\"error\":\"blocked\"}");
        using var client = new MatrixClient(new MatrixClientOptions(new Uri("http://127.0.0.1:9/")) { Transport = transport }, new SessionOptions { UseCache = false });

        var refused = await Assert.ThrowsAsync<MatrixException>(() => client.AuthenticationAsync());

        Assert.Equal((403, "M_FORBIDDEN"), (refused.Status, refused.Errcode));
    }

    /// <summary>A transport that answers every request with one status and body, and records the paths asked.</summary>
    private sealed class AnswerWith(int status, string body) : HttpMessageHandler
    {
        public List<string> Asked { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (Asked)
            {
                Asked.Add(request.RequestUri!.AbsolutePath);
            }

            return Task.FromResult(new HttpResponseMessage((System.Net.HttpStatusCode)status) { Content = new StringContent(body) });
        }
    }

    private static async Task<JsonNode> InfoAsync(LibraryHarness h)
    {
        var run = await CliRunner.RunAsync(["info", "--output", "json", "--no-cache"], h.CliEnvironment(h.Admin.AccessToken));
        Assert.True(run.ExitCode == 0, run.ToString());
        return JsonNode.Parse(run.Stdout)!;
    }
}
