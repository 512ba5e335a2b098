using System.Text.Json.Nodes;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Homeserver.Tests.Support;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

/// <summary><c>/relations</c> and the bundled aggregations as Synapse serves them, on the current profile;
/// <see cref="RelationsTestsOnSynapse167"/> runs them on 1.67's.</summary>
[Trait("tier", "integration")]
public class RelationsTests : ProfiledTests
{
    private const string V3 = "/_matrix/client/v3";

    protected virtual bool Legacy => false;

    [Fact]
    public async Task Relations_list_newest_first_filtered_by_rel_type_and_event_type_and_paged()
    {
        await using var hs = await StartAsync();
        var (admin, bot, roomId) = await SharedRoomAsync(hs);
        var root = await SendAsync(hs, admin.Token, roomId, "m.room.message", new JsonObject { ["msgtype"] = "m.text", ["body"] = "root" });
        var t1 = await SendAsync(hs, bot.Token, roomId, "m.room.message", Thread(root, "one"));
        var reaction = await SendAsync(hs, bot.Token, roomId, "m.reaction", new JsonObject { ["m.relates_to"] = new JsonObject { ["rel_type"] = "m.annotation", ["event_id"] = root, ["key"] = "👍" } });
        var t2 = await SendAsync(hs, admin.Token, roomId, "m.room.message", Thread(root, "two"));
        await SendAsync(hs, bot.Token, roomId, "m.room.message", new JsonObject { ["body"] = "reply", ["m.relates_to"] = new JsonObject { ["m.in_reply_to"] = new JsonObject { ["event_id"] = root } } });

        var all = await hs.Client.GetAsync(Path(roomId, root), bot.Token);
        Assert.Equal(200, all.Code);
        Assert.Equal([t2, reaction, t1], Ids(all.Object)); // the reply is no relation
        Assert.Equal(Legacy, all.Object.ContainsKey("original_event"));
        Assert.Equal([t2, t1], Ids((await hs.Client.GetAsync(Path(roomId, root) + "/m.thread", bot.Token)).Object));
        Assert.Equal([reaction], Ids((await hs.Client.GetAsync(Path(roomId, root) + "/m.annotation/m.reaction", bot.Token)).Object));
        Assert.Empty(Ids((await hs.Client.GetAsync(Path(roomId, root) + "/m.annotation/m.room.message", bot.Token)).Object));

        var first = (await hs.Client.GetAsync(Path(roomId, root) + "?limit=2", bot.Token)).Object;
        Assert.Equal([t2, reaction], Ids(first));
        var next = first["next_batch"]!.GetValue<string>();
        var second = (await hs.Client.GetAsync(Path(roomId, root) + "?limit=2&from=" + next, bot.Token)).Object;
        Assert.Equal([t1], Ids(second));
        Assert.Equal((next, false), (second["prev_batch"]!.GetValue<string>(), second.ContainsKey("next_batch")));

        var forwards = await hs.Client.GetAsync(Path(roomId, root) + "?dir=f", bot.Token);
        Assert.Equal(Legacy ? [t2, reaction, t1] : [t1, reaction, t2], Ids(forwards.Object)); // 1.67 ignores dir
    }

    [Fact]
    public async Task A_thread_root_bundles_the_thread_summary_in_event_and_messages()
    {
        await using var hs = await StartAsync();
        var (admin, bot, roomId) = await SharedRoomAsync(hs);
        var root = await SendAsync(hs, admin.Token, roomId, "m.room.message", new JsonObject { ["msgtype"] = "m.text", ["body"] = "root" });
        await SendAsync(hs, admin.Token, roomId, "m.room.message", Thread(root, "one"));
        var latest = await SendAsync(hs, admin.Token, roomId, "m.room.message", Thread(root, "two"));

        foreach (var (token, participated) in new[] { (bot.Token, false), (admin.Token, true) })
        {
            var e = (await hs.Client.GetAsync($"{V3}/rooms/{Enc(roomId)}/event/{Enc(root)}", token)).Object;
            var thread = e["unsigned"]!["m.relations"]!["m.thread"]!;
            Assert.Equal((latest, 2, participated), (thread["latest_event"]!["event_id"]!.GetValue<string>(), thread["count"]!.GetValue<int>(), thread["current_user_participated"]!.GetValue<bool>()));
        }

        var messages = (await hs.Client.GetAsync($"{V3}/rooms/{Enc(roomId)}/messages?dir=b&limit=5", bot.Token)).Object;
        var bundled = messages["chunk"]!.AsArray().Single(e => e!["event_id"]!.GetValue<string>() == root)!;
        Assert.Equal(2, bundled["unsigned"]!["m.relations"]!["m.thread"]!["count"]!.GetValue<int>());
    }

