using System.Text.Json.Nodes;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

/// <summary>Room directory visibility (<c>/directory/list/room/{roomId}</c>) as Synapse answers it, and the testing API's <c>writes</c> and <c>in_flight</c> counters.</summary>
[Trait("tier", "integration")]
public sealed class RoomDirectoryListTests
{
    private static string ListPath(string roomId) => "/_matrix/client/v3/directory/list/room/" + MatrixTestClient.Enc(roomId);

    [Fact]
    public async Task Visibility_is_read_without_auth_and_changed_by_admins_or_moderators()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = (await hs.LoginAdminAsync()).AccessToken;
        var bot = (await hs.LoginBotAsync()).AccessToken;
        var roomId = await hs.Client.CreateRoomAsync(bot, new JsonObject { ["preset"] = "public_chat", ["visibility"] = "public" });
        var read = await hs.Client.GetAsync(ListPath(roomId));
        Assert.Equal(200, read.Code);
        Assert.Equal("public", read.Object["visibility"]!.GetValue<string>());

        Assert.Equal(200, (await hs.Client.PutAsync(ListPath(roomId), new JsonObject { ["visibility"] = "private" }, bot)).Code);
        Assert.Equal("private", (await hs.Client.GetAsync(ListPath(roomId))).Object["visibility"]!.GetValue<string>());
        Assert.False((await hs.Client.GetAsync("/_synapse/admin/v1/rooms/" + MatrixTestClient.Enc(roomId), admin)).Object["public"]!.GetValue<bool>());

        // A server admin who is not in the room may change it; a body without visibility means public (as Synapse).
        Assert.Equal(200, (await hs.Client.PutAsync(ListPath(roomId), new JsonObject(), admin)).Code);
        Assert.Equal("public", (await hs.Client.GetAsync(ListPath(roomId))).Object["visibility"]!.GetValue<string>());

        // A joined member without the power to set the canonical alias may not; a non-member neither.
        await hs.Client.PutAsync("/_synapse/admin/v2/users/" + MatrixTestClient.Enc("@dave:localhost"), new JsonObject { ["password"] = "dave-pass" }, admin);
        var dave = (await hs.Client.LoginAsync("dave", "dave-pass")).AccessToken;
        var outsider = await hs.Client.PutAsync(ListPath(roomId), new JsonObject { ["visibility"] = "private" }, dave);
        Assert.Equal((403, "M_FORBIDDEN"), (outsider.Code, outsider.Object["errcode"]!.GetValue<string>()));
        await hs.Client.PostAsync("/_matrix/client/v3/join/" + MatrixTestClient.Enc(roomId), null, dave);
        var member = await hs.Client.PutAsync(ListPath(roomId), new JsonObject { ["visibility"] = "private" }, dave);
        Assert.Equal(403, member.Code);
        Assert.Contains("moderator", member.Object["error"]!.GetValue<string>(), StringComparison.Ordinal);

        var bad = await hs.Client.PutAsync(ListPath(roomId), new JsonObject { ["visibility"] = "hidden" }, bot);
        Assert.Equal((400, "M_UNKNOWN"), (bad.Code, bad.Object["errcode"]!.GetValue<string>()));
        Assert.Equal(404, (await hs.Client.GetAsync(ListPath("!nope:localhost"))).Code);
        Assert.Equal(400, (await hs.Client.PutAsync(ListPath("!nope:localhost"), new JsonObject { ["visibility"] = "public" }, admin)).Code);
        Assert.Equal(401, (await hs.Client.PutAsync(ListPath(roomId), new JsonObject { ["visibility"] = "public" })).Code);
    }

    [Fact]
    public async Task The_in_flight_counter_counts_requests_being_served_until_they_end()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = (await hs.LoginAdminAsync()).AccessToken;
        await hs.Client.PostAsync("/_solti/testing/v1/faults", new JsonObject { ["endpoint"] = "whoami", ["delay_ms"] = 600_000, ["count"] = 1 }, admin);
        using var raw = new HttpClient { BaseAddress = hs.Client.BaseAddress };
        using var abandon = new CancellationTokenSource();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/_matrix/client/v3/account/whoami");
        request.Headers.Authorization = new("Bearer", admin);
        var slow = raw.SendAsync(request, abandon.Token);

        Assert.True(await InFlightBecomesAsync(hs, admin, 1), "the held request was never counted");
        await abandon.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => slow);
        Assert.True(await InFlightBecomesAsync(hs, admin, 0), "the abandoned request was never finished");
    }

    /// <summary>Polls the counter until it reads <paramref name="expected"/>; false after the one test timeout.</summary>
    private static async Task<bool> InFlightBecomesAsync(TestHomeserver hs, string admin, long expected)
    {
        using var bound = new CancellationTokenSource(ProcessRunner.DefaultTimeout);
        while ((await hs.Client.GetAsync("/_solti/testing/v1/counters", admin)).Object["in_flight"]!.GetValue<long>() != expected)
        {
            if (bound.IsCancellationRequested)
            {
                return false;
            }

            await Task.Delay(20, CancellationToken.None);
        }

        return true;
    }

    [Fact]
    public async Task The_writes_counter_counts_requests_that_may_change_state_only()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = (await hs.LoginAdminAsync()).AccessToken;
        await hs.Client.DeleteAsync("/_solti/testing/v1/counters", admin);
        await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", admin);
        await hs.Client.GetAsync("/_synapse/admin/v2/users", admin);
        Assert.Equal(0, (await hs.Client.GetAsync("/_solti/testing/v1/counters", admin)).Object["writes"]!.GetValue<long>());
        var roomId = await hs.Client.CreateRoomAsync(admin);
        await hs.Client.PutAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/state/m.room.topic/", new JsonObject { ["topic"] = "x" }, admin);
        await hs.Client.PostAsync("/_solti/testing/v1/faults", new JsonObject { ["endpoint"] = "login", ["status"] = 503, ["count"] = 0 }, admin);
        var counters = (await hs.Client.GetAsync("/_solti/testing/v1/counters", admin)).Object;
        Assert.Equal(2, counters["writes"]!.GetValue<long>());
        await hs.Client.DeleteAsync("/_solti/testing/v1/counters", admin);
        Assert.Equal(0, (await hs.Client.GetAsync("/_solti/testing/v1/counters", admin)).Object["writes"]!.GetValue<long>());
    }
}
