using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Tests.Support;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests;

/// <summary><c>matrix_token</c> from playbooks: a stable device, minted tokens that expire, revocation, rotation.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public class MatrixTokenPlaybookTests(InstalledCollection collection) : ModulePlaybookTest(collection, "matrix_token", "token", adminToken: false)
{
    /// <summary>The homeserver's clock stands still until a test moves it: a minted token's expiry is tested by moving
    /// it past <c>expires_at</c>, not by sleeping (a playbook on a loaded machine took longer than a 1 s token lived).</summary>
    private readonly ManualTime _clock = new();

    protected override TimeProvider Time => _clock;

    private async Task<int> DevicesAsync() =>
        (await Hs.Client.GetAsync($"/_synapse/admin/v2/users/{MatrixTestClient.Enc(Hs.BotId)}/devices", Admin.AccessToken)).Object["total"]!.GetValue<int>();

    private async Task<int> WhoAmIAsync(string token) => (await Hs.Client.GetAsync("/_matrix/client/v3/account/whoami", token)).Code;

    [Fact]
    public async Task Obtain_twice_keeps_one_device_and_rotate_replaces_the_token()
    {
        const string Obtain = "user_id: \"@bot:localhost\"\npassword: \"{{ bot_password }}\"";
        var check = await RunAsync(Obtain, "--check");
        Assert.False(check.Task("token").ContainsKey("token"));
        Assert.Equal(0, await DevicesAsync());

        var first = await RunAsync(Obtain);
        var firstToken = first.Task("token")["token"]!.GetValue<string>();
        Assert.True(first.Task("token")["changed"]!.GetValue<bool>());
        Assert.Equal(200, await WhoAmIAsync(firstToken));
        var second = (await RunAsync(Obtain)).Task("token");
        Assert.False(second["changed"]!.GetValue<bool>());
        Assert.Equal(firstToken, second["token"]!.GetValue<string>());
        Assert.Equal(1, await DevicesAsync());
        Assert.DoesNotContain(TestHomeserver.BotPassword, first.Stdout, StringComparison.Ordinal);

        var rotated = (await RunAsync("action: rotate\n" + Obtain)).Task("token");
        var newToken = rotated["token"]!.GetValue<string>();
        Assert.NotEqual(firstToken, newToken);
        Assert.Equal(first.Task("token")["device_id"]!.GetValue<string>(), rotated["device_id"]!.GetValue<string>());
        Assert.Equal(401, await WhoAmIAsync(firstToken));
        Assert.Equal(200, await WhoAmIAsync(newToken));
        Assert.Equal(1, await DevicesAsync());
    }

    [Fact]
    public async Task Mint_gives_a_device_less_token_that_expires_and_revoke_kills_a_token()
    {
        var minted = (await RunAsync("action: mint\naccess_token: \"{{ admin_token }}\"\nuser_id: \"@bot:localhost\"\nvalid_for: 1")).Task("token");
        var token = minted["token"]!.GetValue<string>();
        var expiresAt = DateTimeOffset.Parse(minted["expires_at"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        var whoami = await Hs.Client.GetAsync("/_matrix/client/v3/account/whoami", token);
        Assert.Equal(200, whoami.Code);
        Assert.False(whoami.Object.ContainsKey("device_id"));
        Assert.Equal(0, await DevicesAsync());

        // The homeserver's clock to a millisecond before the expiry the module reported, then onto it.
        _clock.Advance(expiresAt - _clock.GetUtcNow() - TimeSpan.FromMilliseconds(1));
        Assert.Equal(200, await WhoAmIAsync(token));
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(401, await WhoAmIAsync(token));

        var bot = await Hs.LoginBotAsync("TOREVOKE");
        var check = (await RunAsync($"action: revoke\ntoken: \"{bot.AccessToken}\"", "--check")).Task("token");
        Assert.True(check["changed"]!.GetValue<bool>());
        Assert.Equal(200, await WhoAmIAsync(bot.AccessToken));
        var revoke = await RunAsync($"action: revoke\ntoken: \"{bot.AccessToken}\"");
        Assert.True(revoke.Task("token")["changed"]!.GetValue<bool>());
        Assert.Equal(401, await WhoAmIAsync(bot.AccessToken));
        Assert.DoesNotContain(bot.AccessToken, revoke.Stdout, StringComparison.Ordinal);
        Assert.False((await RunAsync($"action: revoke\ntoken: \"{bot.AccessToken}\"")).Task("token")["changed"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Bad_input_fails_clearly()
    {
        await FailsAsync("user_id: \"@bot:localhost\"", "action is obtain but all of the following are missing: password");
        var wrong = (await RunAsync("user_id: \"@bot:localhost\"\npassword: wrong-password-x")).Task("token");
        Assert.True(wrong["failed"]!.GetValue<bool>());
        Assert.Contains("bad credentials", wrong["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-password-x", wrong.ToJsonString(), StringComparison.Ordinal);
        await FailsAsync("action: steal", "value of action must be one of: obtain, mint, revoke, rotate");
    }
}

/// <summary>The same <c>matrix_token</c> playbook tests against the oldest Synapse we support (1.67's behaviour).</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class MatrixTokenPlaybookTestsOnSynapse167(InstalledCollection collection) : MatrixTokenPlaybookTests(collection)
{
    protected override Compatibility? Profile => Compatibility.Synapse167;
}
