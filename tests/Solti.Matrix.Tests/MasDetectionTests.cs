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

        // Synapse refuses the listing's default guests=true when it delegates; the library sends guests=false.
        var raw = await h.Raw.GetAsync("/_synapse/admin/v2/users", h.Admin.AccessToken);
        Assert.Equal((400, "M_INVALID_PARAM"), (raw.Code, raw.Errcode));
        var (users, total) = await admin.ListUsersAsync();
        Assert.Contains(users, u => u["name"]!.GetValue<string>() == h.Hs.BotId);
        Assert.Equal(users.Count, total);
        Assert.True((await client.AuthenticationAsync()).IsDelegated);
        Assert.Equal(1, await h.CounterAsync("auth_metadata")); // one discovery for the client and its admin session

        foreach (var call in new Func<Task>[]
        {
            () => admin.LoginAsUserAsync(h.Hs.BotId, null),
            () => admin.ListRegistrationTokensAsync(),
            () => admin.GetRegistrationTokenAsync("abcd"),
            () => admin.CreateRegistrationTokenAsync(new JsonObject { ["uses_allowed"] = 1 }),
        })
        {
            var refused = await Assert.ThrowsAsync<MatrixException>(call);
            Assert.Equal((404, "M_UNRECOGNIZED"), (refused.Status, refused.Errcode));
            Assert.Contains("belong to the Matrix Authentication Service on this homeserver (issuer https://account.example.com/)", refused.Message, StringComparison.Ordinal);
        }

        var mint = await CliRunner.RunAsync(["token", "mint", h.Hs.BotId, "--output", "json", "--no-cache"], h.CliEnvironment(h.Admin.AccessToken));
        Assert.Equal(4, mint.ExitCode); // not found: Synapse serves no such API here
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

    private static async Task<JsonNode> InfoAsync(LibraryHarness h)
    {
        var run = await CliRunner.RunAsync(["info", "--output", "json", "--no-cache"], h.CliEnvironment(h.Admin.AccessToken));
        Assert.True(run.ExitCode == 0, run.ToString());
        return JsonNode.Parse(run.Stdout)!;
    }
}
