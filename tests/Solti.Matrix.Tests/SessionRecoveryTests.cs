using System.Text.Json.Nodes;
using Solti.Matrix.Errors;
using Solti.Matrix.Testing;
using Solti.Matrix.Sessions;
using Solti.Matrix.Tests.Support;

namespace Solti.Matrix.Tests;

/// <summary>Each recovery path of the session, against the homeserver over HTTP.</summary>
[Trait("tier", "integration")]
public sealed class SessionRecoveryTests
{
    private static JsonObject Text(string body) => new() { ["msgtype"] = "m.text", ["body"] = body };

    [Fact]
    public async Task A_stale_token_heals_from_the_cache_without_logging_in()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("CACHED1");
        var (roomId, alias) = await h.BotRoomAsync(bot.AccessToken);
        h.Cache.Write(h.Hs.Server.BaseAddress, new StoredSession(h.Hs.BotId, bot.AccessToken, "CACHED1", null, null));
        await h.ResetCountersAsync();

        using var client = h.Bot(token: "syt_stale_token", password: false);
        var result = await client.SendEventAsync(alias, "m.room.message", Text("from cache"));

        Assert.True(result.Reauthenticated);
        Assert.Equal([RecoveryStep.Cache], client.Session.RecoverySteps);
        Assert.Equal(roomId, result.RoomId);
        Assert.Equal(0, await h.CounterAsync("login"));
        var messages = await h.MessagesAsync(roomId, bot.AccessToken);
        Assert.Equal(result.EventId, Assert.Single(messages)["event_id"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // Synapse before 1.72 serves only v1/refresh
    public async Task An_expired_token_is_refreshed_without_a_password(bool synapse167)
    {
        await using var h = await LibraryHarness.StartAsync(o => o with
        {
            RefreshableAccessTokenLifetime = TimeSpan.FromMinutes(5),
            Compatibility = synapse167 ? Homeserver.Configuration.Compatibility.Synapse167 : o.Compatibility,
        });
        var seed = await h.Hs.LoginBotAsync();
        var (roomId, _) = await h.BotRoomAsync(seed.AccessToken);

        using (var first = h.Bot(refresh: true))
        {
            await first.WhoAmIAsync();
            Assert.Equal([RecoveryStep.PasswordLogin], first.Session.RecoverySteps);
            await h.ExpireAsync(first.Session.AccessToken!);
        }

        await h.ResetCountersAsync();
        using var client = h.Bot(password: false);
        var result = await client.SendEventAsync(roomId, "m.room.message", Text("after refresh"));

        Assert.Equal([RecoveryStep.Cache, RecoveryStep.Refresh], client.Session.RecoverySteps);
        Assert.Equal(0, await h.CounterAsync("login"));
        Assert.Equal(synapse167 ? 2 : 1, await h.CounterAsync("refresh")); // 1.67: v3 is not served, then v1
        Assert.Single(await h.MessagesAsync(roomId, seed.AccessToken));
        Assert.Equal(result.EventId, (await h.MessagesAsync(roomId, seed.AccessToken))[0]["event_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_heal_does_not_restart_the_call_s_budget()
    {
        // Each wait fits the budget alone; together (the send's, the login's) they do not. A budget restarted by the
        // heal would deliver the message.
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("BUDGETHEAL");
        var (roomId, _) = await h.BotRoomAsync(bot.AccessToken);
        await h.ExpireAsync(bot.AccessToken);
        await h.AddFaultAsync(new JsonObject { ["endpoint"] = "login", ["status"] = 429, ["retry_after_ms"] = 2000, ["count"] = 1 });
        await h.AddFaultAsync(new JsonObject { ["endpoint"] = "rooms.send", ["status"] = 429, ["retry_after_ms"] = 2000, ["count"] = 1 });

        using var client = h.Bot(token: bot.AccessToken, deviceId: "BUDGETHEAL", retry: new RetryOptions { TotalBudget = TimeSpan.FromSeconds(3), MaxDelay = TimeSpan.FromSeconds(5) });
        var error = await Assert.ThrowsAnyAsync<MatrixException>(() => client.SendEventAsync(roomId, "m.room.message", Text("too late")));

        Assert.Contains("budget of 3 s", error.Message, StringComparison.Ordinal);
        var reader = await h.Hs.LoginBotAsync("READER");
        Assert.Empty(await h.MessagesAsync(roomId, reader.AccessToken));
    }

    [Fact]
    public async Task A_soft_logout_logs_in_again_with_the_same_device()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("STABLEDEV");
        var (roomId, alias) = await h.BotRoomAsync(bot.AccessToken);
        await h.ExpireAsync(bot.AccessToken);
        var devicesBefore = await h.BotDeviceCountAsync();

        using var client = h.Bot(token: bot.AccessToken, deviceId: "STABLEDEV");
        var result = await client.SendEventAsync(alias, "m.room.message", Text("after soft logout"));

        Assert.True(result.Reauthenticated);
        Assert.Equal([RecoveryStep.PasswordLogin], client.Session.RecoverySteps);
        Assert.Equal("STABLEDEV", client.Session.DeviceId);
        Assert.Equal(devicesBefore, await h.BotDeviceCountAsync());
        var whoami = await h.Raw.GetAsync("/_matrix/client/v3/account/whoami", client.Session.AccessToken);
        Assert.Equal("STABLEDEV", whoami.Str("device_id"));
        Assert.Single(await h.MessagesAsync(roomId, client.Session.AccessToken!));
    }

    [Fact]
    public async Task A_403_never_triggers_a_login()
    {
        await using var h = await LibraryHarness.StartAsync();
        var admin = h.Admin;
        var roomId = await h.Raw.CreateRoomAsync(admin.AccessToken);
        var bot = await h.Hs.LoginBotAsync("DEV403");
        await h.ResetCountersAsync();

        using var client = h.Bot(token: bot.AccessToken);
        var error = await Assert.ThrowsAsync<MatrixException>(() => client.SendEventAsync(roomId, "m.room.message", Text("not a member")));

        Assert.Equal(403, error.Status);
        Assert.Equal("M_FORBIDDEN", error.Errcode);
        Assert.False(client.Session.Reauthenticated);
        Assert.Equal(0, await h.CounterAsync("login"));
    }

    [Theory]
    [InlineData(false, "M_FORBIDDEN", "bad credentials")] // Synapse 1.85+ checks the (wiped) password first
    [InlineData(true, "M_USER_DEACTIVATED", "the account is deactivated")]
    public async Task A_deactivated_user_fails_clearly_and_terminally(bool synapse167, string errcode, string said)
    {
        await using var h = await LibraryHarness.StartAsync(o => synapse167 ? o with { Compatibility = Homeserver.Configuration.Compatibility.Synapse167 } : o);
        var bot = await h.Hs.LoginBotAsync();
        var deactivate = await h.Raw.PostAsync($"/_synapse/admin/v1/deactivate/{MatrixTestClient.Enc(h.Hs.BotId)}", new JsonObject(), h.Admin.AccessToken);
        Assert.Equal(200, deactivate.Code);

        using var client = h.Bot(token: bot.AccessToken);
        var error = await Assert.ThrowsAsync<SessionRecoveryException>(() => client.WhoAmIAsync());

        Assert.True(error.IsTerminal);
        Assert.Equal(errcode, error.Errcode);
        Assert.Contains(said, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(TestHomeserver.BotPassword, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(bot.AccessToken, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_credentials_say_which_step_failed()
    {
        await using var h = await LibraryHarness.StartAsync();
        using var client = new MatrixClient(h.Options(), new SessionOptions { UserId = h.Hs.BotId, AccessToken = "syt_unknown", Password = "wrong-password" }, h.Cache);

        var error = await Assert.ThrowsAsync<SessionRecoveryException>(() => client.WhoAmIAsync());

        Assert.Equal("M_FORBIDDEN", error.Errcode);
        Assert.Contains("password login", error.Message, StringComparison.Ordinal);
        Assert.Contains("bad credentials", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-password", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ten_heals_in_a_row_leave_the_device_count_unchanged()
    {
        await using var h = await LibraryHarness.StartAsync();
        var seed = await h.Hs.LoginBotAsync();
        var (roomId, _) = await h.BotRoomAsync(seed.AccessToken);
        using (var first = h.Bot())
        {
            await first.SendEventAsync(roomId, "m.room.message", Text("first"));
        }

        var devices = await h.BotDeviceCountAsync();
        for (var i = 0; i < 10; i++)
        {
            var cached = h.Cache.Read(h.Hs.Server.BaseAddress, h.Hs.BotId)!;
            await h.ExpireAsync(cached.AccessToken);
            using var client = h.Bot(token: cached.AccessToken);
            var result = await client.SendEventAsync(roomId, "m.room.message", Text($"heal {i}"));
            Assert.True(result.Reauthenticated);
            Assert.Equal(cached.DeviceId, client.Session.DeviceId);
        }

        Assert.Equal(devices, await h.BotDeviceCountAsync());
        Assert.Equal(11, (await h.MessagesAsync(roomId, seed.AccessToken)).Count);
    }
}
