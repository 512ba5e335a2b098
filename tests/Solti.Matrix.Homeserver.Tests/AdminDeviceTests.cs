using System.Text.Json;
using System.Text.Json.Nodes;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

[Trait("tier", "integration")]
public sealed class AdminDeviceTests
{
    private const string Whoami = "/_matrix/client/v3/account/whoami";

    private static string Devices(string userId) => $"/_synapse/admin/v2/users/{MatrixTestClient.Enc(userId)}/devices";

    [Fact]
    public async Task List_devices_shows_last_seen_for_used_devices_and_nulls_for_unseen()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();
        var bot = await hs.LoginBotAsync("SEEN");
        Assert.Equal(200, (await hs.Client.GetAsync(Whoami, bot.AccessToken)).Code);
        Assert.Equal(201, (await hs.Client.PostAsync(Devices(hs.BotId), new JsonObject { ["device_id"] = "UNSEEN" }, admin.AccessToken)).Code);

        var response = await hs.Client.GetAsync(Devices(hs.BotId), admin.AccessToken);

        Assert.Equal(200, response.Code);
        Assert.Equal(2, response.Object["total"]!.GetValue<int>());
        var devices = response.Object["devices"]!.AsArray().Select(d => d!.AsObject()).ToDictionary(d => d["device_id"]!.GetValue<string>());
        var unseen = devices["UNSEEN"];
        Assert.Equal(hs.BotId, unseen["user_id"]!.GetValue<string>());
        foreach (var key in new[] { "display_name", "last_seen_ip", "last_seen_user_agent", "last_seen_ts" })
        {
            Assert.True(unseen.ContainsKey(key), key);
            Assert.Null(unseen[key]);
        }

        Assert.Equal(JsonValueKind.Number, devices["SEEN"]["last_seen_ts"]!.GetValueKind());
        Assert.Equal(JsonValueKind.String, devices["SEEN"]["last_seen_ip"]!.GetValueKind());
    }

    [Fact]
    public async Task Create_device_is_a_no_op_when_it_exists_and_keeps_its_tokens()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();
        var bot = await hs.LoginBotAsync("EXISTING");

        var again = await hs.Client.PostAsync(Devices(hs.BotId), new JsonObject { ["device_id"] = "EXISTING" }, admin.AccessToken);

        Assert.Equal(201, again.Code);
        Assert.Empty(again.Object);
        Assert.Equal(200, (await hs.Client.GetAsync(Whoami, bot.AccessToken)).Code);
        Assert.Equal(1, (await hs.Client.GetAsync(Devices(hs.BotId), admin.AccessToken)).Object["total"]!.GetValue<int>());

        var missing = await hs.Client.PostAsync(Devices(hs.BotId), new JsonObject(), admin.AccessToken);
        Assert.Equal(400, missing.Code);
        Assert.Equal("Missing device_id", missing.Str("error"));

        var notString = await hs.Client.PostAsync(Devices(hs.BotId), new JsonObject { ["device_id"] = 12 }, admin.AccessToken);
        Assert.Equal(400, notString.Code);
        Assert.Equal("device_id must be a string", notString.Str("error"));
        Assert.Equal(1, (await hs.Client.GetAsync(Devices(hs.BotId), admin.AccessToken)).Object["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task Get_put_and_delete_a_single_device()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();
        var bot = await hs.LoginBotAsync("ONE");
        var path = Devices(hs.BotId) + "/ONE";

        var renamed = await hs.Client.PutAsync(path, new JsonObject { ["display_name"] = "Phone" }, admin.AccessToken);
        Assert.Equal(200, renamed.Code);

        var read = await hs.Client.GetAsync(path, admin.AccessToken);
        Assert.Equal(200, read.Code);
        Assert.Equal("Phone", read.Str("display_name"));
        Assert.Equal("ONE", read.Str("device_id"));

        var deleted = await hs.Client.DeleteAsync(path, admin.AccessToken);
        Assert.Equal(200, deleted.Code);
        Assert.Equal(401, (await hs.Client.GetAsync(Whoami, bot.AccessToken)).Code);

        var gone = await hs.Client.GetAsync(path, admin.AccessToken);
        Assert.Equal(404, gone.Code);
        Assert.Equal("M_NOT_FOUND", gone.Errcode);

        var putUnknown = await hs.Client.PutAsync(path, new JsonObject { ["display_name"] = "x" }, admin.AccessToken);
        Assert.Equal(404, putUnknown.Code);

        var tooLong = await hs.Client.PutAsync(Devices(hs.AdminId) + "/" + admin.DeviceId, new JsonObject { ["display_name"] = new string('x', 101) }, admin.AccessToken);
        Assert.Equal(400, tooLong.Code);
        Assert.Equal("M_TOO_LARGE", tooLong.Errcode);
        Assert.Null((await hs.Client.GetAsync(Devices(hs.AdminId) + "/" + admin.DeviceId, admin.AccessToken)).Object["display_name"]);
    }

    [Fact]
    public async Task Delete_devices_removes_listed_devices_and_their_tokens_ignoring_unknown_ids()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();
        var keep = await hs.LoginBotAsync("KEEP");
        var drop = await hs.LoginBotAsync("DROP");

        var response = await hs.Client.PostAsync(Devices(hs.BotId).Replace("/devices", "/delete_devices", StringComparison.Ordinal), new JsonObject { ["devices"] = new JsonArray("DROP", "NOPE") }, admin.AccessToken);

        Assert.Equal(200, response.Code);
        Assert.Empty(response.Object);
        Assert.Equal(401, (await hs.Client.GetAsync(Whoami, drop.AccessToken)).Code);
        Assert.Equal(200, (await hs.Client.GetAsync(Whoami, keep.AccessToken)).Code);
        var list = await hs.Client.GetAsync(Devices(hs.BotId), admin.AccessToken);
        Assert.Equal(["KEEP"], list.Object["devices"]!.AsArray().Select(d => d!["device_id"]!.GetValue<string>()));

        var missing = await hs.Client.PostAsync(Devices(hs.BotId).Replace("/devices", "/delete_devices", StringComparison.Ordinal), new JsonObject(), admin.AccessToken);
        Assert.Equal(400, missing.Code);
        Assert.Equal("M_MISSING_PARAM", missing.Errcode);
    }

    [Fact]
    public async Task Device_endpoints_reject_unknown_remote_users_and_non_admins()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();
        var bot = await hs.LoginBotAsync("BOTDEV");

        var unknown = await hs.Client.GetAsync(Devices($"@ghost:{hs.ServerName}"), admin.AccessToken);
        Assert.Equal(404, unknown.Code);
        Assert.Equal("M_NOT_FOUND", unknown.Errcode);

        var remote = await hs.Client.GetAsync(Devices("@x:elsewhere.example"), admin.AccessToken);
        Assert.Equal(400, remote.Code);

        var forbidden = await hs.Client.DeleteAsync(Devices(hs.BotId) + "/BOTDEV", bot.AccessToken);
        Assert.Equal(403, forbidden.Code);
        Assert.Equal(200, (await hs.Client.GetAsync(Whoami, bot.AccessToken)).Code);
    }
}
