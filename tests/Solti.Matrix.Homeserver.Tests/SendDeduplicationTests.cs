using System.Text.Json.Nodes;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

/// <summary>Transaction-id de-duplication: per device (current Synapse) or per access token (≤ 1.82), never for failures.</summary>
[Trait("tier", "integration")]
public sealed class SendDeduplicationTests
{
    private static readonly JsonObject Body = new() { ["msgtype"] = "m.text", ["body"] = "once" };

    private static string SendPath(string roomId, string txn, string version = "v3") =>
        $"/_matrix/client/{version}/rooms/{MatrixTestClient.Enc(roomId)}/send/m.room.message/{txn}";

    private static async Task<int> CountMessagesAsync(TestHomeserver hs, string roomId, string token)
    {
        var messages = await hs.Client.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/messages?dir=b&limit=100", token);
        return messages.Object["chunk"]!.AsArray().Count(e => e!["type"]!.GetValue<string>() == "m.room.message");
    }

    [Fact]
    public async Task A_repeat_on_the_same_device_returns_the_first_event_across_prefixes_and_re_logins()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var bot = await hs.LoginBotAsync("DEDUP");
        var roomId = await hs.Client.CreateRoomAsync(bot.AccessToken);

        var first = (await hs.Client.PutAsync(SendPath(roomId, "t1"), Body, bot.AccessToken)).Str("event_id");
        Assert.Equal(first, (await hs.Client.PutAsync(SendPath(roomId, "t1"), Body, bot.AccessToken)).Str("event_id"));
        Assert.Equal(first, (await hs.Client.PutAsync(SendPath(roomId, "t1", "r0"), Body, bot.AccessToken)).Str("event_id"));
        var relogged = await hs.LoginBotAsync("DEDUP");
        Assert.Equal(first, (await hs.Client.PutAsync(SendPath(roomId, "t1"), Body, relogged.AccessToken)).Str("event_id"));

        var otherDevice = await hs.LoginBotAsync("OTHER");
        Assert.NotEqual(first, (await hs.Client.PutAsync(SendPath(roomId, "t1"), Body, otherDevice.AccessToken)).Str("event_id"));
        Assert.Equal(2, await CountMessagesAsync(hs, roomId, relogged.AccessToken));
    }

    [Fact]
    public async Task With_per_token_scope_a_re_login_loses_de_duplication_as_in_Synapse_1_67()
    {
        await using var hs = await TestHomeserver.StartAsync(o => o with { Compatibility = new Compatibility { TxnScope = TxnScope.AccessToken } });
        var bot = await hs.LoginBotAsync("OLD");
        var roomId = await hs.Client.CreateRoomAsync(bot.AccessToken);

        var first = (await hs.Client.PutAsync(SendPath(roomId, "t1"), Body, bot.AccessToken)).Str("event_id");
        Assert.Equal(first, (await hs.Client.PutAsync(SendPath(roomId, "t1"), Body, bot.AccessToken)).Str("event_id"));
        var relogged = await hs.LoginBotAsync("OLD");
        Assert.NotEqual(first, (await hs.Client.PutAsync(SendPath(roomId, "t1"), Body, relogged.AccessToken)).Str("event_id"));
    }

    [Fact]
    public async Task A_device_less_token_is_its_own_scope()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();
        var bot = await hs.LoginBotAsync();
        var roomId = await hs.Client.CreateRoomAsync(bot.AccessToken);
        var minted = (await hs.Client.PostAsync($"/_synapse/admin/v1/users/{MatrixTestClient.Enc(hs.BotId)}/login", new JsonObject(), admin.AccessToken)).Str("access_token");

        var a = (await hs.Client.PutAsync(SendPath(roomId, "t9"), Body, minted)).Str("event_id");
        Assert.Equal(a, (await hs.Client.PutAsync(SendPath(roomId, "t9"), Body, minted)).Str("event_id"));
        Assert.NotEqual(a, (await hs.Client.PutAsync(SendPath(roomId, "t9"), Body, bot.AccessToken)).Str("event_id"));
    }

    [Fact]
    public async Task Failed_sends_are_not_remembered()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();
        var bot = await hs.LoginBotAsync("FAIL");
        var roomId = await hs.Client.CreateRoomAsync(admin.AccessToken, new JsonObject { ["preset"] = "public_chat" });

        var notMember = await hs.Client.PutAsync(SendPath(roomId, "retry-me"), Body, bot.AccessToken);
        Assert.Equal((403, "M_FORBIDDEN"), (notMember.Code, notMember.Errcode));
        Assert.Equal(200, (await hs.Client.PostAsync("/_matrix/client/v3/join/" + MatrixTestClient.Enc(roomId), null, bot.AccessToken)).Code);
        var retry = await hs.Client.PutAsync(SendPath(roomId, "retry-me"), Body, bot.AccessToken);
        Assert.Equal(200, retry.Code);

        var big = new JsonObject { ["msgtype"] = "m.text", ["body"] = new string('x', 70_000) };
        var tooLarge = await hs.Client.PutAsync(SendPath(roomId, "big"), big, bot.AccessToken);
        Assert.Equal((413, "M_TOO_LARGE"), (tooLarge.Code, tooLarge.Errcode));
        var small = await hs.Client.PutAsync(SendPath(roomId, "big"), Body, bot.AccessToken);
        Assert.Equal(200, small.Code);
        Assert.Equal(2, await CountMessagesAsync(hs, roomId, bot.AccessToken));
    }

    [Fact]
    public async Task Only_the_sending_device_sees_its_transaction_id()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var bot = await hs.LoginBotAsync("SENDER");
        var reader = await hs.LoginBotAsync("READER");
        var roomId = await hs.Client.CreateRoomAsync(bot.AccessToken);
        var eventId = (await hs.Client.PutAsync(SendPath(roomId, "visible"), Body, bot.AccessToken)).Str("event_id");

        var own = await hs.Client.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/event/{MatrixTestClient.Enc(eventId)}", bot.AccessToken);
        Assert.Equal("visible", own.Object["unsigned"]!["transaction_id"]!.GetValue<string>());
        var other = await hs.Client.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/event/{MatrixTestClient.Enc(eventId)}", reader.AccessToken);
        Assert.False(other.Object["unsigned"]!.AsObject().ContainsKey("transaction_id"));
    }
}
