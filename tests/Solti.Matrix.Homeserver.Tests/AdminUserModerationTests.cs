using System.Text.Json.Nodes;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

/// <summary>Synapse's shadow-ban, user redaction and account validity admin endpoints, and the user list's filters per
/// release.</summary>
[Trait("tier", "integration")]
public sealed class AdminUserModerationTests
{
    private const string Whoami = "/_matrix/client/v3/account/whoami";

    private static string ShadowBan(string userId) => $"/_synapse/admin/v1/users/{MatrixTestClient.Enc(userId)}/shadow_ban";

    private static string Redact(string userId) => $"/_synapse/admin/v1/user/{MatrixTestClient.Enc(userId)}/redact";

    private static string Send(string roomId, string txn) => $"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/send/m.room.message/{txn}";

    private static async Task<string> PublicRoomWithBotAsync(TestHomeserver hs, Session admin, Session bot)
    {
        var roomId = await hs.Client.CreateRoomAsync(admin.AccessToken, new JsonObject { ["preset"] = "public_chat" });
        Assert.Equal(200, (await hs.Client.PostAsync("/_matrix/client/v3/join/" + MatrixTestClient.Enc(roomId), new JsonObject(), bot.AccessToken)).Code);
        return roomId;
    }

    private static async Task<JsonArray> MessagesAsync(TestHomeserver hs, string roomId, string token) =>
        (await hs.Client.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/messages?dir=b&limit=100", token)).Object["chunk"]!.AsArray();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Shadow_ban_sets_and_lifts_the_flag_and_refuses_remote_and_unknown_users(bool synapse167)
    {
        await using var hs = await TestHomeserver.StartAsync(o => synapse167 ? o with { Compatibility = Compatibility.Synapse167 } : o);
        var admin = await hs.LoginAdminAsync();
        var banned = await hs.Client.PostAsync(ShadowBan(hs.BotId), new JsonObject(), admin.AccessToken);
        Assert.Equal(200, banned.Code);
        Assert.Empty(banned.Object);
        var user = (await hs.Client.GetAsync($"/_synapse/admin/v2/users/{MatrixTestClient.Enc(hs.BotId)}", admin.AccessToken)).Object;
        Assert.True(MatrixTestClient.Flag(user["shadow_banned"]), "1.67 reports the flag as 1, later releases as true");

        Assert.Equal(200, (await hs.Client.DeleteAsync(ShadowBan(hs.BotId), admin.AccessToken)).Code);
        Assert.False(MatrixTestClient.Flag((await hs.Client.GetAsync($"/_synapse/admin/v2/users/{MatrixTestClient.Enc(hs.BotId)}", admin.AccessToken)).Object["shadow_banned"]));

        var remote = await hs.Client.PostAsync(ShadowBan("@someone:elsewhere.test"), new JsonObject(), admin.AccessToken);
        Assert.Equal((400, "M_UNKNOWN", "Only local users can be shadow-banned"), (remote.Code, remote.Errcode, remote.Str("error")));
        var unknown = await hs.Client.PostAsync(ShadowBan("@nobody:localhost"), new JsonObject(), admin.AccessToken);
        Assert.Equal((404, "M_NOT_FOUND"), (unknown.Code, unknown.Errcode));
        var bot = await hs.LoginBotAsync();
        Assert.Equal(403, (await hs.Client.PostAsync(ShadowBan(hs.BotId), new JsonObject(), bot.AccessToken)).Code);
    }

    [Fact]
    public async Task A_shadow_banned_users_sends_get_a_made_up_event_id_and_reach_nobody()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();
        var bot = await hs.LoginBotAsync();
        var roomId = await PublicRoomWithBotAsync(hs, admin, bot);
        Assert.Equal(200, (await hs.Client.PostAsync(ShadowBan(hs.BotId), new JsonObject(), admin.AccessToken)).Code);

        var sent = await hs.Client.PutAsync(Send(roomId, "t1"), new JsonObject { ["msgtype"] = "m.text", ["body"] = "spam" }, bot.AccessToken);
        Assert.Equal(200, sent.Code);
        var eventId = sent.Str("event_id");
        Assert.StartsWith("$", eventId, StringComparison.Ordinal);
        Assert.Equal(eventId, (await hs.Client.PutAsync(Send(roomId, "t1"), new JsonObject { ["msgtype"] = "m.text", ["body"] = "spam" }, bot.AccessToken)).Str("event_id"));
        Assert.Equal(404, (await hs.Client.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/event/{MatrixTestClient.Enc(eventId)}", admin.AccessToken)).Code);
        var topic = await hs.Client.PutAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/state/m.room.topic/", new JsonObject { ["topic"] = "spam" }, bot.AccessToken);
        Assert.Equal(200, topic.Code);
        Assert.Equal(200, (await hs.Client.PostAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/invite", new JsonObject { ["user_id"] = hs.AdminId }, bot.AccessToken)).Code);
        Assert.DoesNotContain(await MessagesAsync(hs, roomId, admin.AccessToken), e => e!["sender"]!.GetValue<string>() == hs.BotId && e["type"]!.GetValue<string>() != "m.room.member");
    }

    [Fact]
    public async Task A_redaction_is_active_while_held_then_complete_redacts_the_users_events_and_is_forgotten_after_24_hours()
    {
        var time = new ManualTime();
        await using var hs = await TestHomeserver.StartAsync(time: time);
        var admin = await hs.LoginAdminAsync();
        var bot = await hs.LoginBotAsync();
        var roomId = await PublicRoomWithBotAsync(hs, admin, bot);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(200, (await hs.Client.PutAsync(Send(roomId, $"m{i}"), new JsonObject { ["msgtype"] = "m.text", ["body"] = $"spam {i}" }, bot.AccessToken)).Code);
        }

        Assert.Equal(200, (await hs.Client.PostAsync("/_solti/testing/v1/redaction_hold", new JsonObject { ["hold"] = true }, admin.AccessToken)).Code);
        var started = await hs.Client.PostAsync(Redact(hs.BotId), new JsonObject { ["rooms"] = new JsonArray(), ["reason"] = "spam", ["limit"] = 2 }, admin.AccessToken);
        Assert.Equal(200, started.Code);
        var status = "/_synapse/admin/v1/user/redact_status/" + started.Str("redact_id");
        var active = await hs.Client.GetAsync(status, admin.AccessToken);
        Assert.Equal("{\"status\":\"active\"}", active.Object.ToJsonString());

        Assert.Equal(200, (await hs.Client.PostAsync("/_solti/testing/v1/redaction_hold", new JsonObject { ["hold"] = false }, admin.AccessToken)).Code);
        var complete = await hs.Client.GetAsync(status, admin.AccessToken);
        Assert.Equal("{\"status\":\"complete\",\"failed_redactions\":{}}", complete.Object.ToJsonString());
        var messages = (await MessagesAsync(hs, roomId, admin.AccessToken)).Where(e => e!["type"]!.GetValue<string>() == "m.room.message").ToList();
        Assert.Equal([null, null, "spam 0"], messages.Select(e => e!["content"]!["body"]?.GetValue<string>()));
        var because = messages[0]!["unsigned"]!["redacted_because"]!;
        Assert.Equal(("m.room.redaction", hs.BotId, "spam"), (because["type"]!.GetValue<string>(), because["sender"]!.GetValue<string>(), because["content"]!["reason"]!.GetValue<string>()));
        Assert.Equal(messages[0]!["event_id"]!.GetValue<string>(), because["redacts"]!.GetValue<string>());

        time.Advance(TimeSpan.FromHours(24));
        var forgotten = await hs.Client.GetAsync(status, admin.AccessToken);
        Assert.Equal((404, "M_NOT_FOUND"), (forgotten.Code, forgotten.Errcode));
    }

    [Fact]
    public async Task A_redaction_request_is_checked_as_synapse_checks_it_and_unknown_before_1_116()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();
        var noRooms = await hs.Client.PostAsync(Redact(hs.BotId), new JsonObject(), admin.AccessToken);
        Assert.Equal((400, "M_BAD_JSON"), (noRooms.Code, noRooms.Errcode));
        var badLimit = await hs.Client.PostAsync(Redact(hs.BotId), new JsonObject { ["rooms"] = new JsonArray(), ["limit"] = -1 }, admin.AccessToken);
        Assert.Equal((400, "M_UNKNOWN"), (badLimit.Code, badLimit.Errcode));
        var unknown = await hs.Client.GetAsync("/_synapse/admin/v1/user/redact_status/nope", admin.AccessToken);
        Assert.Equal((404, "M_NOT_FOUND", "redact id 'nope' not found"), (unknown.Code, unknown.Errcode, unknown.Str("error")));
        var bot = await hs.LoginBotAsync();
        Assert.Equal(403, (await hs.Client.PostAsync(Redact(hs.BotId), new JsonObject { ["rooms"] = new JsonArray() }, bot.AccessToken)).Code);

        await using var old = await TestHomeserver.StartAsync(o => o with { Compatibility = Compatibility.Synapse167 });
        var oldAdmin = await old.LoginAdminAsync();
        var unserved = await old.Client.PostAsync(Redact(old.BotId), new JsonObject { ["rooms"] = new JsonArray() }, oldAdmin.AccessToken);
        Assert.Equal((400, "M_UNRECOGNIZED"), (unserved.Code, unserved.Errcode));
        Assert.Equal(400, (await old.Client.GetAsync("/_synapse/admin/v1/user/redact_status/x")).Code);
    }

    [Fact]
    public async Task Account_validity_answers_as_synapse_when_disabled_and_expires_accounts_when_enabled()
    {
        const string Validity = "/_synapse/admin/v1/account_validity/validity";
        await using (var disabled = await TestHomeserver.StartAsync())
        {
            var admin = await disabled.LoginAdminAsync();
            var bot = await disabled.LoginBotAsync();
            var echoed = await disabled.Client.PostAsync(Validity, new JsonObject { ["user_id"] = disabled.BotId, ["expiration_ts"] = 1000 }, admin.AccessToken);
            Assert.Equal(200, echoed.Code);
            Assert.Equal(1000, echoed.Object["expiration_ts"]!.GetValue<long>());
            Assert.Equal(200, (await disabled.Client.GetAsync(Whoami, bot.AccessToken)).Code);
            var noPeriod = await disabled.Client.PostAsync(Validity, new JsonObject { ["user_id"] = disabled.BotId }, admin.AccessToken);
            Assert.Equal(500, noPeriod.Code);
            var noUser = await disabled.Client.PostAsync(Validity, new JsonObject(), admin.AccessToken);
            Assert.Equal((400, "Missing property 'user_id' in the request body"), (noUser.Code, noUser.Str("error")));
        }

        var time = new ManualTime();
        await using var enabled = await TestHomeserver.StartAsync(o => o with { AccountValidity = new AccountValiditySettings { Enabled = true, Period = TimeSpan.FromDays(30) } }, time);
        var enabledAdmin = await enabled.LoginAdminAsync();
        var enabledBot = await enabled.LoginBotAsync();
        var renewed = await enabled.Client.PostAsync(Validity, new JsonObject { ["user_id"] = enabled.BotId }, enabledAdmin.AccessToken);
        Assert.Equal(time.GetUtcNow().AddDays(30).ToUnixTimeMilliseconds(), renewed.Object["expiration_ts"]!.GetValue<long>());
        Assert.Equal(200, (await enabled.Client.GetAsync(Whoami, enabledBot.AccessToken)).Code);
        time.Advance(TimeSpan.FromDays(30));
        var expired = await enabled.Client.GetAsync(Whoami, enabledBot.AccessToken);
        Assert.Equal((403, "M_EXPIRED_ACCOUNT"), (expired.Code, expired.Errcode));

        await using var mas = await TestHomeserver.StartAsync(o => o with { AuthenticationService = TestHomeserver.Mas() });
        var masAdmin = await mas.Client.PostAsync(Validity, new JsonObject { ["user_id"] = mas.BotId, ["expiration_ts"] = 1000 }, await mas.SynapseAdminTokenAsync());
        Assert.Equal((404, "M_UNRECOGNIZED"), (masAdmin.Code, masAdmin.Errcode));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_user_list_applies_admins_not_user_type_and_locked_only_where_synapse_knows_them(bool synapse167)
    {
        await using var hs = await TestHomeserver.StartAsync(o => synapse167 ? o with { Compatibility = Compatibility.Synapse167 } : o);
        var admin = await hs.LoginAdminAsync();
        Assert.Equal(200, (await hs.Client.PutAsync($"/_synapse/admin/v2/users/{MatrixTestClient.Enc(hs.BotId)}", new JsonObject { ["user_type"] = "bot", ["locked"] = true }, admin.AccessToken)).Code);
        async Task<List<string>> Names(string query) => [.. (await hs.Client.GetAsync("/_synapse/admin/v2/users?" + query, admin.AccessToken)).Object["users"]!.AsArray().Select(u => u!["name"]!.GetValue<string>())];

        if (synapse167)
        {
            // 1.67 ignores the three filters and has no locked accounts to leave out.
            Assert.Equal([hs.AdminId, hs.BotId], await Names("admins=true&not_user_type=bot"));
            Assert.Equal([hs.AdminId, hs.BotId], await Names(""));
        }
        else
        {
            Assert.Equal([hs.AdminId], await Names(""));
            Assert.Equal([hs.AdminId, hs.BotId], await Names("locked=true"));
            Assert.Equal([hs.AdminId], await Names("locked=true&not_user_type=bot"));
            Assert.Equal([hs.BotId], await Names("locked=true&admins=false"));
            Assert.Equal([hs.BotId], await Names("locked=true&not_user_type="));
        }
    }

    [Fact]
    public void The_account_validity_section_is_read_as_synapse_reads_it()
    {
        Assert.False(new HomeserverOptions().AccountValidity.Enabled);
        var options = ConfigFile.Apply(new HomeserverOptions(), "account_validity:\n  enabled: true\n  period: 6w\n  renew_at: 1w\n", "homeserver.yaml");
        Assert.Equal(new AccountValiditySettings { Enabled = true, Period = TimeSpan.FromDays(42) }, options.AccountValidity);
        var missing = Assert.Throws<ConfigurationException>(() => ConfigFile.Apply(new HomeserverOptions(), "account_validity: {enabled: true}\n", "homeserver.yaml"));
        Assert.Contains("'period' is required when using account validity", missing.Message, StringComparison.Ordinal);
    }
}
