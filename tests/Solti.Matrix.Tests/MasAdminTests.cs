using System.Text.Json.Nodes;
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

    /// <summary>The MAS user named <paramref name="username"/> as MAS's admin API answers it over HTTP.</summary>
    private static async Task<JsonObject> MasUserAsync(LibraryHarness h, string username)
    {
        var user = await h.Raw.GetAsync("/api/admin/v1/users/by-username/" + username, await h.Hs.MasAdminTokenAsync());
        Assert.True(user.Code == 200, user.ToString());
        return user.Object["data"]!["attributes"]!.AsObject();
    }

    [Fact]
    public async Task Mas_accounts_are_created_with_a_password_promoted_and_deactivated_and_read_with_MAS_flags()
    {
        await using var h = await StartAsync();
        using var client = h.Bot();
        var admin = Admin(h, client);
        var carol = "@carol:" + h.Hs.ServerName;

        Assert.Null(await admin.GetUserAsync(carol));
        var created = await admin.PutUserAsync(carol, new JsonObject { ["password"] = "Carol-Pass-2026", ["displayname"] = "Carol", ["admin"] = true });

        Assert.Equal((true, false, "Carol"), (created["admin"]!.GetValue<bool>(), created["deactivated"]!.GetValue<bool>(), created["displayname"]!.GetValue<string>()));
        Assert.True((await MasUserAsync(h, "carol"))["admin"]!.GetValue<bool>());
        var login = await h.Raw.LoginAsync("carol", "Carol-Pass-2026", "CAROLDEV01"); // MAS's compatibility layer knows the password
        Assert.Equal(200, (await h.Raw.GetAsync("/_matrix/client/v3/account/whoami", login.AccessToken)).Code);

        var demoted = await admin.PutUserAsync(carol, new JsonObject { ["admin"] = false, ["displayname"] = "Carol C." });
        Assert.Equal((false, "Carol C."), (demoted["admin"]!.GetValue<bool>(), demoted["displayname"]!.GetValue<string>()));
        Assert.False((await MasUserAsync(h, "carol"))["admin"]!.GetValue<bool>());

        await admin.DeactivateUserAsync(carol, erase: false);
        Assert.NotNull((await MasUserAsync(h, "carol"))["deactivated_at"]?.GetValue<string>());
        Assert.True((await admin.GetUserAsync(carol))!["deactivated"]!.GetValue<bool>());
        var dead = await h.Raw.GetAsync("/_matrix/client/v3/account/whoami", login.AccessToken);
        Assert.Equal((401, "M_UNKNOWN_TOKEN"), (dead.Code, dead.Errcode));

        var weak = await Assert.ThrowsAsync<MatrixException>(() => admin.PutUserAsync("@dave:" + h.Hs.ServerName, new JsonObject { ["password"] = "short" }));
        Assert.Equal(400, weak.Status);
        Assert.Contains("Password is too weak", weak.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mas_registration_tokens_are_read_and_written_in_Synapses_shape_and_absent_revokes()
    {
        await using var h = await StartAsync();
        using var client = h.Bot();
        var admin = Admin(h, client);
        var expiry = DateTimeOffset.Parse("2030-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

        var created = await admin.CreateRegistrationTokenAsync(new JsonObject { ["token"] = "onboarding", ["uses_allowed"] = 5, ["expiry_time"] = expiry });
        Assert.Equal(("onboarding", 5, 0, expiry), (created["token"]!.GetValue<string>(), created["uses_allowed"]!.GetValue<int>(), created["completed"]!.GetValue<int>(), created["expiry_time"]!.GetValue<long>()));
        Assert.Equal(7, (await admin.UpdateRegistrationTokenAsync("onboarding", new JsonObject { ["uses_allowed"] = 7 }))["uses_allowed"]!.GetValue<int>());
        Assert.Contains(await admin.ListRegistrationTokensAsync(), t => t["token"]!.GetValue<string>() == "onboarding");

        await admin.DeleteRegistrationTokenAsync("onboarding");
        Assert.Null(await admin.GetRegistrationTokenAsync("onboarding"));
        var listed = await h.Raw.GetAsync("/api/admin/v1/user-registration-tokens", await h.Hs.MasAdminTokenAsync());
        var revoked = Assert.Single(listed.Object["data"]!.AsArray(), t => t!["attributes"]!["token"]!.GetValue<string>() == "onboarding");
        Assert.NotNull(revoked!["attributes"]!["revoked_at"]?.GetValue<string>());

        var back = await admin.CreateRegistrationTokenAsync(new JsonObject { ["token"] = "onboarding", ["uses_allowed"] = 2 });
        Assert.Equal((2, (long?)null), (back["uses_allowed"]!.GetValue<int>(), back["expiry_time"]?.GetValue<long>()));
        Assert.NotNull(await admin.GetRegistrationTokenAsync("onboarding"));
    }

    [Fact]
    public async Task A_bot_whose_MAS_session_was_finished_heals_with_one_login_on_the_same_device()
    {
        await using var h = await StartAsync();
        using var bot = h.Bot(deviceId: "BOTDEVICE01");
        var admin = Admin(h, bot);
        var first = await bot.WhoAmIAsync();
        var oldToken = bot.Session.AccessToken!;
        Assert.Equal("BOTDEVICE01", first["device_id"]!.GetValue<string>());

        await admin.DeleteDevicesAsync(h.Hs.BotId, ["BOTDEVICE01"]); // ends the compatibility session in MAS
        var sessions = await h.Raw.GetAsync("/api/admin/v1/compat-sessions?filter[status]=finished", await h.Hs.MasAdminTokenAsync());
        Assert.Contains(sessions.Object["data"]!.AsArray(), s => s!["attributes"]!["device_id"]?.GetValue<string>() == "BOTDEVICE01");
        var dead = await h.Raw.GetAsync("/_matrix/client/v3/account/whoami", oldToken);
        Assert.Equal((401, "M_UNKNOWN_TOKEN"), (dead.Code, dead.Errcode));

        await h.ResetCountersAsync();
        var healed = await bot.WhoAmIAsync();

        Assert.Equal("BOTDEVICE01", healed["device_id"]!.GetValue<string>());
        Assert.Contains(RecoveryStep.PasswordLogin, bot.Session.RecoverySteps);
        Assert.Equal(1, await h.CounterAsync("login"));
        Assert.NotEqual(oldToken, bot.Session.AccessToken);
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
        Assert.True((await Admin(h, client, cached).GetUserAsync(h.Hs.AdminId))!["admin"]!.GetValue<bool>());
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Admin(h, client, cached).GetUserAsync(h.Hs.BotId)));
        Assert.Equal(before + 1, (await GrantsAsync()).Count);
        var file = Assert.Single(Directory.GetFiles(h.CacheDir), f => Path.GetFileName(f).StartsWith("mas-grant_", StringComparison.Ordinal) && f.EndsWith(".json", StringComparison.Ordinal));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        var kept = await File.ReadAllTextAsync(file);
        Assert.DoesNotContain(TestHomeserver.MasClientSecret, kept, StringComparison.Ordinal);
        var record = JsonNode.Parse(kept)!.AsObject();
        Assert.Equal((TestHomeserver.MasClientId, false), (record["client_id"]!.GetValue<string>(), record.ContainsKey("user_id"))); // the grant's own record, not a session's
        Assert.DoesNotContain(Directory.GetFiles(h.CacheDir), f => Path.GetFileName(f).Contains("mas-client", StringComparison.Ordinal));

        // Check mode makes no grant but uses the token the cache holds.
        Assert.NotNull(await Admin(h, client, cached with { MayGrant = false }).GetUserAsync(h.Hs.BotId));

        // MAS ends the grant's session: the next client is refused once, grants again and keeps the new token.
        var grant = (await GrantsAsync()).Select(g => g!["id"]!.GetValue<string>()).Last();
        Assert.Equal(200, (await h.Raw.PostAsync($"/api/admin/v1/oauth2-sessions/{grant}/finish", null, masToken)).Code);
        Assert.NotNull(await Admin(h, client, cached).GetUserAsync(h.Hs.BotId));
        Assert.NotNull(await Admin(h, client, cached with { MayGrant = false }).GetUserAsync(h.Hs.BotId));
        Assert.Equal(before + 1, (await GrantsAsync()).Count); // the finished one gone, one new
    }

    [Fact]
    public async Task Mas_admin_clients_are_refused_with_what_to_fix_and_a_client_secret_post_client_works()
    {
        await using var h = await StartAsync();
        using var client = h.Bot();

        var wrong = await Assert.ThrowsAsync<MatrixException>(() => Admin(h, client, Credentials(secret: "not-the-secret")).GetUserAsync(h.Hs.BotId));
        Assert.Equal(401, wrong.Status);
        Assert.Contains($"MAS refused admin client {TestHomeserver.MasClientId} (invalid_client", wrong.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-secret", wrong.ToString(), StringComparison.Ordinal);

        var notAdmin = await Assert.ThrowsAsync<MatrixException>(() => Admin(h, client, Credentials(OtherClient, "other-secret")).GetUserAsync(h.Hs.BotId));
        Assert.Equal(403, notAdmin.Status);
        Assert.Contains("list the client in MAS's policy.data.admin_clients", notAdmin.Message, StringComparison.Ordinal);

        var viaPost = await Admin(h, client, Credentials(PostClient, "post-secret")).GetUserAsync(h.Hs.BotId);
        Assert.False(viaPost!["admin"]!.GetValue<bool>());

        var masToken = await h.Hs.MasAdminTokenAsync();
        async Task<int> GrantsAsync() => (await h.Raw.GetAsync("/api/admin/v1/oauth2-sessions", masToken)).Object["meta"]!["count"]!.GetValue<int>();
        var grants = await GrantsAsync();
        var checkMode = await Assert.ThrowsAsync<MatrixException>(() => Admin(h, client, Credentials() with { MayGrant = false }).GetUserAsync(h.Hs.BotId));
        Assert.Equal(MatrixErrorCodes.MasTokenNeeded, checkMode.Errcode);
        Assert.Equal(grants, await GrantsAsync()); // check mode makes no grant (a login)
        Assert.True((await Admin(h, client, new MasCredentials(null) { AccessToken = masToken, MayGrant = false }).GetUserAsync(h.Hs.AdminId))!["admin"]!.GetValue<bool>());
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
