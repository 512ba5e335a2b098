using System.Text.Json.Nodes;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

/// <summary>The admin-only test controls: injected failures, latency, dropped connections, token expiry and counters.</summary>
[Trait("tier", "integration")]
public sealed class FaultControlTests
{
    private const string Control = "/_solti/testing/v1";

    private static async Task<(TestHomeserver Hs, string Admin, string Bot, string Room)> StartAsync()
    {
        var hs = await TestHomeserver.StartAsync();
        var admin = (await hs.LoginAdminAsync()).AccessToken;
        var bot = (await hs.LoginBotAsync()).AccessToken;
        return (hs, admin, bot, await hs.Client.CreateRoomAsync(bot));
    }

    private static string Send(string roomId, string txn) => $"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/send/m.room.message/{txn}";

    [Fact]
    public async Task The_next_N_matching_requests_fail_with_the_given_status_then_requests_succeed_once()
    {
        var (hs, admin, bot, room) = await StartAsync();
        await using var _ = hs;
        var fault = await hs.Client.PostAsync(Control + "/faults", new JsonObject { ["path"] = "/send/", ["method"] = "PUT", ["status"] = 503, ["count"] = 2 }, admin);
        Assert.Equal(200, fault.Code);
        Assert.False(string.IsNullOrEmpty(fault.Str("fault_id")));

        var codes = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            codes.Add((await hs.Client.PutAsync(Send(room, "same"), new JsonObject { ["body"] = "x" }, bot)).Code);
        }

        Assert.Equal([503, 503, 200], codes);
        Assert.Equal(200, (await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", bot)).Code);
        var messages = await hs.Client.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(room)}/messages?dir=b&limit=50", bot);
        Assert.Single(messages.Object["chunk"]!.AsArray(), e => e!["type"]!.GetValue<string>() == "m.room.message");
        Assert.Empty((await hs.Client.GetAsync(Control + "/faults", admin)).Object["faults"]!.AsArray());
    }

    [Fact]
    public async Task A_429_fault_carries_retry_after_ms_and_the_header()
    {
        var (hs, admin, bot, room) = await StartAsync();
        await using var _ = hs;
        await hs.Client.PostAsync(Control + "/faults", new JsonObject { ["endpoint"] = "rooms.send", ["status"] = 429, ["retry_after_ms"] = 2500 }, admin);

        var limited = await hs.Client.PutAsync(Send(room, "t"), new JsonObject(), bot);
        Assert.Equal((429, "M_LIMIT_EXCEEDED"), (limited.Code, limited.Errcode));
        Assert.Equal(2500, limited.Object["retry_after_ms"]!.GetValue<long>());
        Assert.Equal(TimeSpan.FromSeconds(3), limited.Headers.RetryAfter!.Delta);
    }

