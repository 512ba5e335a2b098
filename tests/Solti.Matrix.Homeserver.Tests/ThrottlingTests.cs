using System.Text.Json.Nodes;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

/// <summary>Synapse's rate limiters and the forms a 429 takes.</summary>
[Trait("tier", "integration")]
public sealed class ThrottlingTests
{
    private static async Task<List<ClientResponse>> SendManyAsync(TestHomeserver hs, string roomId, string token, int count, string prefix)
    {
        var responses = new List<ClientResponse>();
        for (var i = 0; i < count; i++)
        {
            responses.Add(await hs.Client.PutAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/send/m.room.message/{prefix}{i}", new JsonObject { ["body"] = "x" }, token));
        }

        return responses;
    }

    [Fact]
    public async Task Rc_message_allows_the_burst_then_answers_429_with_retry_after()
    {
        await using var hs = await TestHomeserver.StartAsync(o => o with { RateLimits = RateLimits.None with { Message = new RateLimitSetting(0.2, 10) } });
        var bot = (await hs.LoginBotAsync()).AccessToken;
        var roomId = await hs.Client.CreateRoomAsync(bot); // createRoom is one action of the same bucket

        var responses = await SendManyAsync(hs, roomId, bot, 10, "b");
        Assert.Equal(Enumerable.Repeat(200, 9).Append(429), responses.Select(r => r.Code));
        var limited = responses[^1];
        Assert.Equal("M_LIMIT_EXCEEDED", limited.Errcode);
        Assert.Equal("Too Many Requests", limited.Str("error"));
        var retryAfterMs = limited.Object["retry_after_ms"]!.GetValue<long>();
        Assert.InRange(retryAfterMs, 1, 5000);
        Assert.Equal(TimeSpan.FromSeconds(Math.Ceiling(retryAfterMs / 1000.0)), limited.Headers.RetryAfter!.Delta);
    }

    [Fact]
    public async Task After_the_advertised_wait_the_next_action_is_allowed_and_a_429_is_not_a_transaction()
    {
        var time = new ManualTime();
        await using var hs = await TestHomeserver.StartAsync(o => o with { RateLimits = RateLimits.None with { Message = new RateLimitSetting(5, 2) } }, time);
        var bot = (await hs.LoginBotAsync()).AccessToken;
        var roomId = await hs.Client.CreateRoomAsync(bot);
        var path = $"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/send/m.room.message/";

        Assert.Equal(200, (await hs.Client.PutAsync(path + "a", new JsonObject { ["body"] = "a" }, bot)).Code);
        var limited = await hs.Client.PutAsync(path + "retry", new JsonObject { ["body"] = "r" }, bot);
        Assert.Equal(429, limited.Code);
        var retryAfterMs = limited.Object["retry_after_ms"]!.GetValue<long>();
        time.Advance(TimeSpan.FromMilliseconds(retryAfterMs + 1)); // the clock's milliseconds are whole: one more than advertised
        var retried = await hs.Client.PutAsync(path + "retry", new JsonObject { ["body"] = "r" }, bot);
        Assert.Equal(200, retried.Code);

        var messages = await hs.Client.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/messages?dir=b&limit=50", bot);
        Assert.Single(messages.Object["chunk"]!.AsArray(), e => e!["content"]!["body"]?.GetValue<string>() == "r");
    }

    [Fact]
    public async Task Synapse_1_67_sends_no_Retry_After_and_a_proxy_sends_no_body()
    {
        await using (var old = await TestHomeserver.StartAsync(o => o with { RateLimits = RateLimits.None with { Message = new RateLimitSetting(0.1, 1) }, Compatibility = Compatibility.Synapse167 }))
        {
            var bot = (await old.LoginBotAsync()).AccessToken;
            var roomId = await old.Client.CreateRoomAsync(bot);
            var limited = (await SendManyAsync(old, roomId, bot, 1, "o"))[0];
            Assert.Equal(429, limited.Code);
            Assert.Null(limited.Headers.RetryAfter);
            Assert.True(limited.Object["retry_after_ms"]!.GetValue<long>() > 0);
        }

        await using var proxied = await TestHomeserver.StartAsync(o => o with { RateLimits = RateLimits.None with { Message = new RateLimitSetting(0.1, 1) }, Compatibility = new Compatibility { Bare429 = true, RetryAfterHeader = false } });
        var token = (await proxied.LoginBotAsync()).AccessToken;
        var room = await proxied.Client.CreateRoomAsync(token);
        var bare = (await SendManyAsync(proxied, room, token, 1, "p"))[0];
        Assert.Equal(429, bare.Code);
        Assert.NotEqual("application/json", bare.ContentType);
        Assert.Null(bare.Errcode);
        Assert.Null(bare.Headers.RetryAfter);
    }

    [Fact]
    public async Task Rc_login_limits_by_address_even_for_wrong_passwords_and_overrides_never_cover_login()
    {
        await using var hs = await TestHomeserver.StartAsync(o => o with { RateLimits = new RateLimits() });
        var codes = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            codes.Add((await hs.Client.PostAsync("/_matrix/client/v3/login", MatrixTestClient.LoginBody("bot", TestHomeserver.BotPassword))).Code);
        }

        var fourth = await hs.Client.PostAsync("/_matrix/client/v3/login", MatrixTestClient.LoginBody("bot", "WRONG"));
        Assert.Equal([200, 200, 200], codes);
        Assert.Equal((429, "M_LIMIT_EXCEEDED"), (fourth.Code, fourth.Errcode));

        lock (hs.Server.Server.State.Sync)
        {
            hs.Server.Server.State.FindUser(hs.BotId)!.RatelimitOverride = new State.RatelimitOverride(0, 0);
        }

        Assert.Equal(429, (await hs.Client.PostAsync("/_matrix/client/v3/login", MatrixTestClient.LoginBody("bot", TestHomeserver.BotPassword))).Code);
    }

