using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Tests.Support;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests;

/// <summary><c>synapse_user</c> from playbooks: only the fields the task sets, no surprise logouts, check mode, absent.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public class SynapseUserPlaybookTests(InstalledCollection collection) : ModulePlaybookTest(collection, "synapse_user", "user")
{
    private const string Carol = "@carol:localhost";

    private Task<int> WhoAmIAsync(string token) => Hs.Client.GetAsync("/_matrix/client/v3/account/whoami", token).ContinueWith(t => t.Result.Code, TaskScheduler.Default);

    [Fact]
    public async Task Create_rerun_and_change_one_field_without_logging_the_user_out()
    {
        const string Create = "user_id: \"@carol:localhost\"\npassword: carol-pass-1\ndisplayname: Carol\nadmin: true\nuser_type: bot";
        var check = (await RunAsync(Create, "--check")).Task("user");
        Assert.True(check["changed"]!.GetValue<bool>());
        Assert.Null(await AccountAsync(Carol));

        var created = (await RunAsync(Create)).Task("user");
        Assert.True(created["changed"]!.GetValue<bool>());
        Assert.True(MatrixTestClient.Flag((await AccountAsync(Carol))!["admin"]));
        var carol = await Hs.Client.LoginAsync("carol", "carol-pass-1", "CAROLDEV");

        var rerun = (await RunAsync(Create)).Task("user");
        Assert.False(rerun["changed"]!.GetValue<bool>());

        var renamed = await RunAsync("user_id: \"@carol:localhost\"\npassword: carol-pass-1\ndisplayname: Carol B", "--diff");
        var result = renamed.Task("user");
        Assert.True(result["changed"]!.GetValue<bool>());
        Assert.Equal(["displayname"], result["changes"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Equal("Carol", result["diff"]!["before"]!["displayname"]!.GetValue<string>());
        Assert.Equal("Carol B", result["diff"]!["after"]!["displayname"]!.GetValue<string>());
        Assert.Single(result["diff"]!["after"]!.AsObject());
        var server = await AccountAsync(Carol);
        Assert.Equal("Carol B", server!["displayname"]!.GetValue<string>());
        Assert.True(MatrixTestClient.Flag(server["admin"]), "an omitted admin keeps the admin flag");
        Assert.Equal(200, await WhoAmIAsync(carol.AccessToken));
        Assert.DoesNotContain("carol-pass-1", renamed.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(Admin.AccessToken, renamed.Stdout, StringComparison.Ordinal);

        var demoted = (await RunAsync("user_id: \"@carol:localhost\"\nadmin: false", "--diff")).Task("user");
        Assert.True(demoted["changed"]!.GetValue<bool>(), demoted.ToJsonString());
        Assert.Equal(["admin"], demoted["changes"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.False(MatrixTestClient.Flag((await AccountAsync(Carol))!["admin"]));
        Assert.False((await RunAsync("user_id: \"@carol:localhost\"\nadmin: false")).Task("user")["changed"]!.GetValue<bool>());
    }

    [Fact]
    public async Task The_password_is_only_sent_on_create_or_when_always_and_logout_follows_the_option()
    {
        await RunAsync("user_id: \"@carol:localhost\"\npassword: first-pass");
        var carol = await Hs.Client.LoginAsync("carol", "first-pass", "CAROLDEV");

        var onCreate = (await RunAsync("user_id: \"@carol:localhost\"\npassword: second-pass")).Task("user");
        Assert.False(onCreate["changed"]!.GetValue<bool>());
        Assert.Equal(200, (await Hs.Client.PostAsync("/_matrix/client/v3/login", MatrixTestClient.LoginBody("carol", "first-pass"))).Code);

        var always = (await RunAsync("user_id: \"@carol:localhost\"\npassword: second-pass\nupdate_password: always")).Task("user");
        Assert.True(always["changed"]!.GetValue<bool>());
        Assert.Equal(200, (await Hs.Client.PostAsync("/_matrix/client/v3/login", MatrixTestClient.LoginBody("carol", "second-pass"))).Code);
        Assert.Equal(200, await WhoAmIAsync(carol.AccessToken));

        await RunAsync("user_id: \"@carol:localhost\"\npassword: third-pass\nupdate_password: always\nlogout_devices: true");
        Assert.Equal(401, await WhoAmIAsync(carol.AccessToken));
    }

    [Fact]
    public async Task The_rate_limit_override_is_written_only_when_it_differs_and_an_empty_one_removes_it()
    {
        const string Path = "/_synapse/admin/v1/users/%40bot%3Alocalhost/override_ratelimit";
        var set = (await RunAsync("user_id: \"@bot:localhost\"\nratelimit_override: {messages_per_second: 0, burst_count: 0}", "--diff")).Task("user");
        Assert.True(set["changed"]!.GetValue<bool>());
        Assert.Equal(["ratelimit_override"], set["changes"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Equal("{\"messages_per_second\":0,\"burst_count\":0}", (await Hs.Client.GetAsync(Path, Admin.AccessToken)).Text);

        Assert.False((await RunAsync("user_id: \"@bot:localhost\"\nratelimit_override: {messages_per_second: 0, burst_count: 0}")).Task("user")["changed"]!.GetValue<bool>());

        var removed = (await RunAsync("user_id: \"@bot:localhost\"\nratelimit_override: absent")).Task("user");
        Assert.True(removed["changed"]!.GetValue<bool>());
        Assert.Equal("{}", (await Hs.Client.GetAsync(Path, Admin.AccessToken)).Text);
        Assert.False((await RunAsync("user_id: \"@bot:localhost\"\nratelimit_override: {}")).Task("user")["changed"]!.GetValue<bool>());
    }

    [Fact]
    public async Task User_type_none_clears_the_type_as_matrix_config_does_and_50_equals_50_point_0()
    {
        await RunAsync("user_id: \"@carol:localhost\"\nuser_type: bot");
        Assert.Equal("bot", (await AccountAsync(Carol))!["user_type"]!.GetValue<string>());

        var cleared = (await RunAsync("user_id: \"@carol:localhost\"\nuser_type: None", "--diff")).Task("user");
        Assert.True(cleared["changed"]!.GetValue<bool>(), cleared.ToJsonString());
        Assert.Equal(["user_type"], cleared["changes"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Equal("bot", cleared["diff"]!["before"]!["user_type"]!.GetValue<string>());
        Assert.Null((await AccountAsync(Carol))!["user_type"]);
        Assert.False((await RunAsync("user_id: \"@carol:localhost\"\nuser_type: none")).Task("user")["changed"]!.GetValue<bool>());

        await RunAsync("user_id: \"@carol:localhost\"\nratelimit_override: {messages_per_second: 50, burst_count: 100}");
        var same = (await RunAsync("user_id: \"@carol:localhost\"\nratelimit_override: {messages_per_second: 50.0, burst_count: \"100\"}", "--diff")).Task("user");
        Assert.False(same["changed"]!.GetValue<bool>(), same.ToJsonString());
        Assert.Empty(same["changes"]!.AsArray());
        Assert.Null(same["diff"]);
    }

    [Fact]
    public async Task Absent_deactivates_once_and_an_unknown_user_is_unchanged()
    {
        Assert.False((await RunAsync("user_id: \"@nobody:localhost\"\nstate: absent")).Task("user")["changed"]!.GetValue<bool>());
        var bot = await Hs.LoginBotAsync();

        var check = (await RunAsync("user_id: \"@bot:localhost\"\nstate: absent", "--check")).Task("user");
        Assert.True(check["changed"]!.GetValue<bool>());
        Assert.False(MatrixTestClient.Flag((await AccountAsync(Hs.BotId))!["deactivated"]));

        var absent = (await RunAsync("user_id: \"@bot:localhost\"\nstate: absent")).Task("user");
        Assert.True(absent["changed"]!.GetValue<bool>());
        Assert.True(MatrixTestClient.Flag((await AccountAsync(Hs.BotId))!["deactivated"]));
        Assert.Equal(401, await WhoAmIAsync(bot.AccessToken));
        Assert.False((await RunAsync("user_id: \"@bot:localhost\"\nstate: absent")).Task("user")["changed"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Bad_input_fails_clearly()
    {
        await FailsAsync("user_id: carol", "user_id must be a full Matrix user id");
        await FailsAsync("user_id: \"@carol:localhost\"\nuser_type: robot", "user_type must be bot, support or none");
        await FailsAsync("user_id: \"@carol:localhost\"\nadmin: perhaps", "argument 'admin' is of type <class 'str'>");
        await FailsAsync("user_id: \"@carol:localhost\"\nratelimit_override: {messages: 1}", "ratelimit_override must be {messages_per_second: N, burst_count: N}");
        Assert.Null(await AccountAsync(Carol));
    }

    /// <summary>Account validity is on (Synapse's <c>account_validity</c> section), except on MAS, where Synapse refuses it.</summary>
    protected override Func<HomeserverOptions, HomeserverOptions>? Configure => OnMas ? null
        : o => o with { AccountValidity = new AccountValiditySettings { Enabled = true, Period = TimeSpan.FromDays(30) } };

    /// <summary>The bot in a public room of the admin's, with <paramref name="count"/> messages of its own; the room id.</summary>
    private async Task<string> RoomWithBotMessagesAsync(Session bot, int count)
    {
        var roomId = await Hs.Client.CreateRoomAsync(Admin.AccessToken, new JsonObject { ["preset"] = "public_chat" });
        Assert.Equal(200, (await Hs.Client.PostAsync("/_matrix/client/v3/join/" + MatrixTestClient.Enc(roomId), new JsonObject(), bot.AccessToken)).Code);
        for (var i = 0; i < count; i++)
        {
            var sent = await Hs.Client.PutAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/send/m.room.message/t{i}", new JsonObject { ["msgtype"] = "m.text", ["body"] = $"spam {i}" }, bot.AccessToken);
            Assert.Equal(200, sent.Code);
        }

        return roomId;
    }

    /// <summary>The bodies of the bot's messages in the room, as the admin reads them (a redacted one has none).</summary>
    private async Task<List<string?>> BotMessageBodiesAsync(string roomId)
    {
        var page = await Hs.Client.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/messages?dir=b&limit=100", Admin.AccessToken);
        return [.. page.Object["chunk"]!.AsArray()
            .Where(e => e!["type"]!.GetValue<string>() == "m.room.message" && e["sender"]!.GetValue<string>() == Hs.BotId)
            .Select(e => e!["content"]!["body"]?.GetValue<string>())];
    }

    private async Task<long> WritesAsync() => (await Hs.Client.GetAsync("/_solti/testing/v1/counters", Admin.AccessToken)).Object["writes"]!.GetValue<long>();

    [Fact]
    public async Task Shadow_banned_converges_once_and_the_banned_users_sends_reach_nobody()
    {
        var bot = await Hs.LoginBotAsync();
        var roomId = await RoomWithBotMessagesAsync(bot, 0);
        await Hs.Client.DeleteAsync("/_solti/testing/v1/counters", Admin.AccessToken);
        var check = (await RunAsync("user_id: \"@bot:localhost\"\nshadow_banned: true", "--check")).Task("user");
        Assert.True(check["changed"]!.GetValue<bool>(), check.ToJsonString());
        Assert.Equal(0, await WritesAsync());
        Assert.False(MatrixTestClient.Flag((await AccountAsync(Hs.BotId))!["shadow_banned"]));

        var banned = (await RunAsync("user_id: \"@bot:localhost\"\nshadow_banned: true", "--diff")).Task("user");
        Assert.True(banned["changed"]!.GetValue<bool>(), banned.ToJsonString());
        Assert.Equal(["shadow_banned"], banned["changes"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.False(banned["diff"]!["before"]!["shadow_banned"]!.GetValue<bool>());
        Assert.True(banned["diff"]!["after"]!["shadow_banned"]!.GetValue<bool>());
        Assert.True(MatrixTestClient.Flag(banned["user"]!["shadow_banned"]));
        Assert.True(MatrixTestClient.Flag((await AccountAsync(Hs.BotId))!["shadow_banned"]));
        Assert.False((await RunAsync("user_id: \"@bot:localhost\"\nshadow_banned: true")).Task("user")["changed"]!.GetValue<bool>());

        // As Synapse: the send succeeds with an event id that no event has, and nobody sees anything.
        var sent = await Hs.Client.PutAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/send/m.room.message/hidden", new JsonObject { ["msgtype"] = "m.text", ["body"] = "unseen" }, bot.AccessToken);
        Assert.Equal(200, sent.Code);
        Assert.StartsWith("$", sent.Str("event_id"), StringComparison.Ordinal);
        Assert.Equal(404, (await Hs.Client.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/event/{MatrixTestClient.Enc(sent.Str("event_id"))}", Admin.AccessToken)).Code);
        Assert.Empty(await BotMessageBodiesAsync(roomId));

        var lifted = (await RunAsync("user_id: \"@bot:localhost\"\nshadow_banned: false")).Task("user");
        Assert.True(lifted["changed"]!.GetValue<bool>());
        Assert.False(MatrixTestClient.Flag((await AccountAsync(Hs.BotId))!["shadow_banned"]));
        Assert.False((await RunAsync("user_id: \"@bot:localhost\"\nshadow_banned: false")).Task("user")["changed"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Redact_events_acts_each_time_and_follows_the_task_or_says_which_synapse_it_needs()
    {
        var bot = await Hs.LoginBotAsync();
        var roomId = await RoomWithBotMessagesAsync(bot, 2);
        const string Task = "user_id: \"@bot:localhost\"\nredact_events: true\nredact_reason: spam";
        await Hs.Client.DeleteAsync("/_solti/testing/v1/counters", Admin.AccessToken);
        var check = (await RunAsync(Task, "--check")).Task("user");
        Assert.True(check["changed"]!.GetValue<bool>(), check.ToJsonString());
        Assert.Contains("redact_events", check["changes"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Equal(0, await WritesAsync());
        Assert.Equal(["spam 1", "spam 0"], await BotMessageBodiesAsync(roomId));

        var first = (await RunAsync(Task)).Task("user");
        if (Profile?.UserRedaction == false)
        {
            // Synapse 1.67 does not know the endpoint (400 M_UNRECOGNIZED): the task says which release it needs.
            Assert.True(first["failed"]!.GetValue<bool>(), first.ToJsonString());
            Assert.Contains("needs Synapse 1.116 or later", first["msg"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Equal(["spam 1", "spam 0"], await BotMessageBodiesAsync(roomId));
            return;
        }

        Assert.True(first["changed"]!.GetValue<bool>(), first.ToJsonString());
        Assert.Equal(["redact_events"], first["changes"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Equal("complete", first["redaction"]!["status"]!.GetValue<string>());
        Assert.Empty(first["redaction"]!["failed_redactions"]!.AsObject());
        Assert.Equal([null, null], await BotMessageBodiesAsync(roomId));

        var again = (await RunAsync(Task + $"\nredact_rooms: [\"{roomId}\"]")).Task("user");
        Assert.True(again["changed"]!.GetValue<bool>(), "an action reports a change each time it acts");
        Assert.NotEqual(first["redact_id"]!.GetValue<string>(), again["redact_id"]!.GetValue<string>());

        // Without wait: the redact_id at once, while the task is still active (held by the homeserver's testing control).
        Assert.Equal(200, (await Hs.Client.PostAsync("/_solti/testing/v1/redaction_hold", new JsonObject { ["hold"] = true }, Admin.AccessToken)).Code);
        var started = (await RunAsync(Task + "\nwait: false")).Task("user");
        var redactId = started["redact_id"]!.GetValue<string>();
        Assert.Null(started["redaction"]);
        var status = $"/_synapse/admin/v1/user/redact_status/{redactId}";
        Assert.Equal("active", (await Hs.Client.GetAsync(status, Admin.AccessToken)).Str("status"));
        Assert.Equal(200, (await Hs.Client.PostAsync("/_solti/testing/v1/redaction_hold", new JsonObject { ["hold"] = false }, Admin.AccessToken)).Code);
        Assert.Equal("complete", (await Hs.Client.GetAsync(status, Admin.AccessToken)).Str("status"));
    }

    [Fact]
    public async Task Account_validity_sets_the_expiry_each_time_or_says_mas_has_none()
    {
        var bot = await Hs.LoginBotAsync();
        const string Past = "user_id: \"@bot:localhost\"\naccount_validity_expires_at: \"2001-02-03\"";
        var check = (await RunAsync(Past, "--check")).Task("user");
        if (OnMas)
        {
            Assert.True(check["failed"]!.GetValue<bool>(), check.ToJsonString());
            Assert.Contains("account validity is not available on a homeserver that delegates authentication to MAS", check["msg"]!.GetValue<string>(), StringComparison.Ordinal);
            return;
        }

        Assert.True(check["changed"]!.GetValue<bool>(), check.ToJsonString());
        Assert.Equal(981158400000, check["expiration_ts"]!.GetValue<long>());
        Assert.Equal(200, await WhoAmIAsync(bot.AccessToken));

        var expired = (await RunAsync(Past)).Task("user");
        Assert.True(expired["changed"]!.GetValue<bool>(), expired.ToJsonString());
        Assert.Equal(["account_validity"], expired["changes"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Equal(981158400000, expired["expiration_ts"]!.GetValue<long>());
        var refused = await Hs.Client.GetAsync("/_matrix/client/v3/account/whoami", bot.AccessToken);
        Assert.Equal((403, "M_EXPIRED_ACCOUNT"), (refused.Code, refused.Errcode));

        var renewed = (await RunAsync("user_id: \"@bot:localhost\"\naccount_validity_expires_at: 30d")).Task("user");
        Assert.True(renewed["changed"]!.GetValue<bool>(), "Synapse cannot read an expiry back: setting it is an action");
        Assert.True(renewed["expiration_ts"]!.GetValue<long>() > DateTimeOffset.UtcNow.AddDays(29).ToUnixTimeMilliseconds());
        Assert.Equal(200, await WhoAmIAsync(bot.AccessToken));
    }

    [Fact]
    public async Task Moderation_options_fail_clearly_before_any_request()
    {
        await Hs.Client.DeleteAsync("/_solti/testing/v1/counters", Admin.AccessToken);
        var orphan = (await RunAsync("user_id: \"@bot:localhost\"\nredact_rooms: [\"!a:localhost\"]")).Task("user");
        Assert.Equal("redact_rooms, redact_reason and redact_limit need redact_events: true", orphan["msg"]!.GetValue<string>());
        await FailsAsync("user_id: \"@bot:localhost\"\nredact_events: true\nredact_rooms: [lobby]", "redact_rooms[0]");
        var badLimit = (await RunAsync("user_id: \"@bot:localhost\"\nredact_events: true\nredact_limit: 0")).Task("user");
        Assert.Equal("redact_limit must be 1 or more, got 0", badLimit["msg"]!.GetValue<string>());
        var badExpiry = (await RunAsync("user_id: \"@bot:localhost\"\naccount_validity_expires_at: next tuesday")).Task("user");
        Assert.StartsWith("account_validity_expires_at must be a timestamp in milliseconds, an ISO 8601 date", badExpiry["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        var absentBan = (await RunAsync("user_id: \"@bot:localhost\"\nstate: absent\nshadow_banned: true")).Task("user");
        Assert.Equal("shadow_banned needs state: present", absentBan["msg"]!.GetValue<string>());
        Assert.Equal(0, await WritesAsync());
        Assert.False(MatrixTestClient.Flag((await AccountAsync(Hs.BotId))!["deactivated"]));
    }

    [Fact]
    public async Task The_result_names_the_admin_session_by_a_reference_that_the_other_modules_resolve_and_never_holds_a_token()
    {
        var run = await PlayAsync("""
            - name: create
              jackaltx.solti_matrix_mgr.synapse_user:
                homeserver_url: "{{ hs_url }}"
                access_token: "{{ admin_token }}"
                user_id: "@carol:localhost"
                password: carol-pass
              register: created
            - name: by reference
              jackaltx.solti_matrix_mgr.synapse_user_info:
                homeserver_url: "{{ hs_url }}"
                access_token: "{{ created.access_token }}"
                user_id: "@carol:localhost"
            - name: the reference passed on
              jackaltx.solti_matrix_mgr.synapse_user:
                homeserver_url: "{{ hs_url }}"
                access_token: "{{ created.access_token }}"
                user_id: "@carol:localhost"
            - name: the token itself
              jackaltx.solti_matrix_mgr.synapse_user:
                homeserver_url: "{{ hs_url }}"
                access_token: "{{ created.access_token }}"
                user_id: "@carol:localhost"
                return_access_token: true
            - name: uncached
              jackaltx.solti_matrix_mgr.synapse_user_info:
                homeserver_url: "{{ hs_url }}"
                access_token: "solti-cache:v1:@nobody:localhost"
              ignore_errors: true
            - name: uncached with credentials
              jackaltx.solti_matrix_mgr.synapse_user_info:
                homeserver_url: "{{ hs_url }}"
                access_token: "solti-cache:v1:@nobody:localhost"
                admin_user: "@admin:localhost"
                admin_password: "{{ admin_password }}"
                user_id: "@carol:localhost"
            - name: malformed
              jackaltx.solti_matrix_mgr.synapse_user_info:
                homeserver_url: "{{ hs_url }}"
                access_token: "solti-cache:v9:@admin:localhost"
              ignore_errors: true
            """);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("solti-cache:v1:" + Hs.AdminId, run.Task("create")["access_token"]!.GetValue<string>());
        Assert.Equal("@carol:localhost", run.Task("by reference")["user"]!["name"]!.GetValue<string>());
        Assert.Equal("solti-cache:v1:" + Hs.AdminId, run.Task("the reference passed on")["access_token"]!.GetValue<string>());
        var token = run.Task("the token itself");
        Assert.Equal(Admin.AccessToken, token["access_token"]!.GetValue<string>());
        Assert.Equal("VALUE_SPECIFIED_IN_NO_LOG_PARAMETER", token["invocation"]!["module_args"]!["access_token"]!.GetValue<string>());
        Assert.Equal(1, run.Stdout.Split(Admin.AccessToken).Length - 1);
        var uncached = run.Task("uncached");
        Assert.StartsWith("access_token is a reference to the cached session of @nobody:localhost", uncached["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("@carol:localhost", run.Task("uncached with credentials")["user"]!["name"]!.GetValue<string>());
        Assert.StartsWith("access_token starts with solti-cache:", run.Task("malformed")["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain(TestHomeserver.AdminPassword, run.Stdout, StringComparison.Ordinal);
    }
}

/// <summary>The same <c>synapse_user</c> playbook tests against the oldest Synapse we support (1.67's behaviour).</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class SynapseUserPlaybookTestsOnSynapse167(InstalledCollection collection) : SynapseUserPlaybookTests(collection)
{
    protected override Compatibility? Profile => Compatibility.Synapse167;
}

/// <summary>The same <c>synapse_user</c> playbook tests on a homeserver that delegates authentication to MAS, given MAS's
/// admin client: the account, its password, admin right and deactivation go to MAS, the rest to Synapse.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class SynapseUserPlaybookTestsOnMas(InstalledCollection collection) : SynapseUserPlaybookTests(collection)
{
    protected override bool OnMas => true;
}
