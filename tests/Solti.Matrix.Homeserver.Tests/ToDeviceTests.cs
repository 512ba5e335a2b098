using System.Text.Json.Nodes;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Homeserver.Tests.Support;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

/// <summary><c>/sendToDevice</c>: de-duplicated by transaction id, delivered through <c>/sync</c> and kept until a later
/// sync acknowledges it, as Synapse does; on the current profile, and on 1.67's in <see cref="ToDeviceTestsOnSynapse167"/>.</summary>
[Trait("tier", "integration")]
public class ToDeviceTests : ProfiledTests
{
    private static JsonObject To(string userId, string deviceId, int n) =>
        new() { [userId] = new JsonObject { [deviceId] = new JsonObject { ["algorithm"] = "m.olm.v1.curve25519-aes-sha2", ["n"] = n } } };

    [Fact]
    public async Task A_message_is_delivered_once_per_transaction_and_deleted_once_a_later_sync_acknowledges_it()
    {
        await using var hs = await StartAsync();
        var admin = await E2eeClient.AdminAsync(hs);
        var bot = await E2eeClient.BotAsync(hs);
        var since = await bot.NextBatchAsync();

        var sent = await admin.SendToDeviceAsync("txn1", To(hs.BotId, bot.DeviceId, 1));
        Assert.Equal((200, "{}"), (sent.Code, sent.Text));
        Assert.Equal(200, (await admin.SendToDeviceAsync("txn1", To(hs.BotId, bot.DeviceId, 2))).Code); // a retransmission: not sent again

        var first = await bot.SyncAsync(since);
        var message = Assert.Single(E2eeClient.ToDevice(first));
        Assert.Equal("""{"content":{"algorithm":"m.olm.v1.curve25519-aes-sha2","n":1},"type":"m.room.encrypted","sender":"@admin:localhost"}""", message.ToJsonString());

        var repeat = await bot.SyncAsync(since); // the same token again (a lost answer): nothing is lost
        Assert.Single(E2eeClient.ToDevice(repeat));
        var next = first["next_batch"]!.GetValue<string>();
        var acknowledged = await bot.SyncAsync(next);
        Assert.Empty(E2eeClient.ToDevice(acknowledged));
        Assert.Equal(next, acknowledged["next_batch"]!.GetValue<string>());
        Assert.Empty(E2eeClient.ToDevice(await bot.SyncAsync(since))); // gone for good once acknowledged
    }

    [Fact]
    public async Task A_star_reaches_every_device_of_the_user_and_unknown_devices_get_nothing()
    {
        await using var hs = await StartAsync();
        var admin = await E2eeClient.AdminAsync(hs);
        var phone = await E2eeClient.BotAsync(hs, "PHONE");
        var laptop = await E2eeClient.BotAsync(hs, "LAPTOP");

        Assert.Equal(200, (await admin.SendToDeviceAsync("all", To(hs.BotId, "*", 7))).Code);
        Assert.Equal(200, (await admin.SendToDeviceAsync("nobody", To(hs.BotId, "NO-SUCH-DEVICE", 8))).Code);
        Assert.Equal(200, (await admin.SendToDeviceAsync("remote", To("@x:elsewhere.example", "DEV", 9))).Code);

        foreach (var device in new[] { phone, laptop })
        {
            Assert.Equal([7], E2eeClient.ToDevice(await device.SyncAsync()).Select(m => m["content"]!["n"]!.GetValue<int>()));
        }
    }

    [Fact]
    public async Task A_deleted_device_loses_its_inbox()
    {
        await using var hs = await StartAsync();
        var admin = await E2eeClient.AdminAsync(hs);
        var bot = await E2eeClient.BotAsync(hs, "DOOMED");
        Assert.Equal(200, (await admin.SendToDeviceAsync("t", To(hs.BotId, bot.DeviceId, 1))).Code);

        Assert.Equal(200, (await hs.Client.PostAsync(E2eeClient.V3 + "/logout", null, bot.Token)).Code);
        var again = await E2eeClient.BotAsync(hs, "DOOMED");

        Assert.Empty(E2eeClient.ToDevice(await again.SyncAsync()));
    }

    [Fact]
    public async Task Synapse_keeps_a_sync_answer_for_an_identical_request()
    {
        await using var hs = await StartAsync(syncCache: TimeSpan.FromMinutes(2));
        var admin = await E2eeClient.AdminAsync(hs);
        var bot = await E2eeClient.BotAsync(hs);
        var since = await bot.NextBatchAsync();
        Assert.Equal(200, (await admin.SendToDeviceAsync("t1", To(hs.BotId, bot.DeviceId, 1))).Code);
        var first = await bot.SyncRawAsync(since);

        Assert.Equal(200, (await admin.SendToDeviceAsync("t2", To(hs.BotId, bot.DeviceId, 2))).Code);
        var repeat = await bot.SyncRawAsync(since);
        Assert.Equal(first.Text, repeat.Text); // the kept answer: the retry of a lost answer gets the same one
        var other = await bot.SyncAsync(since, timeout: 1); // another request (timeout differs): computed anew
        Assert.Equal([1, 2], E2eeClient.ToDevice(other).Select(m => m["content"]!["n"]!.GetValue<int>()));
    }
}

[Trait("tier", "integration")]
public sealed class ToDeviceTestsOnSynapse167 : ToDeviceTests
{
    protected override Compatibility Profile => Compatibility.Synapse167;
}

/// <summary>Whose transaction ids de-duplicate to-device sends: the device's today, the access token's in 1.67.</summary>
[Trait("tier", "integration")]
public sealed class ToDeviceProfileTests
{
    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 2)]
    public async Task A_re_login_on_the_same_device_keeps_de_duplication_only_since_per_device_scope(bool synapse167, int delivered)
    {
        await using var hs = await TestHomeserver.StartAsync(o => o with { Compatibility = synapse167 ? Compatibility.Synapse167 : new Compatibility(), SyncResponseCacheDuration = TimeSpan.Zero });
        var bot = await E2eeClient.BotAsync(hs);
        var sender = await E2eeClient.AdminAsync(hs, "SENDER");
        var messages = new JsonObject { [hs.BotId] = new JsonObject { [bot.DeviceId] = new JsonObject { ["n"] = 1 } } };
        Assert.Equal(200, (await sender.SendToDeviceAsync("same", messages)).Code);

        var relogged = await E2eeClient.AdminAsync(hs, "SENDER");
        Assert.Equal(200, (await relogged.SendToDeviceAsync("same", messages)).Code);

        Assert.Equal(delivered, E2eeClient.ToDevice(await bot.SyncAsync()).Count);
    }
}
