using System.Text.Json.Nodes;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

/// <summary>The unserved-request log (<c>/_solti/testing/v1/unserved</c>): every request answered <c>M_UNRECOGNIZED</c>,
/// by method and path template, so a test can fail on a client calling what the homeserver does not implement.</summary>
[Trait("tier", "integration")]
public sealed class UnservedRequestTests
{
    private const string Log = "/_solti/testing/v1/unserved";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Requests_the_homeserver_does_not_serve_are_listed_by_template(bool synapse167)
    {
        await using var hs = await TestHomeserver.StartAsync(o => synapse167 ? o with { Compatibility = Compatibility.Synapse167 } : o);
        var admin = await hs.LoginAdminAsync();
        var roomId = await hs.Client.CreateRoomAsync(admin.AccessToken);
        Assert.Equal(200, (await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", admin.AccessToken)).Code); // served: not listed
        foreach (var path in new[] { $"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/redact/$abc/m1.2", "/_matrix/client/v3/rooms/!other:localhost/redact/$def/m1.3" })
        {
            Assert.Equal(synapse167 ? 400 : 404, (await hs.Client.PutAsync(path, new JsonObject(), admin.AccessToken)).Code);
        }

        await hs.Client.PostAsync("/_matrix/client/v3/account/whoami", null, admin.AccessToken); // a known path, another method
        await hs.Client.GetAsync("/_matrix/client/v1/auth_metadata"); // registered only with MAS

        var log = await hs.Client.GetAsync(Log, admin.AccessToken);
        Assert.Equal(200, log.Code);
        var requests = log.Object["requests"]!.AsArray().Select(r => r!.AsObject()).ToList();
        Assert.Equal(
            [("GET", "/_matrix/client/v1/auth_metadata", 1L), ("POST", "/_matrix/client/v3/account/whoami", 1L), ("PUT", "/_matrix/client/v3/rooms/{roomId}/redact/{eventId}/{txnId}", 2L)],
            requests.Select(r => (r["method"]!.GetValue<string>(), r["template"]!.GetValue<string>(), r["count"]!.GetValue<long>())));
        Assert.Equal("/_matrix/client/v3/rooms/!other:localhost/redact/$def/m1.3", requests[2]["path"]!.GetValue<string>());
        Assert.Equal(synapse167 ? 400 : 405, requests[1]["status"]!.GetValue<int>());

        var bot = await hs.LoginBotAsync();
        Assert.Equal(403, (await hs.Client.GetAsync(Log, bot.AccessToken)).Code);
        Assert.Equal(200, (await hs.Client.DeleteAsync(Log, admin.AccessToken)).Code);
        Assert.Equal("""{"requests":[]}""", (await hs.Client.GetAsync(Log, admin.AccessToken)).Text);
    }
}
