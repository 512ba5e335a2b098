using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Tests.Support;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests;

/// <summary>What only a homeserver that delegates authentication to MAS has, given MAS's admin API once through the
/// <c>matrix</c> action group's <c>module_defaults</c> (<c>mas_client_id</c>, <c>mas_client_secret</c>): the
/// client-credentials grant (none in check mode), personal access tokens, sessions ended in MAS; read back over HTTP
/// from MAS's admin API and Synapse; secrets never show. Accounts, admin rights, deactivation, registration tokens and
/// <c>matrix_config</c> are the shared admin tests' (<c>…OnMas</c> classes, e.g. <see cref="SynapseUserPlaybookTestsOnMas"/>).</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class MasAdminPlaybookTests(InstalledCollection collection) : ModulePlaybookTest(collection, "synapse_info", "info")
{
    protected override bool OnMas => true;

    private static void NoSecrets(PlaybookRun run, params string[] secrets)
    {
        foreach (var secret in secrets.Append(TestHomeserver.MasClientSecret))
        {
            Assert.DoesNotContain(secret, run.Stdout + run.Stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Mas_check_mode_makes_no_grant_and_uses_the_token_an_earlier_task_kept_writing_nothing()
    {
        var masToken = await Hs.MasAdminTokenAsync();
        async Task<int> GrantsAsync() => (await Hs.Client.GetAsync("/api/admin/v1/oauth2-sessions", masToken)).Object["meta"]!["count"]!.GetValue<int>();
        var grants = await GrantsAsync();
        var run = await AdminPlayAsync("""
            - name: would create, no token yet
              check_mode: true
              jackaltx.solti_matrix_mgr.synapse_user: &frank
                user_id: "@frank:localhost"
                password: "Frank-Pass-2026"
              ignore_errors: true
            - name: read
              jackaltx.solti_matrix_mgr.synapse_user_info:
                user_id: "@bot:localhost"
            - name: read again
              jackaltx.solti_matrix_mgr.synapse_user_info:
                user_id: "@admin:localhost"
            - name: would create
              check_mode: true
              diff: true
              jackaltx.solti_matrix_mgr.synapse_user: *frank
            """);

        var first = run.Task("would create, no token yet");
        Assert.True(first["failed"]!.GetValue<bool>(), run.ToString());
        Assert.Contains("check mode never makes", first["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(run.Task("read again")["user"]!["admin"]!.GetValue<bool>());
        var wouldCreate = run.Task("would create");
        Assert.True(wouldCreate["changed"]!.GetValue<bool>(), run.ToString());
        Assert.NotNull(wouldCreate["diff"]);
        Assert.Equal(grants + 1, await GrantsAsync()); // one grant for the play's tasks (kept in the credential cache), none in check mode
        Assert.Equal(404, (await MasAsync("users/by-username/frank")).Code);
        NoSecrets(run, "Frank-Pass-2026");
    }

    [Fact]
    public async Task Mas_matrix_token_mints_rotates_and_revokes_a_bots_personal_access_token()
    {
        var run = await AdminPlayAsync("""
            - name: mint
              jackaltx.solti_matrix_mgr.matrix_token: {action: mint, user_id: "@bot:localhost", device_id: BOTPAT0001, valid_for: 3600}
            - name: rotate
              jackaltx.solti_matrix_mgr.matrix_token: {action: rotate, user_id: "@bot:localhost", device_id: BOTPAT0001}
            """);

        Assert.True(run.ExitCode == 0, run.ToString());
        var minted = run.Task("mint")["token"]!.GetValue<string>();
        var rotated = run.Task("rotate")["token"]!.GetValue<string>();
        Assert.StartsWith("mpt_", minted, StringComparison.Ordinal);
        Assert.NotEqual(minted, rotated);
        Assert.NotNull(run.Task("mint")["expires_at"]?.GetValue<string>());
        Assert.Equal(401, (await Hs.Client.GetAsync("/_matrix/client/v3/account/whoami", minted)).Code);
        var whoami = await Hs.Client.GetAsync("/_matrix/client/v3/account/whoami", rotated);
        Assert.Equal(("@bot:localhost", "BOTPAT0001"), (whoami.Str("user_id"), whoami.Str("device_id")));

        var revoke = await AdminPlayAsync("""
            - name: revoke
              jackaltx.solti_matrix_mgr.matrix_token: {action: revoke, token: "{{ bot_token }}"}
            - name: revoke again
              jackaltx.solti_matrix_mgr.matrix_token: {action: revoke, token: "{{ bot_token }}"}
            """, ("bot_token", rotated));

        Assert.True(revoke.ExitCode == 0, revoke.ToString());
        Assert.Equal((true, false), (revoke.Task("revoke")["changed"]!.GetValue<bool>(), revoke.Task("revoke again")["changed"]!.GetValue<bool>()));
        var dead = await Hs.Client.GetAsync("/_matrix/client/v3/account/whoami", rotated);
        Assert.Equal((401, "M_UNKNOWN_TOKEN"), (dead.Code, dead.Errcode));
        var sessions = (await MasAsync("personal-sessions?filter[status]=revoked")).Object["data"]!.AsArray();
        Assert.Single(sessions); // one session: minted, regenerated, revoked
        NoSecrets(revoke, rotated);
    }

    [Fact]
    public async Task Mas_sessions_are_ended_in_MAS_and_the_bot_heals_with_one_login_on_its_device()
    {
        var old = await Hs.LoginBotAsync("OLDDEVICE1");
        var bot = await Hs.LoginBotAsync("BOTDEVICE1");
        var room = await Hs.Client.CreateRoomAsync(Admin.AccessToken, new JsonObject { ["room_alias_name"] = "mas-events", ["preset"] = "public_chat" });
        Assert.Equal(200, (await Hs.Client.PostAsync($"/_matrix/client/v3/join/{MatrixTestClient.Enc(room)}", null, bot.AccessToken)).Code);
        Assert.Equal(200, (await Hs.Client.PutAsync("/_synapse/admin/v2/users/" + MatrixTestClient.Enc("@bot:localhost") + "/devices/OLDDEVICE1", new JsonObject { ["display_name"] = "old phone" }, Admin.AccessToken)).Code);

        var run = await AdminPlayAsync("""
            - name: sessions
              jackaltx.solti_matrix_mgr.synapse_device_info:
                user_id: "@bot:localhost"
                display_name_filter: old phone
                revoke_matched: true
            """);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(["OLDDEVICE1"], run.Task("sessions")["revoked_devices"]!.AsArray().Select(d => d!.GetValue<string>()));
        Assert.Equal(401, (await Hs.Client.GetAsync("/_matrix/client/v3/account/whoami", old.AccessToken)).Code);
        var finished = (await MasAsync("compat-sessions?filter[status]=finished")).Object["data"]!.AsArray();
        Assert.Equal("OLDDEVICE1", Assert.Single(finished)!["attributes"]!["device_id"]!.GetValue<string>());

        // The bot's own session is ended in MAS; its next event heals with one password login on the same device.
        var session = (await MasAsync("compat-sessions?filter[status]=active")).Object["data"]!.AsArray()
            .Single(s => s!["attributes"]!["device_id"]?.GetValue<string>() == "BOTDEVICE1")!["id"]!.GetValue<string>();
        Assert.Equal(200, (await Hs.Client.PostAsync($"/api/admin/v1/compat-sessions/{session}/finish", null, await Hs.MasAdminTokenAsync())).Code);
        await Hs.Client.DeleteAsync("/_solti/testing/v1/counters", Admin.AccessToken);
        var send = await new Playbook(Collection, StateHome).RunAsync(Playbook.BotEventPlay("healed", "    device_id: BOTDEVICE1"), Playbook.BotVars(Hs, bot.AccessToken, room));

        Assert.True(send.ExitCode == 0, send.ToString());
        var counters = (await Hs.Client.GetAsync("/_solti/testing/v1/counters", Admin.AccessToken)).Object["counters"]!;
        Assert.Equal(1, counters["login"]?.GetValue<long>());
        var active = (await MasAsync("compat-sessions?filter[status]=active")).Object["data"]!.AsArray();
        Assert.Equal("BOTDEVICE1", Assert.Single(active)!["attributes"]!["device_id"]!.GetValue<string>());
        var messages = await Hs.Client.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(room)}/messages?dir=b&limit=5", Admin.AccessToken);
        Assert.Contains(messages.Object["chunk"]!.AsArray(), e => e!["content"]?["body"]?.GetValue<string>() == "healed");
        NoSecrets(send, TestHomeserver.BotPassword);
    }
}