    [Fact]
    public async Task Latency_delays_and_a_dropped_connection_gets_no_answer()
    {
        var (hs, admin, bot, room) = await StartAsync();
        await using var _ = hs;
        await hs.Client.PostAsync(Control + "/faults", new JsonObject { ["endpoint"] = "whoami", ["delay_ms"] = 200 }, admin);
        var slow = await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", bot);
        Assert.Equal(200, slow.Code);

        await hs.Client.PostAsync(Control + "/faults", new JsonObject { ["endpoint"] = "rooms.send", ["drop"] = true }, admin);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => hs.Client.PutAsync(Send(room, "dropped"), new JsonObject { ["body"] = "x" }, bot));
        Assert.Equal(200, (await hs.Client.PutAsync(Send(room, "dropped"), new JsonObject { ["body"] = "x" }, bot)).Code);
    }

    [Fact]
    public async Task A_forever_fault_applies_until_cleared()
    {
        var (hs, admin, bot, _) = await StartAsync();
        await using var __ = hs;
        await hs.Client.PostAsync(Control + "/faults", new JsonObject { ["endpoint"] = "whoami", ["status"] = 500, ["count"] = null }, admin);
        for (var i = 0; i < 3; i++)
        {
            var failed = await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", bot);
            Assert.Equal((500, "M_UNKNOWN"), (failed.Code, failed.Errcode));
        }

        Assert.Equal(200, (await hs.Client.DeleteAsync(Control + "/faults", admin)).Code);
        Assert.Equal(200, (await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", bot)).Code);
    }

    [Fact]
    public async Task Expire_token_turns_a_token_into_a_soft_logout()
    {
        var (hs, admin, bot, _) = await StartAsync();
        await using var __ = hs;
        var expire = await hs.Client.PostAsync(Control + "/expire_token", new JsonObject { ["access_token"] = bot }, admin);
        Assert.Equal(1, expire.Object["expired"]!.GetValue<int>());

        var whoami = await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", bot);
        Assert.Equal((401, "M_UNKNOWN_TOKEN"), (whoami.Code, whoami.Errcode));
        Assert.True(whoami.Object["soft_logout"]!.GetValue<bool>());

        var byUser = await hs.Client.PostAsync(Control + "/expire_token", new JsonObject { ["user_id"] = hs.AdminId }, admin);
        Assert.Equal(200, byUser.Code);
        Assert.Equal(401, (await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", admin)).Code);
    }

    [Fact]
    public async Task Counters_count_requests_per_endpoint_across_prefixes()
    {
        var (hs, admin, _, _) = await StartAsync();
        await using var __ = hs;
        Assert.Equal(200, (await hs.Client.DeleteAsync(Control + "/counters", admin)).Code);
        await hs.LoginBotAsync();
        await hs.Client.PostAsync("/_matrix/client/r0/login", new JsonObject { ["type"] = "m.login.password", ["user"] = "bot", ["password"] = "wrong" });
        await hs.Client.GetAsync("/_matrix/client/v3/nowhere");

        var counters = (await hs.Client.GetAsync(Control + "/counters", admin)).Object["counters"]!;
        Assert.Equal(2, counters["login"]!.GetValue<long>());
        Assert.Equal(1, counters["unrecognized"]!.GetValue<long>());
        Assert.Null(counters["whoami"]);
    }

    [Fact]
    public async Task Controls_are_admin_only_and_validate_their_input()
    {
        var (hs, admin, bot, _) = await StartAsync();
        await using var __ = hs;
        Assert.Equal(403, (await hs.Client.GetAsync(Control + "/counters", bot)).Code);
        Assert.Equal(403, (await hs.Client.PostAsync(Control + "/faults", new JsonObject { ["status"] = 500 }, bot)).Code);
        Assert.Equal(401, (await hs.Client.GetAsync(Control + "/counters")).Code);

        var badRegex = await hs.Client.PostAsync(Control + "/faults", new JsonObject { ["path"] = "([", ["status"] = 500 }, admin);
        Assert.Equal((400, "M_INVALID_PARAM"), (badRegex.Code, badRegex.Errcode));
        var badStatus = await hs.Client.PostAsync(Control + "/faults", new JsonObject { ["status"] = 200 }, admin);
        Assert.Equal((400, "M_INVALID_PARAM"), (badStatus.Code, badStatus.Errcode));
        var nothing = await hs.Client.PostAsync(Control + "/faults", new JsonObject { ["path"] = "x" }, admin);
        Assert.Equal((400, "M_INVALID_PARAM"), (nothing.Code, nothing.Errcode));
        Assert.Equal(404, (await hs.Client.PostAsync(Control + "/expire_token", new JsonObject { ["access_token"] = "syt_none" }, admin)).Code);
    }

    /// <summary>A to-device hold: messages sent to the held device stay queued, invisible to its sync and never
    /// acknowledged by a later token, until released; then its next sync has them, in order.</summary>
    [Fact]
    public async Task A_held_device_sees_its_to_device_messages_only_once_released()
    {
        var (hs, admin, bot, _) = await StartAsync();
        await using var _hs = hs;
        var botDevice = (await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", bot)).Str("device_id")!;
        Assert.Equal(200, (await hs.Client.PostAsync(Control + "/to_device_hold", new JsonObject { ["user_id"] = hs.BotId, ["device_id"] = botDevice, ["hold"] = true }, admin)).Code);
        var first = await hs.Client.GetAsync("/_matrix/client/v3/sync?timeout=0", bot);
        foreach (var n in new[] { "one", "two" })
        {
            var sent = await hs.Client.PutAsync("/_matrix/client/v3/sendToDevice/m.test/" + n, new JsonObject { ["messages"] = new JsonObject { [hs.BotId] = new JsonObject { [botDevice] = new JsonObject { ["n"] = n } } } }, admin);
            Assert.Equal(200, sent.Code);
        }

        var held = await hs.Client.GetAsync("/_matrix/client/v3/sync?timeout=0&since=" + first.Str("next_batch"), bot);
        var acknowledged = await hs.Client.GetAsync("/_matrix/client/v3/sync?timeout=1&since=" + held.Str("next_batch"), bot); // a later token would delete what it saw
        Assert.Equal(200, (await hs.Client.PostAsync(Control + "/to_device_hold", new JsonObject { ["user_id"] = hs.BotId, ["device_id"] = botDevice, ["hold"] = false }, admin)).Code);
        var released = await hs.Client.GetAsync("/_matrix/client/v3/sync?timeout=1&since=" + acknowledged.Str("next_batch"), bot);

        Assert.Null(held.Object["to_device"]);
        Assert.Null(acknowledged.Object["to_device"]);
        Assert.Equal(["one", "two"], released.Object["to_device"]!["events"]!.AsArray().Select(e => e!["content"]!["n"]!.GetValue<string>()));
        Assert.Equal(403, (await hs.Client.PostAsync(Control + "/to_device_hold", new JsonObject { ["user_id"] = hs.BotId, ["device_id"] = botDevice, ["hold"] = true }, bot)).Code);
    }
}
