using System.Text.Json.Nodes;
using Solti.Matrix.Accounts;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Mas;
using Solti.Matrix.Sessions;
using Solti.Matrix.Testing;
using Solti.Matrix.Tests.Support;

namespace Solti.Matrix.Tests;

/// <summary>The account authority's contract, the same tests on each backend (<see cref="IAccountAuthority"/>): Synapse
/// (current and 1.67) and a homeserver that delegates to MAS, given MAS's admin API. What each call did is read back over
/// HTTP from the owner's own admin API (Synapse's, or MAS's), never through the code under test.</summary>
[Trait("tier", "integration")]
public abstract class AccountAuthorityTests
{
    /// <summary>The homeserver options of this backend.</summary>
    protected abstract HomeserverOptions Configure(HomeserverOptions options);

    /// <summary>MAS's admin API for this backend's admin client, or null.</summary>
    protected virtual MasCredentials? Mas => null;

    /// <summary>Whether tokens minted for a user are bound to a device (MAS's personal access tokens), which revoking
    /// ends; Synapse's login as a user has no device.</summary>
    protected virtual bool MintsDeviceTokens => false;

    /// <summary>The account's <c>admin</c> and <c>deactivated</c> as its owner's admin API answers them over HTTP.</summary>
    protected abstract Task<(bool Admin, bool Deactivated)> OwnerFlagsAsync(LibraryHarness h, string localpart);

    private Task<LibraryHarness> StartAsync() => LibraryHarness.StartAsync(Configure);

    private Task<IAccountAuthority> AccountsAsync(LibraryHarness h, MatrixClient client) =>
        client.Admin(new SessionOptions { UserId = h.Hs.AdminId, AccessToken = h.Admin.AccessToken, UseCache = false }, mas: Mas).AccountsAsync();

    [Fact]
    public async Task Accounts_are_created_with_a_password_promoted_demoted_and_deactivated_and_read_with_the_owners_flags()
    {
        await using var h = await StartAsync();
        using var client = h.Bot();
        var accounts = await AccountsAsync(h, client);
        var carol = "@carol:" + h.Hs.ServerName;

        Assert.Null(await accounts.GetAsync(carol));
        var created = await accounts.PutAsync(carol, new AccountWrite(new JsonObject { ["displayname"] = "Carol", ["admin"] = true }, "Carol-Pass-2026"));

        Assert.Equal((carol, true, false, "Carol"), (created.UserId, created.Admin, created.Deactivated, created.DisplayName));
        Assert.Equal((true, false), await OwnerFlagsAsync(h, "carol"));
        var login = await h.Raw.LoginAsync("carol", "Carol-Pass-2026", "CAROLDEV01");
        Assert.Equal(200, (await h.Raw.GetAsync("/_matrix/client/v3/account/whoami", login.AccessToken)).Code);

        var demoted = await accounts.PutAsync(carol, new AccountWrite(new JsonObject { ["admin"] = false, ["displayname"] = "Carol C." }));
        Assert.Equal((false, "Carol C."), (demoted.Admin, demoted.DisplayName));
        Assert.Equal((false, false), await OwnerFlagsAsync(h, "carol"));
        Assert.Equal("Carol C.", (await accounts.GetAsync(carol))!.DisplayName);

        var found = await accounts.FindAsync([carol, h.Hs.AdminId, h.Hs.BotId, "@nobody:" + h.Hs.ServerName]);
        Assert.Equal((false, true, false), (found[carol]!.Admin, found[h.Hs.AdminId]!.Admin, found[h.Hs.BotId]!.Admin));
        Assert.Null(found["@nobody:" + h.Hs.ServerName]);
        var (admins, _) = await accounts.ListAsync(new AccountQuery(Admin: true));
        Assert.Equal([h.Hs.AdminId], admins.Select(a => a.UserId));

        await accounts.DeactivateAsync(carol, erase: false);
        Assert.Equal((false, true), await OwnerFlagsAsync(h, "carol"));
        Assert.True((await accounts.GetAsync(carol))!.Deactivated);
        var dead = await h.Raw.GetAsync("/_matrix/client/v3/account/whoami", login.AccessToken);
        Assert.Equal((401, "M_UNKNOWN_TOKEN"), (dead.Code, dead.Errcode));
        Assert.Null(accounts.AccountWriteRefusal("creating the account"));
    }

