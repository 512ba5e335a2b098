using System.Text.Json.Nodes;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

/// <summary>The admin device API: list, create, get, rename, delete, bulk delete.</summary>
[Trait("tier", "integration")]
public sealed class DeviceAdministrationTests
{
    [Fact]
    public async Task Devices_are_created_listed_renamed_and_deleted_with_their_tokens()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();
        var bot = await hs.LoginBotAsync("LIVE");
        Assert.Equal(200, (await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", bot.AccessToken)).Code); // "seen" needs an authenticated request
        var path = $"/_synapse/admin/v2/users/{MatrixTestClient.Enc(hs.BotId)}/devices";

        Assert.Equal(201, (await hs.Client.PostAsync(path, new JsonObject { ["device_id"] = "SPARE" }, admin.AccessToken)).Code);
        Assert.Equal(201, (await hs.Client.PostAsync(path, new JsonObject { ["device_id"] = "SPARE" }, admin.AccessToken)).Code);
        var missingId = await hs.Client.PostAsync(path, new JsonObject(), admin.AccessToken);
        Assert.Equal(400, missingId.Code);

        var list = await hs.Client.GetAsync(path, admin.AccessToken);
        Assert.Equal(2, list.Object["total"]!.GetValue<int>());
        var live = list.Object["devices"]!.AsArray().Single(d => d!["device_id"]!.GetValue<string>() == "LIVE")!;
        Assert.Equal("solti-tests/1.0", live["last_seen_user_agent"]!.GetValue<string>());
        Assert.Equal("127.0.0.1", live["last_seen_ip"]!.GetValue<string>());
        var spare = list.Object["devices"]!.AsArray().Single(d => d!["device_id"]!.GetValue<string>() == "SPARE")!;
        Assert.Null(spare["last_seen_ts"]);

        Assert.Equal(200, (await hs.Client.PutAsync(path + "/SPARE", new JsonObject { ["display_name"] = "spare one" }, admin.AccessToken)).Code);
        Assert.Equal("spare one", (await hs.Client.GetAsync(path + "/SPARE", admin.AccessToken)).Str("display_name"));
        Assert.Equal(404, (await hs.Client.GetAsync(path + "/NOPE", admin.AccessToken)).Code);

        Assert.Equal(200, (await hs.Client.DeleteAsync(path + "/LIVE", admin.AccessToken)).Code);
        Assert.Equal(401, (await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", bot.AccessToken)).Code);
        Assert.Equal(1, (await hs.Client.GetAsync(path, admin.AccessToken)).Object["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task Bulk_delete_removes_the_listed_devices_and_ignores_unknown_ones()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();
        var path = $"/_synapse/admin/v2/users/{MatrixTestClient.Enc(hs.BotId)}";
        foreach (var id in new[] { "A", "B", "C" })
        {
            await hs.Client.PostAsync(path + "/devices", new JsonObject { ["device_id"] = id }, admin.AccessToken);
        }

        var keep = await hs.LoginBotAsync("KEEP");
        var delete = await hs.Client.PostAsync(path + "/delete_devices", new JsonObject { ["devices"] = new JsonArray("A", "B", "C", "UNKNOWN") }, admin.AccessToken);
        Assert.Equal(200, delete.Code);
        Assert.Equal("{}", delete.Text);

        var list = await hs.Client.GetAsync(path + "/devices", admin.AccessToken);
        Assert.Equal(["KEEP"], list.Object["devices"]!.AsArray().Select(d => d!["device_id"]!.GetValue<string>()));
        Assert.Equal(200, (await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", keep.AccessToken)).Code);

        var bad = await hs.Client.PostAsync(path + "/delete_devices", new JsonObject { ["devices"] = "A" }, admin.AccessToken);
        Assert.Equal(400, bad.Code);
        var unknownUser = await hs.Client.GetAsync($"/_synapse/admin/v2/users/{MatrixTestClient.Enc("@ghost:localhost")}/devices", admin.AccessToken);
        Assert.Equal((404, "M_NOT_FOUND"), (unknownUser.Code, unknownUser.Errcode));
        var remote = await hs.Client.GetAsync($"/_synapse/admin/v2/users/{MatrixTestClient.Enc("@x:elsewhere.org")}/devices", admin.AccessToken);
        Assert.Equal(400, remote.Code);
    }
}
