using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Tests.Support;
using Solti.Matrix.Homeserver.Tests.Support;

namespace Solti.Matrix.Ansible.Tests;

/// <summary><c>matrix_token</c> from playbooks: a stable device, minted tokens that expire, revocation, rotation.</summary>
[Collection("ansible")]
public sealed class MatrixTokenPlaybookTests(InstalledCollection collection) : IAsyncLifetime
{
    private readonly string _stateHome = Directory.CreateTempSubdirectory("solti-state-").FullName;
    private TestHomeserver _hs = null!;
    private Session _admin = null!;

    public async Task InitializeAsync()
    {
        _hs = await TestHomeserver.StartAsync();
        _admin = await _hs.LoginAdminAsync();
    }

    public async Task DisposeAsync()
    {
        await _hs.DisposeAsync();
        Directory.Delete(_stateHome, recursive: true);
    }

    private Task<PlaybookRun> RunAsync(string options, params string[] flags) => new Playbook(collection, _stateHome).RunAsync($$$"""
        - hosts: localhost
          gather_facts: false
          tasks:
            - name: token
              jackaltx.solti_matrix_mgr.matrix_token:
                homeserver_url: "{{ hs_url }}"
        {{{string.Join('\n', options.Split('\n').Select(l => "        " + l))}}}
        """, new Dictionary<string, string> { ["hs_url"] = _hs.Server.BaseAddress.ToString(), ["admin_token"] = _admin.AccessToken, ["bot_password"] = TestHomeserver.BotPassword }, true, flags);

    private async Task<int> DevicesAsync() =>
        (await _hs.Client.GetAsync($"/_synapse/admin/v2/users/{MatrixTestClient.Enc(_hs.BotId)}/devices", _admin.AccessToken)).Object["total"]!.GetValue<int>();

    private async Task<int> WhoAmIAsync(string token) => (await _hs.Client.GetAsync("/_matrix/client/v3/account/whoami", token)).Code;

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
        var whoami = await _hs.Client.GetAsync("/_matrix/client/v3/account/whoami", token);
        Assert.Equal(200, whoami.Code);
        Assert.False(whoami.Object.ContainsKey("device_id"));
        Assert.Equal(0, await DevicesAsync());
        await Task.Delay(1200);
        Assert.Equal(401, await WhoAmIAsync(token));

        var bot = await _hs.LoginBotAsync("TOREVOKE");
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
        var noPassword = (await RunAsync("user_id: \"@bot:localhost\"")).Task("token");
        Assert.Contains("action is obtain but all of the following are missing: password", noPassword["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        var wrong = (await RunAsync("user_id: \"@bot:localhost\"\npassword: wrong-password-x")).Task("token");
        Assert.True(wrong["failed"]!.GetValue<bool>());
        Assert.Contains("bad credentials", wrong["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-password-x", wrong.ToJsonString(), StringComparison.Ordinal);
        var badAction = (await RunAsync("action: steal")).Task("token");
        Assert.Contains("value of action must be one of: obtain, mint, revoke, rotate", badAction["msg"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
