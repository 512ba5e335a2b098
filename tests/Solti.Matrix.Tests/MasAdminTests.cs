using System.Text.Json.Nodes;
using Solti.Matrix.Accounts;
using Solti.Matrix.Errors;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Mas;
using Solti.Matrix.Sessions;
using Solti.Matrix.Testing;
using Solti.Matrix.Tests.Support;

namespace Solti.Matrix.Tests;

/// <summary>The library and the CLI on a homeserver that delegates authentication to MAS, given MAS's admin API: what MAS
/// owns (accounts, passwords, admin rights, deactivation, sessions, registration tokens, personal access tokens) goes to
/// MAS, read back over HTTP from MAS's admin API and Synapse; a bot whose session MAS ended heals with one login on the
/// same device.</summary>
[Trait("tier", "integration")]
public sealed class MasAdminTests
{
    private const string OtherClient = "01J5N0TADM1N00000000000000";
    private const string PostClient = "01J5P0ST00000000000000000A";

    private static Task<LibraryHarness> StartAsync(bool passwords = true) => LibraryHarness.StartAsync(o => o with
    {
        AuthenticationService = TestHomeserver.Mas(passwords) with
        {
            Clients = [.. TestHomeserver.Mas().Clients, new MasClient(OtherClient, "other-secret"), new MasClient(PostClient, "post-secret", MasClient.SecretPost)],
            AdminClients = [TestHomeserver.MasClientId, PostClient],
        },
    });

    private static MasCredentials Credentials(string clientId = TestHomeserver.MasClientId, string secret = TestHomeserver.MasClientSecret) =>
        new(null) { ClientId = clientId, ClientSecret = secret };

    private static SynapseAdminClient Admin(LibraryHarness h, MatrixClient client, MasCredentials? mas = null) =>
        client.Admin(new SessionOptions { UserId = h.Hs.AdminId, AccessToken = h.Admin.AccessToken, UseCache = false }, mas: mas ?? Credentials());

    /// <summary>The account as the admin client's authority (MAS, given <paramref name="mas"/>) reads it.</summary>
    private static async Task<Account?> GetAsync(LibraryHarness h, MatrixClient client, MasCredentials mas, string userId) =>
        await (await Admin(h, client, mas).AccountsAsync()).GetAsync(userId);

