using System.Text.Json.Nodes;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Testing;
using Solti.Matrix.Sessions;
using Solti.Matrix.Tests.Support;

namespace Solti.Matrix.Tests;

/// <summary>The library against a server that behaves like Synapse 1.67, and concurrency inside one process.</summary>
[Trait("tier", "integration")]
public sealed class CompatibilityTests
{
    [Fact]
    public async Task Against_Synapse_1_67_the_session_heals_and_admin_flags_read_as_booleans()
    {
        await using var h = await LibraryHarness.StartAsync(o => o with { Compatibility = Compatibility.Synapse167 });
        var bot = await h.Hs.LoginBotAsync("OLD1");
        var (roomId, alias) = await h.BotRoomAsync(bot.AccessToken);
        await h.ExpireAsync(bot.AccessToken);

        using var client = h.Bot(token: bot.AccessToken, deviceId: "OLD1");
        var result = await client.SendEventAsync(alias, "m.room.message", new JsonObject { ["msgtype"] = "m.text", ["body"] = "old server" });
        Assert.True(result.Reauthenticated);
        Assert.Equal(roomId, result.RoomId);

        var admin = client.Admin(new SessionOptions { UserId = h.Hs.AdminId, Password = TestHomeserver.AdminPassword, UseCache = false });
        var accounts = await admin.AccountsAsync();
        var user = await accounts.GetAsync(h.Hs.BotId);
        Assert.Equal((false, false), (user!.Admin, user.Deactivated));
        Assert.False(user["admin"]!.GetValue<bool>()); // the 0/1 of Synapse 1.67, as booleans
        Assert.Null(await accounts.GetAsync("@nobody:localhost"));
    }

    /// <summary>Why the same device matters: a send repeated with its transaction id after a re-login is one event on
    /// current Synapse (de-duplication per device, which the re-login keeps) and two on Synapse &lt;= 1.82 (per access
    /// token, which the re-login replaces). docs/session-recovery.md, "Old and new Synapse".</summary>
    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 2)]
    public async Task A_send_repeated_after_a_re_login_is_one_event_on_current_Synapse_and_two_on_1_67(bool synapse167, int events)
    {
        await using var h = await LibraryHarness.StartAsync(o => synapse167 ? o with { Compatibility = Compatibility.Synapse167 } : o);
        var bot = await h.Hs.LoginBotAsync("TXN");
        var (roomId, _) = await h.BotRoomAsync(bot.AccessToken);
        var content = new JsonObject { ["msgtype"] = "m.text", ["body"] = "deploy 42 done" };
        using var first = h.Bot(token: bot.AccessToken, deviceId: "TXN");
        var sent = await first.SendEventAsync(roomId, "m.room.message", content, transactionId: "deploy-42");
        await h.ExpireAsync(bot.AccessToken);

        using var again = h.Bot(token: bot.AccessToken, deviceId: "TXN");
        var repeated = await again.SendEventAsync(roomId, "m.room.message", content.DeepClone().AsObject(), transactionId: "deploy-42");

        Assert.True(repeated.Reauthenticated);
        Assert.Equal("TXN", again.Session.DeviceId);
        Assert.Equal(synapse167, repeated.EventId != sent.EventId);
        Assert.Equal(events, (await h.MessagesAsync(roomId, again.Session.AccessToken!)).Count);
    }

    [Fact]
    public async Task Concurrent_sends_in_one_process_share_one_heal()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("PAR");
        var (roomId, _) = await h.BotRoomAsync(bot.AccessToken);
        await h.ExpireAsync(bot.AccessToken);
        await h.ResetCountersAsync();

        using var client = h.Bot(token: bot.AccessToken, deviceId: "PAR");
        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            client.SendEventAsync(roomId, "m.room.message", new JsonObject { ["msgtype"] = "m.text", ["body"] = $"parallel {i}" })));

        Assert.Equal(1, await h.CounterAsync("login"));
        Assert.Equal(10, results.Select(r => r.EventId).Distinct().Count());
        Assert.Equal(10, (await h.MessagesAsync(roomId, client.Session.AccessToken!)).Count);
    }

    [Fact]
    public async Task A_configured_device_is_pre_created_through_the_admin_API_before_login()
    {
        await using var h = await LibraryHarness.StartAsync();
        using var adminClient = new MatrixClient(h.Options(), new SessionOptions { UserId = h.Hs.AdminId, Password = TestHomeserver.AdminPassword, UseCache = false });
        var admin = adminClient.Admin(new SessionOptions { UserId = h.Hs.AdminId, Password = TestHomeserver.AdminPassword, UseCache = false });
        var created = new List<string>();

        using var client = new MatrixClient(h.Options(), new SessionOptions
        {
            UserId = h.Hs.BotId,
            Password = TestHomeserver.BotPassword,
            DeviceId = "PRECREATED",
            PrecreateDevice = async (user, device, ct) =>
            {
                created.Add(device);
                await ((Accounts.SynapseAccounts)await admin.AccountsAsync(ct)).CreateDeviceAsync(user, device, ct);
            },
        }, h.Cache);
        var whoami = await client.WhoAmIAsync();

        Assert.Equal(["PRECREATED"], created);
        Assert.Equal("PRECREATED", whoami["device_id"]!.GetValue<string>());
        var devices = await (await admin.AccountsAsync()).DevicesAsync(h.Hs.BotId);
        Assert.Equal("PRECREATED", Assert.Single(devices).DeviceId);
    }
}
