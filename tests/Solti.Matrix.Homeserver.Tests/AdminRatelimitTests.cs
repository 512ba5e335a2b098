using System.Text.Json.Nodes;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

[Trait("tier", "integration")]
public sealed class AdminRatelimitTests
{
    private static string Override(string userId) => $"/_synapse/admin/v1/users/{MatrixTestClient.Enc(userId)}/override_ratelimit";

    [Fact]
    public async Task Override_is_empty_until_set_then_returned_and_removed_by_delete()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();

        var none = await hs.Client.GetAsync(Override(hs.BotId), admin.AccessToken);
        Assert.Equal(200, none.Code);
        Assert.Empty(none.Object);

        var set = await hs.Client.PostAsync(Override(hs.BotId), new JsonObject { ["messages_per_second"] = 3, ["burst_count"] = 7 }, admin.AccessToken);
        Assert.Equal(200, set.Code);
        Assert.Equal(3, set.Object["messages_per_second"]!.GetValue<long>());
        Assert.Equal(7, set.Object["burst_count"]!.GetValue<long>());

        var read = await hs.Client.GetAsync(Override(hs.BotId), admin.AccessToken);
        Assert.Equal(3, read.Object["messages_per_second"]!.GetValue<long>());
        Assert.Equal(7, read.Object["burst_count"]!.GetValue<long>());

        var deleted = await hs.Client.DeleteAsync(Override(hs.BotId), admin.AccessToken);
        Assert.Equal(200, deleted.Code);
        Assert.Empty(deleted.Object);
        Assert.Empty((await hs.Client.GetAsync(Override(hs.BotId), admin.AccessToken)).Object);
    }

    [Fact]
    public async Task Override_fields_default_to_zero()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();

        var set = await hs.Client.PostAsync(Override(hs.BotId), new JsonObject(), admin.AccessToken);

        Assert.Equal(200, set.Code);
        var read = await hs.Client.GetAsync(Override(hs.BotId), admin.AccessToken);
        Assert.Equal(0, read.Object["messages_per_second"]!.GetValue<long>());
        Assert.Equal(0, read.Object["burst_count"]!.GetValue<long>());
    }

    [Theory]
    [InlineData("{\"messages_per_second\":-1}")]
    [InlineData("{\"burst_count\":\"5\"}")]
    [InlineData("{\"messages_per_second\":1.5}")]
    public async Task Override_rejects_negative_or_non_integer_values(string body)
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();

        var response = await hs.Client.PostAsync(Override(hs.BotId), JsonNode.Parse(body), admin.AccessToken);

        Assert.Equal(400, response.Code);
        Assert.Equal("M_INVALID_PARAM", response.Errcode);
        Assert.Empty((await hs.Client.GetAsync(Override(hs.BotId), admin.AccessToken)).Object);
    }

    [Fact]
    public async Task Override_rejects_unknown_remote_users_and_non_admins()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();
        var bot = await hs.LoginBotAsync();

        var unknown = await hs.Client.GetAsync(Override($"@ghost:{hs.ServerName}"), admin.AccessToken);
        Assert.Equal(404, unknown.Code);
        Assert.Equal("M_NOT_FOUND", unknown.Errcode);

        var remote = await hs.Client.PostAsync(Override("@x:elsewhere.example"), new JsonObject(), admin.AccessToken);
        Assert.Equal(400, remote.Code);

        var forbidden = await hs.Client.PostAsync(Override(hs.BotId), new JsonObject(), bot.AccessToken);
        Assert.Equal(403, forbidden.Code);
        Assert.Empty((await hs.Client.GetAsync(Override(hs.BotId), admin.AccessToken)).Object);
    }

    [Fact]
    public async Task Override_zero_zero_lets_twenty_quick_sends_through_while_others_hit_429_at_the_eleventh()
    {
        await using var hs = await TestHomeserver.StartAsync(o => o with { RateLimits = new RateLimits() });
        var admin = await hs.LoginAdminAsync();
        var carolId = $"@carol:{hs.ServerName}";
        Assert.Equal(201, (await hs.Client.PutAsync($"/_synapse/admin/v2/users/{MatrixTestClient.Enc(carolId)}", new JsonObject { ["password"] = "carol-pass" }, admin.AccessToken)).Code);
        var roomId = await hs.Client.CreateRoomAsync(admin.AccessToken, new JsonObject { ["preset"] = "public_chat" });
        var bot = await hs.LoginBotAsync();
        var carol = await hs.Client.LoginAsync("carol", "carol-pass");
        foreach (var token in new[] { bot.AccessToken, carol.AccessToken })
        {
            Assert.Equal(200, (await hs.Client.PostAsync($"/_matrix/client/v3/join/{MatrixTestClient.Enc(roomId)}", new JsonObject(), token)).Code);
        }

        var set = await hs.Client.PostAsync(Override(hs.BotId), new JsonObject { ["messages_per_second"] = 0, ["burst_count"] = 0 }, admin.AccessToken);
        Assert.Equal(200, set.Code);

        var botCodes = new List<int>();
        for (var i = 0; i < 20; i++)
        {
            botCodes.Add((await Send(hs, roomId, bot.AccessToken, $"b{i}")).Code);
        }

        var carolCodes = new List<int>();
        for (var i = 0; i < 11; i++)
        {
            carolCodes.Add((await Send(hs, roomId, carol.AccessToken, $"c{i}")).Code);
        }

        Assert.All(botCodes, code => Assert.Equal(200, code));
        Assert.All(carolCodes.Take(10), code => Assert.Equal(200, code));
        Assert.Equal(429, carolCodes[10]);
    }

    private static Task<ClientResponse> Send(TestHomeserver hs, string roomId, string token, string txnId) =>
        hs.Client.PutAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/send/m.room.message/{txnId}", new JsonObject { ["msgtype"] = "m.text", ["body"] = txnId }, token);
}
