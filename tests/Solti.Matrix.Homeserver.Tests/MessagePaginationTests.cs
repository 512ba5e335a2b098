using System.Text.Json.Nodes;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

/// <summary><c>/messages</c>: both directions, tokens, limits, filters and who may read.</summary>
[Trait("tier", "integration")]
public sealed class MessagePaginationTests
{
    [Fact]
    public async Task Twenty_five_events_page_backwards_and_forwards_without_gaps()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var bot = (await hs.LoginBotAsync()).AccessToken;
        var roomId = await hs.Client.CreateRoomAsync(bot);
        var room = MatrixTestClient.Enc(roomId);
        for (var i = 0; i < 25; i++)
        {
            await hs.Client.PutAsync($"/_matrix/client/v3/rooms/{room}/send/m.room.message/p{i}", new JsonObject { ["msgtype"] = "m.text", ["body"] = $"m{i}" }, bot);
        }

        var filter = MatrixTestClient.Enc("{\"types\":[\"m.room.message\"]}");
        var bodies = new List<string>();
        string? from = null;
        var pages = 0;
        do
        {
            var page = await hs.Client.GetAsync($"/_matrix/client/v3/rooms/{room}/messages?dir=b&limit=10&filter={filter}" + (from is null ? "" : "&from=" + from), bot);
            Assert.Equal(200, page.Code);
            Assert.True(page.Object.ContainsKey("start"));
            bodies.AddRange(page.Object["chunk"]!.AsArray().Select(e => e!["content"]!["body"]!.GetValue<string>()));
            from = page.Object["end"]?.GetValue<string>();
            pages++;
        }
        while (from is not null);

        Assert.Equal(4, pages); // 10, 10, 5, then an empty page without end: as Synapse, every page with events has an end
        Assert.Equal(Enumerable.Range(0, 25).Reverse().Select(i => $"m{i}"), bodies);

        var forward = await hs.Client.GetAsync($"/_matrix/client/v3/rooms/{room}/messages?dir=f&limit=3", bot);
        Assert.Equal(["m.room.create", "m.room.member", "m.room.power_levels"], forward.Object["chunk"]!.AsArray().Select(e => e!["type"]!.GetValue<string>()));
        var next = await hs.Client.GetAsync($"/_matrix/client/v3/rooms/{room}/messages?dir=f&limit=1&from={forward.Str("end")}", bot);
        Assert.Equal("m.room.join_rules", next.Object["chunk"]![0]!["type"]!.GetValue<string>());
        Assert.Equal(400, (await hs.Client.GetAsync($"/_matrix/client/v3/rooms/{room}/messages?dir=x", bot)).Code);
        Assert.Equal(400, (await hs.Client.GetAsync($"/_matrix/client/v3/rooms/{room}/messages?from=bogus", bot)).Code);
    }

    [Fact]
    public async Task Only_members_may_read_the_timeline()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var owner = (await hs.LoginAdminAsync()).AccessToken;
        var bot = (await hs.LoginBotAsync()).AccessToken;
        var roomId = await hs.Client.CreateRoomAsync(owner);

        var denied = await hs.Client.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/messages", bot);
        Assert.Equal((403, "M_FORBIDDEN"), (denied.Code, denied.Errcode));
        var unknown = await hs.Client.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc("!nope:localhost")}/messages", bot);
        Assert.Equal(404, unknown.Code);
    }
}