    [Fact]
    public async Task Mas_refuses_a_weak_password_with_its_reason_and_never_shows_the_password()
    {
        await using var h = await StartAsync();
        using var client = h.Bot();
        var accounts = await Admin(h, client).AccountsAsync();
        var dave = "@dave:" + h.Hs.ServerName;

        var weak = await Assert.ThrowsAsync<MatrixException>(() => accounts.PutAsync(dave, new AccountWrite([], "Qz7")));

        Assert.Equal(400, weak.Status);
        Assert.Contains("Password is too weak", weak.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Qz7", weak.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bot_whose_MAS_compatibility_token_expired_refreshes_it_through_MAS_without_a_login()
    {
        await using var h = await StartAsync();
        using var bot = h.Bot(deviceId: "BOTREFRESH1", refresh: true);
        await bot.WhoAmIAsync();
        var expired = bot.Session.AccessToken!;
        Assert.StartsWith("mct_", expired, StringComparison.Ordinal); // a MAS compatibility session's token
        await h.ExpireAsync(expired);
        await h.ResetCountersAsync();
        var before = bot.Session.RecoverySteps.Count; // the first login

        var healed = await bot.WhoAmIAsync();

        Assert.Equal("BOTREFRESH1", healed["device_id"]!.GetValue<string>());
        Assert.Equal([RecoveryStep.Refresh], bot.Session.RecoverySteps.Skip(before));
        Assert.Equal((0, 1), (await h.CounterAsync("login"), await h.CounterAsync("refresh")));
        Assert.NotEqual(expired, bot.Session.AccessToken);
        var active = await h.Raw.GetAsync("/api/admin/v1/compat-sessions?filter[status]=active", await h.Hs.MasAdminTokenAsync());
        Assert.Single(active.Object["data"]!.AsArray(), s => s!["attributes"]!["device_id"]?.GetValue<string>() == "BOTREFRESH1"); // the same session
    }

    [Fact]
    public async Task A_bot_on_a_MAS_without_passwords_runs_on_its_personal_token_and_when_that_dies_is_told_to_get_a_new_one()
    {
        await using var h = await StartAsync(passwords: false);
        var token = await h.Hs.PersonalTokenAsync("bot", MasAdminClient.ClientApiScope + " " + MasAdminClient.DeviceScopePrefix + "BOTPAT0002");
        using var bot = h.Bot(token: token, deviceId: "BOTPAT0002");
        Assert.Equal("BOTPAT0002", (await bot.WhoAmIAsync())["device_id"]!.GetValue<string>());

        await h.ExpireAsync(token);
        var failed = await Assert.ThrowsAsync<SessionRecoveryException>(() => bot.WhoAmIAsync());

        Assert.Contains("this homeserver signs in through MAS", failed.Message, StringComparison.Ordinal);
        Assert.Contains("give the bot a personal access token, a MAS personal session, as its access token: see docs/mas.md", failed.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(TestHomeserver.BotPassword, failed.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mas_admin_tokens_are_granted_once_for_many_clients_kept_private_and_granted_again_when_MAS_ends_them()
    {
        await using var h = await StartAsync();
        using var client = h.Bot();
        var masToken = await h.Hs.MasAdminTokenAsync();
        async Task<JsonArray> GrantsAsync() => (await h.Raw.GetAsync($"/api/admin/v1/oauth2-sessions?filter[client]={TestHomeserver.MasClientId}&filter[status]=active", masToken)).Object["data"]!.AsArray();
        var before = (await GrantsAsync()).Count;
        var cached = Credentials() with { Cache = h.Cache };

        // Five clients, as five tasks' processes would be, one after the other and then at once: one grant.
        Assert.True((await GetAsync(h, client, cached, h.Hs.AdminId))!.Admin);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => GetAsync(h, client, cached, h.Hs.BotId)));
        Assert.Equal(before + 1, (await GrantsAsync()).Count);
        var file = Assert.Single(Directory.GetFiles(h.CacheDir), f => Path.GetFileName(f).StartsWith("mas-grant_", StringComparison.Ordinal) && f.EndsWith(".json", StringComparison.Ordinal));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        var kept = await File.ReadAllTextAsync(file);
        Assert.DoesNotContain(TestHomeserver.MasClientSecret, kept, StringComparison.Ordinal);
        var record = JsonNode.Parse(kept)!.AsObject();
        Assert.Equal((TestHomeserver.MasClientId, false), (record["client_id"]!.GetValue<string>(), record.ContainsKey("user_id"))); // the grant's own record, not a session's
        Assert.DoesNotContain(Directory.GetFiles(h.CacheDir), f => Path.GetFileName(f).Contains("mas-client", StringComparison.Ordinal));

        // Check mode makes no grant but uses the token the cache holds.
        Assert.NotNull(await GetAsync(h, client, cached with { MayGrant = false }, h.Hs.BotId));

        // MAS ends the grant's session: the next client is refused once, grants again and keeps the new token.
        var grant = (await GrantsAsync()).Select(g => g!["id"]!.GetValue<string>()).Last();
        Assert.Equal(200, (await h.Raw.PostAsync($"/api/admin/v1/oauth2-sessions/{grant}/finish", null, masToken)).Code);
        Assert.NotNull(await GetAsync(h, client, cached, h.Hs.BotId));
        Assert.NotNull(await GetAsync(h, client, cached with { MayGrant = false }, h.Hs.BotId));
        Assert.Equal(before + 1, (await GrantsAsync()).Count); // the finished one gone, one new
    }

    [Fact]
    public async Task Mas_admin_clients_are_refused_with_what_to_fix_and_a_client_secret_post_client_works()
    {
        await using var h = await StartAsync();
        using var client = h.Bot();

        var wrong = await Assert.ThrowsAsync<MatrixException>(() => GetAsync(h, client, Credentials(secret: "not-the-secret"), h.Hs.BotId));
        Assert.Equal(401, wrong.Status);
        Assert.Contains($"MAS refused admin client {TestHomeserver.MasClientId} (invalid_client", wrong.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-secret", wrong.ToString(), StringComparison.Ordinal);

        var notAdmin = await Assert.ThrowsAsync<MatrixException>(() => GetAsync(h, client, Credentials(OtherClient, "other-secret"), h.Hs.BotId));
        Assert.Equal(403, notAdmin.Status);
        Assert.Contains("list the client in MAS's policy.data.admin_clients", notAdmin.Message, StringComparison.Ordinal);

        var viaPost = await GetAsync(h, client, Credentials(PostClient, "post-secret"), h.Hs.BotId);
        Assert.False(viaPost!.Admin);

        var masToken = await h.Hs.MasAdminTokenAsync();
        async Task<int> GrantsAsync() => (await h.Raw.GetAsync("/api/admin/v1/oauth2-sessions", masToken)).Object["meta"]!["count"]!.GetValue<int>();
        var grants = await GrantsAsync();
        var checkMode = await Assert.ThrowsAsync<MatrixException>(() => GetAsync(h, client, Credentials() with { MayGrant = false }, h.Hs.BotId));
        Assert.Equal(MatrixErrorCodes.MasTokenNeeded, checkMode.Errcode);
        Assert.Equal(grants, await GrantsAsync()); // check mode makes no grant (a login)
        Assert.True((await GetAsync(h, client, new MasCredentials(null) { AccessToken = masToken, MayGrant = false }, h.Hs.AdminId))!.Admin);
    }

    [Fact]
    public async Task The_cli_reads_and_mints_through_MAS_and_a_revoked_device_ends_the_personal_session()
    {
        await using var h = await StartAsync();
        var env = h.CliEnvironment(h.Admin.AccessToken);
        env["SOLTI_MAS_CLIENT_ID"] = TestHomeserver.MasClientId;
        env["SOLTI_MAS_CLIENT_SECRET"] = TestHomeserver.MasClientSecret;

        var user = await CliRunner.RunAsync(["user", "get", h.Hs.AdminId, "--output", "json", "--no-cache"], env);
        Assert.True(user.ExitCode == 0, user.ToString());
        Assert.True(JsonNode.Parse(user.Stdout)!["user"]!["admin"]!.GetValue<bool>()); // MAS's flag

        var mint = await CliRunner.RunAsync(["token", "mint", h.Hs.BotId, "--device-id", "BOTPAT0001", "--valid-for", "3600", "--output", "json", "--no-cache"], env);
        Assert.True(mint.ExitCode == 0, mint.ToString());
        var minted = JsonNode.Parse(mint.Stdout)!;
        var token = minted["token"]!.GetValue<string>();
        Assert.StartsWith("mpt_", token, StringComparison.Ordinal);
        var whoami = await h.Raw.GetAsync("/_matrix/client/v3/account/whoami", token);
        Assert.Equal((h.Hs.BotId, "BOTPAT0001"), (whoami.Str("user_id"), whoami.Str("device_id")));

        var revoke = await CliRunner.RunAsync(["device", "revoke", h.Hs.BotId, "BOTPAT0001", "--output", "json", "--no-cache"], env);
        Assert.True(revoke.ExitCode == 0, revoke.ToString());
        var dead = await h.Raw.GetAsync("/_matrix/client/v3/account/whoami", token);
        Assert.Equal((401, "M_UNKNOWN_TOKEN"), (dead.Code, dead.Errcode));
        Assert.DoesNotContain(TestHomeserver.MasClientSecret, mint.Stdout + mint.Stderr + revoke.Stdout + revoke.Stderr, StringComparison.Ordinal);
    }
}
