using System.Text.Json.Nodes;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Homeserver.Tests.Support;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

/// <summary>What matrix-js-sdk asks at start-up and when it sends to an encrypted room, answered as Synapse answers it
/// (shared/reference/recordings-synapse-1.67-e2ee.md), on the current profile and on 1.67's.</summary>
[Trait("tier", "integration")]
public class ClientStartupTests : ProfiledTests
{
    [Fact]
    public async Task Start_up_endpoints_answer_as_a_Synapse_without_turn_bridges_or_backup()
    {
        await using var hs = await StartAsync();
        var bot = await E2eeClient.BotAsync(hs);
        var v3 = E2eeClient.V3;

        var capabilities = await hs.Client.GetAsync(v3 + "/capabilities", bot.Token);
        Assert.Equal(Profile.DefaultRoomVersion, capabilities.Object["capabilities"]!["m.room_versions"]!["default"]!.GetValue<string>());
        var rules = await hs.Client.GetAsync(v3 + "/pushrules/", bot.Token);
        Assert.Contains(rules.Object["global"]!["underride"]!.AsArray(), r => r!["rule_id"]!.GetValue<string>() == ".m.rule.encrypted");
        Assert.Equal((200, "{}"), ((await hs.Client.GetAsync(v3 + "/voip/turnServer", bot.Token)).Code, (await hs.Client.GetAsync(v3 + "/voip/turnServer", bot.Token)).Text));
        Assert.Equal("{}", (await hs.Client.GetAsync(v3 + "/thirdparty/protocols", bot.Token)).Text);
        var backup = await hs.Client.GetAsync(v3 + "/room_keys/version", bot.Token);
        Assert.Equal((404, """{"errcode":"M_NOT_FOUND","error":"No backup found"}"""), (backup.Code, backup.Text));
        Assert.Equal("""{"displayname":"bot"}""", (await hs.Client.GetAsync($"{v3}/profile/{Enc(hs.BotId)}", bot.Token)).Text);
        Assert.Equal(404, (await hs.Client.GetAsync($"{v3}/profile/{Enc("@ghost:localhost")}", bot.Token)).Code);
    }

    [Fact]
    public async Task Account_data_is_kept_per_user_and_room_and_reported_by_sync()
    {
        await using var hs = await StartAsync();
        var bot = await E2eeClient.BotAsync(hs);
        var admin = await E2eeClient.AdminAsync(hs);
        var roomId = await hs.Client.CreateRoomAsync(bot.Token);
        var path = $"{E2eeClient.V3}/user/{Enc(hs.BotId)}/account_data/m.secret_storage.default_key";
        var missing = await hs.Client.GetAsync(path, bot.Token);
        Assert.Equal((404, "Account data not found"), (missing.Code, missing.Str("error")));
        var since = await bot.NextBatchAsync();

        Assert.Equal(200, (await hs.Client.PutAsync(path, new JsonObject { ["key"] = "k1" }, bot.Token)).Code);
        Assert.Equal("""{"key":"k1"}""", (await hs.Client.GetAsync(path, bot.Token)).Text);
        Assert.Equal(403, (await hs.Client.GetAsync(path, admin.Token)).Code);
        var marker = await hs.Client.PostAsync($"{E2eeClient.V3}/rooms/{Enc(roomId)}/read_markers", new JsonObject { ["m.fully_read"] = "$read", ["m.read"] = "$read" }, bot.Token);
        Assert.Equal(200, marker.Code);

        var sync = await bot.SyncAsync(since);
        Assert.Equal(["m.secret_storage.default_key"], sync["account_data"]!["events"]!.AsArray().Select(e => e!["type"]!.GetValue<string>()));
        var roomData = sync["rooms"]!["join"]![roomId]!["account_data"]!["events"]!.AsArray().Single()!;
        Assert.Equal("""{"type":"m.fully_read","content":{"event_id":"$read"}}""", roomData.ToJsonString());
        var roomPath = $"{E2eeClient.V3}/user/{Enc(hs.BotId)}/rooms/{Enc(roomId)}/account_data/m.fully_read";
        Assert.Equal("""{"event_id":"$read"}""", (await hs.Client.GetAsync(roomPath, bot.Token)).Text);
    }