    [Fact]
    public async Task Failed_attempts_lock_the_account_out_even_with_the_right_password()
    {
        await using var hs = await TestHomeserver.StartAsync(o => o with { RateLimits = RateLimits.None with { LoginFailedAttempts = new RateLimitSetting(0.1, 2) } });
        Assert.Equal(403, (await hs.Client.PostAsync("/_matrix/client/v3/login", MatrixTestClient.LoginBody("bot", "bad1"))).Code);
        Assert.Equal(403, (await hs.Client.PostAsync("/_matrix/client/v3/login", MatrixTestClient.LoginBody("bot", "bad2"))).Code);
        Assert.Equal(429, (await hs.Client.PostAsync("/_matrix/client/v3/login", MatrixTestClient.LoginBody("bot", TestHomeserver.BotPassword))).Code);
        Assert.Equal(200, (await hs.Client.PostAsync("/_matrix/client/v3/login", MatrixTestClient.LoginBody("admin", TestHomeserver.AdminPassword))).Code);
    }

    [Fact]
    public async Task Joins_and_invites_have_their_own_limiters()
    {
        await using var hs = await TestHomeserver.StartAsync(o => o with { RateLimits = RateLimits.None with { JoinsLocal = new RateLimitSetting(0.1, 1), InvitesPerRoom = new RateLimitSetting(0.1, 1) } });
        var admin = (await hs.LoginAdminAsync()).AccessToken;
        var bot = (await hs.LoginBotAsync()).AccessToken;
        var first = await hs.Client.CreateRoomAsync(admin, new JsonObject { ["preset"] = "public_chat" });
        var second = await hs.Client.CreateRoomAsync(admin, new JsonObject { ["preset"] = "public_chat" });

        Assert.Equal(200, (await hs.Client.PostAsync("/_matrix/client/v3/join/" + MatrixTestClient.Enc(first), null, bot)).Code);
        Assert.Equal(429, (await hs.Client.PostAsync("/_matrix/client/v3/join/" + MatrixTestClient.Enc(second), null, bot)).Code);

        Assert.Equal(201, (await hs.Client.PutAsync("/_synapse/admin/v2/users/" + MatrixTestClient.Enc("@x1:localhost"), new JsonObject(), admin)).Code);
        Assert.Equal(201, (await hs.Client.PutAsync("/_synapse/admin/v2/users/" + MatrixTestClient.Enc("@x2:localhost"), new JsonObject(), admin)).Code);
        var invite = $"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(second)}/invite";
        Assert.Equal(200, (await hs.Client.PostAsync(invite, new JsonObject { ["user_id"] = "@x1:localhost" }, admin)).Code);
        Assert.Equal(429, (await hs.Client.PostAsync(invite, new JsonObject { ["user_id"] = "@x2:localhost" }, admin)).Code);
    }
}
