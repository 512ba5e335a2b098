using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Tests.Support;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests;

/// <summary>Modules on a homeserver that delegates authentication to MAS: <c>synapse_info</c> says so, what Synapse still
/// serves works, what MAS owns fails naming MAS, and a bot whose password MAS refuses is told what to do instead.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class MasPlaybookTests(InstalledCollection collection) : ModulePlaybookTest(collection, "synapse_info", "info")
{
    protected override Func<Homeserver.Configuration.HomeserverOptions, Homeserver.Configuration.HomeserverOptions>? Configure =>
        o => o with { AuthenticationService = new Homeserver.Configuration.DelegatedAuthentication(new Uri("https://account.example.com/")) };

    [Fact]
    public async Task A_delegating_homeserver_is_reported_as_mas_with_its_issuer()
    {
        var info = (await RunAsync("gather: [version]")).Task("info");
        Assert.Equal(("mas", "https://account.example.com/"), (info["auth"]!.GetValue<string>(), info["mas_issuer"]!.GetValue<string>()));
        Assert.False(info["changed"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Users_are_listed_and_a_registration_token_fails_naming_MAS_with_nothing_written()
    {
        var run = await AdminPlayAsync("""
            - name: users
              jackaltx.solti_matrix_mgr.synapse_user_info: {}
            - name: token
              jackaltx.solti_matrix_mgr.synapse_registration_token:
                token: onboarding
              ignore_errors: true
            """);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains(run.Task("users")["users"]!.AsArray(), u => u!["name"]!.GetValue<string>() == Hs.BotId);
        var token = run.Task("token");
        Assert.True(token["failed"]!.GetValue<bool>());
        Assert.Contains("belong to the Matrix Authentication Service on this homeserver (issuer https://account.example.com/)", token["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.False(token["changed"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Creating_an_account_is_refused_before_any_write_and_a_display_name_still_changes()
    {
        var run = await AdminPlayAsync("""
            - name: create
              jackaltx.solti_matrix_mgr.synapse_user:
                user_id: "@newbie:localhost"
                password: "newbie-secret-pass"
              ignore_errors: true
            - name: rename
              jackaltx.solti_matrix_mgr.synapse_user:
                user_id: "@bot:localhost"
                displayname: Deploy Bot
            """);

        var create = run.Task("create");
        Assert.True(create["failed"]!.GetValue<bool>(), run.ToString());
        Assert.Contains("nothing was changed: @newbie:localhost: creating the account belongs to the Matrix Authentication Service on this homeserver (issuer https://account.example.com/)", create["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(404, (await Hs.Client.GetAsync("/_synapse/admin/v2/users/" + MatrixTestClient.Enc("@newbie:localhost"), Admin.AccessToken)).Code);
        Assert.DoesNotContain("newbie-secret-pass", run.Stdout, StringComparison.Ordinal);
        Assert.True(run.Task("rename")["changed"]!.GetValue<bool>(), run.ToString());
        var bot = await Hs.Client.GetAsync("/_synapse/admin/v2/users/" + MatrixTestClient.Enc("@bot:localhost"), Admin.AccessToken);
        Assert.Equal("Deploy Bot", bot.Object["displayname"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_bot_whose_token_died_while_MAS_takes_no_passwords_fails_saying_to_use_a_personal_token()
    {
        var bot = await Hs.LoginBotAsync("MASBOT");
        var room = await Hs.Client.CreateRoomAsync(bot.AccessToken, new JsonObject { ["room_alias_name"] = "mas-events" });
        Assert.Equal(200, (await Hs.Client.PostAsync("/_solti/testing/v1/expire_token", new JsonObject { ["access_token"] = bot.AccessToken }, Admin.AccessToken)).Code);
        Assert.Equal(200, (await Hs.Client.PostAsync("/_solti/testing/v1/faults", new JsonObject { ["endpoint"] = "login", ["method"] = "POST", ["status"] = 400, ["errcode"] = "M_UNKNOWN", ["error"] = "Invalid login type", ["count"] = null }, Admin.AccessToken)).Code);

        var run = await new Playbook(Collection, StateHome).RunAsync(Playbook.BotEventPlay("deployed", "  ignore_errors: true"), Playbook.BotVars(Hs, bot.AccessToken, room));

        var ev = run.Task("event");
        Assert.True(ev["failed"]!.GetValue<bool>(), run.ToString());
        Assert.Contains("this homeserver signs in through MAS, issuer https://account.example.com/, which takes no passwords here: give the bot a personal access token", ev["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain(TestHomeserver.BotPassword, run.Stdout, StringComparison.Ordinal);
    }
}
