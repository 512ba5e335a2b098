using System.Text.Json.Nodes;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

/// <summary>With a data directory, a restart keeps users, devices, tokens, rooms, events and transaction mappings.</summary>
[Trait("tier", "integration")]
public sealed class PersistenceTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "solti-hs-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task A_restart_keeps_tokens_devices_rooms_events_and_transaction_ids()
    {
        string token, roomId, eventId;
        var content = new JsonObject { ["msgtype"] = "m.text", ["body"] = "before restart" };
        await using (var hs = await StartAsync())
        {
            var bot = await hs.LoginBotAsync("PERSIST1");
            token = bot.AccessToken;
            roomId = await hs.Client.CreateRoomAsync(token, new JsonObject { ["room_alias_name"] = "kept", ["name"] = "Kept" });
            eventId = (await hs.Client.PutAsync(SendPath(roomId, "txn-restart"), content, token)).Str("event_id");
        }

        await using (var hs = await StartAsync())
        {
            var whoami = await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", token);
            Assert.Equal(200, whoami.Code);
            Assert.Equal("PERSIST1", whoami.Str("device_id"));

            var alias = await hs.Client.GetAsync("/_matrix/client/v3/directory/room/" + MatrixTestClient.Enc("#kept:localhost"));
            Assert.Equal(roomId, alias.Str("room_id"));

            var retry = await hs.Client.PutAsync(SendPath(roomId, "txn-restart"), content, token);
            Assert.Equal(eventId, retry.Str("event_id"));

            var messages = await hs.Client.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/messages?dir=b&limit=50", token);
            var bodies = messages.Object["chunk"]!.AsArray().Where(e => e!["type"]!.GetValue<string>() == "m.room.message").ToList();
            Assert.Single(bodies);
            Assert.Equal(eventId, bodies[0]!["event_id"]!.GetValue<string>());

            var name = await hs.Client.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/state/m.room.name", token);
            Assert.Equal("Kept", name.Str("name"));

            var next = await hs.Client.PutAsync(SendPath(roomId, "txn-after"), content, token);
            Assert.Equal(200, next.Code);
            Assert.NotEqual(eventId, next.Str("event_id"));
        }
    }

    [Fact]
    public async Task A_logout_before_a_restart_stays_logged_out_after_it()
    {
        string token;
        await using (var hs = await StartAsync())
        {
            token = (await hs.LoginBotAsync("GONE")).AccessToken;
            Assert.Equal(200, (await hs.Client.PostAsync("/_matrix/client/v3/logout", null, token)).Code);
        }

        await using (var hs = await StartAsync())
        {
            var whoami = await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", token);
            Assert.Equal(401, whoami.Code);
            Assert.Equal("M_UNKNOWN_TOKEN", whoami.Errcode);
            Assert.Equal(200, (await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", (await hs.LoginBotAsync()).AccessToken)).Code);
        }
    }

    [Fact]
    public async Task The_state_file_holds_no_password()
    {
        await using (var hs = await StartAsync())
        {
            await hs.LoginBotAsync();
        }

        var text = await File.ReadAllTextAsync(Path.Combine(_dataDir, "state.json"));
        Assert.Contains("@bot:localhost", text, StringComparison.Ordinal);
        Assert.DoesNotContain(TestHomeserver.BotPassword, text, StringComparison.Ordinal);
        Assert.DoesNotContain(TestHomeserver.AdminPassword, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_restart_keeps_device_keys_inboxes_filters_and_account_data()
    {
        string since;
        await using (var hs = await StartAsync())
        {
            var bot = await Support.E2eeClient.BotAsync(hs);
            var admin = await Support.E2eeClient.AdminAsync(hs);
            await bot.UploadAsync(new JsonObject
            {
                ["device_keys"] = bot.DeviceKeys(),
                ["one_time_keys"] = new JsonObject { ["signed_curve25519:A"] = bot.SignedKey("k") },
                ["fallback_keys"] = new JsonObject { ["signed_curve25519:F"] = bot.SignedKey("f", fallback: true) },
            });
            Assert.Equal(200, (await hs.Client.PostAsync($"/_matrix/client/v3/user/{MatrixTestClient.Enc(hs.BotId)}/filter", new JsonObject { ["room"] = new JsonObject() }, bot.Token)).Code);
            Assert.Equal(200, (await hs.Client.PutAsync($"/_matrix/client/v3/user/{MatrixTestClient.Enc(hs.BotId)}/account_data/m.test", new JsonObject { ["x"] = 1 }, bot.Token)).Code);
            since = await bot.NextBatchAsync();
            await admin.SendToDeviceAsync("t", new JsonObject { [hs.BotId] = new JsonObject { [bot.DeviceId] = new JsonObject { ["n"] = 1 } } });
        }

        await using (var hs = await StartAsync())
        {
            var bot = new Support.E2eeClient(hs, await hs.LoginBotAsync("BOTDEV"));
            Assert.Equal("""{"one_time_key_counts":{"signed_curve25519":1}}""", (await bot.UploadAsync(new JsonObject())).Text);
            var sync = await bot.SyncAsync(since, filter: "0");
            Assert.Single(Support.E2eeClient.ToDevice(sync));
            Assert.Equal("""["signed_curve25519"]""", sync["device_unused_fallback_key_types"]!.ToJsonString());
            Assert.Equal("""{"x":1}""", (await hs.Client.GetAsync($"/_matrix/client/v3/user/{MatrixTestClient.Enc(hs.BotId)}/account_data/m.test", bot.Token)).Text);
            Assert.Single((await bot.QueryAsync(new JsonObject { [hs.BotId] = new JsonArray() })).Object["device_keys"]![hs.BotId]!.AsObject());
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    private Task<TestHomeserver> StartAsync() => TestHomeserver.StartAsync(o => o with { DataDirectory = _dataDir });

    private static string SendPath(string roomId, string txnId) =>
        $"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/send/m.room.message/{txnId}";
}