    [Fact]
    public async Task Registration_tokens_are_created_changed_listed_deleted_and_created_again_in_Synapses_shape()
    {
        await using var h = await StartAsync();
        using var client = h.Bot();
        var accounts = await AccountsAsync(h, client);
        var expiry = DateTimeOffset.Parse("2030-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

        var created = await accounts.CreateRegistrationTokenAsync(new NewRegistrationToken("onboarding", null, new RegistrationTokenLimits(5, expiry)));
        Assert.Equal(new RegistrationToken("onboarding", 5, 0, 0, expiry), created);
        Assert.Equal(7, (await accounts.UpdateRegistrationTokenAsync("onboarding", new RegistrationTokenLimits(UsesAllowed: 7))).UsesAllowed);
        Assert.Equal(new RegistrationToken("onboarding", 7, 0, 0, expiry), await accounts.GetRegistrationTokenAsync("onboarding"));
        Assert.Contains(await accounts.ListRegistrationTokensAsync(), t => t.Token == "onboarding");
        var generated = await accounts.CreateRegistrationTokenAsync(new NewRegistrationToken(null, 24, new RegistrationTokenLimits()));
        Assert.Equal((24, (long?)null), (generated.Token.Length, generated.UsesAllowed));

        await accounts.DeleteRegistrationTokenAsync("onboarding");
        Assert.Null(await accounts.GetRegistrationTokenAsync("onboarding"));
        Assert.DoesNotContain(await accounts.ListRegistrationTokensAsync(), t => t.Token == "onboarding");

        var back = await accounts.CreateRegistrationTokenAsync(new NewRegistrationToken("onboarding", null, new RegistrationTokenLimits(UsesAllowed: 2)));
        Assert.Equal(new RegistrationToken("onboarding", 2, 0, 0, null), back);
    }

    [Fact]
    public async Task A_deleted_device_ends_its_token_and_the_bot_heals_with_one_login_on_the_same_device()
    {
        await using var h = await StartAsync();
        using var bot = h.Bot(deviceId: "BOTDEVICE01");
        var accounts = await AccountsAsync(h, bot);
        await bot.WhoAmIAsync();
        var oldToken = bot.Session.AccessToken!;
        Assert.Contains(await accounts.DevicesAsync(h.Hs.BotId), d => d.DeviceId == "BOTDEVICE01");

        await accounts.DeleteDevicesAsync(h.Hs.BotId, ["BOTDEVICE01"]);
        Assert.DoesNotContain(await accounts.DevicesAsync(h.Hs.BotId), d => d.DeviceId == "BOTDEVICE01");
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
    public async Task A_minted_token_acts_as_the_user_expires_when_asked_and_a_device_bound_one_is_revoked_by_its_device()
    {
        await using var h = await StartAsync();
        using var client = h.Bot();
        var accounts = await AccountsAsync(h, client);
        var request = new TokenRequest("BOTMINT001", TimeSpan.FromHours(1), "solti-matrix test");

        var plan = accounts.PlanMint(h.Hs.BotId, request);
        var minted = await accounts.MintTokenAsync(h.Hs.BotId, request);

        Assert.Null(plan.AccessToken);
        Assert.Equal(MintsDeviceTokens ? "BOTMINT001" : null, minted.DeviceId);
        Assert.Equal(plan.DeviceId, minted.DeviceId);
        Assert.InRange(minted.ExpiresAt!.Value, DateTimeOffset.UtcNow.AddMinutes(55), DateTimeOffset.UtcNow.AddMinutes(65));
        Assert.DoesNotContain(minted.AccessToken!, minted.ToString(), StringComparison.Ordinal);
        var whoami = await h.Raw.GetAsync("/_matrix/client/v3/account/whoami", minted.AccessToken);
        Assert.Equal(h.Hs.BotId, whoami.Str("user_id"));

        Assert.Equal(MintsDeviceTokens, await accounts.RevokeTokensAsync(h.Hs.BotId, "BOTMINT001"));
        var after = await h.Raw.GetAsync("/_matrix/client/v3/account/whoami", minted.AccessToken);
        Assert.Equal(MintsDeviceTokens ? 401 : 200, after.Code);
    }
}

/// <summary>The contract on the current Synapse.</summary>
public class AccountAuthorityTestsOnSynapse : AccountAuthorityTests
{
    protected override HomeserverOptions Configure(HomeserverOptions options) => options;

    protected override async Task<(bool Admin, bool Deactivated)> OwnerFlagsAsync(LibraryHarness h, string localpart)
    {
        var user = await h.Raw.GetAsync($"/_synapse/admin/v2/users/{MatrixTestClient.Enc($"@{localpart}:{h.Hs.ServerName}")}", h.Admin.AccessToken);
        Assert.True(user.Code == 200, user.ToString());
        return (MatrixTestClient.Flag(user.Object["admin"]), MatrixTestClient.Flag(user.Object["deactivated"]));
    }
}

/// <summary>The contract on Synapse 1.67 (0/1 flags, 400 for unknown endpoints).</summary>
public sealed class AccountAuthorityTestsOnSynapse167 : AccountAuthorityTestsOnSynapse
{
    protected override HomeserverOptions Configure(HomeserverOptions options) => options with { Compatibility = Compatibility.Synapse167 };
}

/// <summary>The contract on a homeserver that delegates to MAS, given MAS's admin API: MAS's flags are read from MAS.</summary>
public sealed class AccountAuthorityTestsOnMas : AccountAuthorityTests
{
    protected override HomeserverOptions Configure(HomeserverOptions options) => options with { AuthenticationService = TestHomeserver.Mas() };

    protected override MasCredentials? Mas => new(null) { ClientId = TestHomeserver.MasClientId, ClientSecret = TestHomeserver.MasClientSecret };

    protected override bool MintsDeviceTokens => true;

    protected override async Task<(bool Admin, bool Deactivated)> OwnerFlagsAsync(LibraryHarness h, string localpart)
    {
        var user = await h.Raw.GetAsync("/api/admin/v1/users/by-username/" + localpart, await h.Hs.MasAdminTokenAsync());
        Assert.True(user.Code == 200, user.ToString());
        var attributes = user.Object["data"]!["attributes"]!;
        return (attributes["admin"]!.GetValue<bool>(), attributes["deactivated_at"] is JsonValue);
    }
}
