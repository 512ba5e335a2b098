using System.Text.Json.Nodes;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

[Trait("tier", "integration")]
public sealed class ClientAuthTests
{
    [Fact]
    public async Task Login_with_device_id_reuses_the_device_and_invalidates_its_older_tokens()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var first = await hs.LoginBotAsync("STABLE1");
        var second = await hs.LoginBotAsync("STABLE1");

        Assert.Equal("STABLE1", second.DeviceId);
        var old = await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", first.AccessToken);
        Assert.Equal(401, old.Code);
        Assert.Equal("M_UNKNOWN_TOKEN", old.Errcode);
        Assert.False(old.Object["soft_logout"]!.GetValue<bool>());

        var whoami = await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", second.AccessToken);
        Assert.Equal(200, whoami.Code);
        Assert.Equal("STABLE1", whoami.Str("device_id"));

        var admin = await hs.LoginAdminAsync();
        var devices = await hs.Client.GetAsync($"/_synapse/admin/v2/users/{MatrixTestClient.Enc(hs.BotId)}/devices", admin.AccessToken);
        Assert.Equal(200, devices.Code);
        Assert.Equal(1, devices.Object["total"]!.GetValue<int>());
    }
}