    [Fact]
    public async Task An_edit_is_bundled_as_the_release_does_and_non_members_are_refused()
    {
        await using var hs = await TestHomeserver.StartAsync(o => o with
        {
            Compatibility = Profile,
            SyncResponseCacheDuration = TimeSpan.Zero,
            SeedUsers = [.. o.SeedUsers, new SeedUser("outsider", "outsider-pass", false)],
        });
        var (admin, _, roomId) = await SharedRoomAsync(hs);
        var original = await SendAsync(hs, admin.Token, roomId, "m.room.message", new JsonObject { ["msgtype"] = "m.text", ["body"] = "helo" });
        var edit = await SendAsync(hs, admin.Token, roomId, "m.room.message", new JsonObject
        {
            ["msgtype"] = "m.text",
            ["body"] = "* hello",
            ["m.new_content"] = new JsonObject { ["msgtype"] = "m.text", ["body"] = "hello" },
            ["m.relates_to"] = new JsonObject { ["rel_type"] = "m.replace", ["event_id"] = original },
        });

        var e = (await hs.Client.GetAsync($"{V3}/rooms/{Enc(roomId)}/event/{Enc(original)}", admin.Token)).Object;
        var replace = e["unsigned"]!["m.relations"]!["m.replace"]!.AsObject();
        Assert.Equal(edit, replace["event_id"]!.GetValue<string>());
        Assert.Equal(Legacy ? "hello" : "helo", e["content"]!["body"]!.GetValue<string>());
        Assert.Equal(Legacy ? ["event_id", "origin_server_ts", "sender"] : ["content", "event_id", "origin_server_ts", "room_id", "sender", "type", "unsigned"], replace.Select(p => p.Key).Order(StringComparer.Ordinal));

        var outsider = await hs.Client.LoginAsync("outsider", "outsider-pass");
        var refused = await hs.Client.GetAsync(Path(roomId, original), outsider.AccessToken);
        Assert.Equal((403, "M_FORBIDDEN"), (refused.Code, refused.Errcode));
        var unknown = await hs.Client.GetAsync(Path(roomId, "$nope"), admin.Token);
        Assert.Equal((404, "Unknown parent event."), (unknown.Code, unknown.Str("error")));
        Assert.Equal(Legacy ? 400 : 404, (await hs.Client.GetAsync($"{V3}/rooms/{Enc(roomId)}/relations/{Enc(original)}", admin.Token)).Code); // v1 only
    }

    private static string Path(string roomId, string eventId) => $"/_matrix/client/v1/rooms/{Enc(roomId)}/relations/{Enc(eventId)}";

    private static JsonObject Thread(string root, string body) => new()
    {
        ["msgtype"] = "m.text",
        ["body"] = body,
        ["m.relates_to"] = new JsonObject { ["rel_type"] = "m.thread", ["event_id"] = root },
    };

    private static List<string> Ids(JsonObject page) => [.. page["chunk"]!.AsArray().Select(e => e!["event_id"]!.GetValue<string>())];

    private static async Task<string> SendAsync(TestHomeserver hs, string token, string roomId, string type, JsonObject content)
    {
        var sent = await hs.Client.PutAsync($"{V3}/rooms/{Enc(roomId)}/send/{type}/{Guid.NewGuid():N}", content, token);
        Assert.Equal(200, sent.Code);
        return sent.Str("event_id");
    }
}

/// <summary><see cref="RelationsTests"/> on Synapse 1.67's profile.</summary>
public sealed class RelationsTestsOnSynapse167 : RelationsTests
{
    protected override Compatibility Profile => Compatibility.Synapse167;

    protected override bool Legacy => true;
}