    [Fact]
    public async Task Members_of_an_encrypted_room_as_of_a_sync_token_and_the_joined_ones()
    {
        await using var hs = await StartAsync();
        var admin = await E2eeClient.AdminAsync(hs);
        var bot = await E2eeClient.BotAsync(hs);
        var roomId = await hs.Client.CreateRoomAsync(admin.Token, new JsonObject
        {
            ["preset"] = "private_chat",
            ["invite"] = new JsonArray(hs.BotId),
            ["initial_state"] = new JsonArray(new JsonObject { ["type"] = "m.room.encryption", ["state_key"] = "", ["content"] = new JsonObject { ["algorithm"] = "m.megolm.v1.aes-sha2" } }),
        });
        var room = $"{E2eeClient.V3}/rooms/{Enc(roomId)}";
        var atInvite = await admin.NextBatchAsync();
        await bot.JoinAsync(roomId);

        Assert.Equal("""{"algorithm":"m.megolm.v1.aes-sha2"}""", (await hs.Client.GetAsync(room + "/state/m.room.encryption/", admin.Token)).Text);
        var then = await hs.Client.GetAsync($"{room}/members?not_membership=leave&at={atInvite}", admin.Token);
        Assert.Equal([(hs.AdminId, "join"), (hs.BotId, "invite")], Members(then));
        var now = await hs.Client.GetAsync($"{room}/members?membership=join", admin.Token);
        Assert.Equal([(hs.AdminId, "join"), (hs.BotId, "join")], Members(now));
        var joined = await hs.Client.GetAsync(room + "/joined_members", admin.Token);
        Assert.Equal("""{"avatar_url":null,"display_name":"bot"}""", joined.Object["joined"]![hs.BotId]!.ToJsonString());
    }

    [Fact]
    public async Task Presence_receipts_and_typing_are_accepted_where_Synapse_accepts_them()
    {
        await using var hs = await StartAsync();
        var admin = await E2eeClient.AdminAsync(hs);
        var bot = await E2eeClient.BotAsync(hs);
        var roomId = await hs.Client.CreateRoomAsync(bot.Token);
        var eventId = await bot.SendMessageAsync(roomId, "t");
        var v3 = E2eeClient.V3;

        Assert.Equal("""{"presence":"offline"}""", (await hs.Client.GetAsync($"{v3}/presence/{Enc(hs.BotId)}/status", bot.Token)).Text);
        Assert.Equal(200, (await hs.Client.PutAsync($"{v3}/presence/{Enc(hs.BotId)}/status", new JsonObject { ["presence"] = "online", ["status_msg"] = "here" }, bot.Token)).Code);
        var presence = await hs.Client.GetAsync($"{v3}/presence/{Enc(hs.BotId)}/status", bot.Token);
        Assert.Equal(("online", "here"), (presence.Str("presence"), presence.Str("status_msg")));
        Assert.Equal(403, (await hs.Client.PutAsync($"{v3}/presence/{Enc(hs.AdminId)}/status", new JsonObject { ["presence"] = "online" }, bot.Token)).Code);
        Assert.Equal(403, (await hs.Client.GetAsync($"{v3}/presence/{Enc(hs.BotId)}/status", admin.Token)).Code); // no shared room
        Assert.Equal(400, (await hs.Client.PutAsync($"{v3}/presence/{Enc(hs.BotId)}/status", new JsonObject { ["presence"] = "away" }, bot.Token)).Code);

        var room = $"{v3}/rooms/{Enc(roomId)}";
        Assert.Equal((200, "{}"), await CodeAndText(hs.Client.PostAsync($"{room}/receipt/m.read/{Enc(eventId)}", new JsonObject(), bot.Token)));
        Assert.Equal(400, (await hs.Client.PostAsync($"{room}/receipt/m.unknown/{Enc(eventId)}", new JsonObject(), bot.Token)).Code);
        Assert.Equal((200, "{}"), await CodeAndText(hs.Client.PutAsync($"{room}/typing/{Enc(hs.BotId)}", new JsonObject { ["typing"] = true, ["timeout"] = 30000 }, bot.Token)));
        Assert.Equal(403, (await hs.Client.PutAsync($"{room}/typing/{Enc(hs.AdminId)}", new JsonObject { ["typing"] = true }, bot.Token)).Code);
    }

    private static async Task<(int, string)> CodeAndText(Task<ClientResponse> call)
    {
        var response = await call;
        return (response.Code, response.Text);
    }

    private static List<(string, string)> Members(ClientResponse members) =>
        [.. members.Object["chunk"]!.AsArray().Select(e => (e!["state_key"]!.GetValue<string>(), e["content"]!["membership"]!.GetValue<string>())).OrderBy(m => m.Item1, StringComparer.Ordinal)];
}

[Trait("tier", "integration")]
public sealed class ClientStartupTestsOnSynapse167 : ClientStartupTests
{
    protected override Compatibility Profile => Compatibility.Synapse167;
}
