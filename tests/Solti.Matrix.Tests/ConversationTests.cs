using System.Text.Json.Nodes;
using Solti.Matrix.Events;
using Solti.Matrix.Outbox;
using Solti.Matrix.Sending;
using Solti.Matrix.Tests.Support;

namespace Solti.Matrix.Tests;

/// <summary>Conversations: events with one correlation id in one thread, relations by event id or correlation id,
/// resolved at delivery when the first event is still in the outbox, and posted on their own (saying so) when it went
/// dead. Sent through <see cref="SpooledSend"/> and <see cref="OutboxDelivery"/> to the homeserver over HTTP.</summary>
[Trait("tier", "integration")]
public sealed class ConversationTests
{
    private static readonly SchemaRegistry Schemas = SchemaRegistry.Load(null);

    [Fact]
    public async Task A_deploys_start_and_complete_are_one_thread_even_when_the_start_is_still_in_the_outbox()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("CONV");
        var (roomId, _) = await h.BotRoomAsync(bot.AccessToken);
        using var state = new TempDirectory("solti-conv-");
        var outbox = Path.Combine(state, "outbox.db");
        using var client = h.Bot(bot.AccessToken);
        var links = new ConversationLinks(Conversation.Correlation("deploy-42"));

        // The start is queued (the relay's way), the complete sent at once: it must wait behind its root.
        var start = await SpooledSend.SendAsync(client, () => new OutboxStore(outbox), roomId, "m.room.message", Deploy("deploy.start.v1"), null, "always", default, links: links);
        Assert.True(start["queued"]!.GetValue<bool>());
        await Assert.ThrowsAsync<ConversationException>(() => SpooledSend.SendAsync(client, () => new OutboxStore(outbox), roomId, "m.room.message", Deploy("deploy.complete.v1"), null, "never", default, links: links));
        var complete = await SpooledSend.SendAsync(client, () => new OutboxStore(outbox), roomId, "m.room.message", Deploy("deploy.complete.v1"), null, "on_failure", default, links: links);
        Assert.True(complete["queued"]!.GetValue<bool>());
        Assert.StartsWith("the event it relates to is still in the outbox", complete["queued_because"]!.GetValue<string>(), StringComparison.Ordinal);

        using (var store = new OutboxStore(outbox))
        {
            await DrainAsync(store, client);
        }

        // A third event of the same deploy, sent directly now that the root's event id is known.
        var retry = await SpooledSend.SendAsync(client, () => new OutboxStore(outbox), roomId, "m.room.message", Deploy("deploy.complete.v1"), null, "never", default, links: links);
        Assert.False(retry["queued"]!.GetValue<bool>());

        var messages = await h.MessagesAsync(roomId, bot.AccessToken);
        Assert.Equal(3, messages.Count);
        var root = messages[0]["event_id"]!.GetValue<string>();
        Assert.Equal("deploy-42", messages[0]["content"]!["solti"]!["correlation_id"]!.GetValue<string>());
        Assert.Null(messages[0]["content"]!["m.relates_to"]);
        AlertIntakeTests.AssertInThread(messages[1], root);
        AlertIntakeTests.AssertInThread(messages[2], root);
        Assert.Equal(root, retry["relates_to"]!["event_id"]!.GetValue<string>());

        // A consumer sees the conversation: each line names its correlation id and its thread's root.
        var tail = await CliRunner.RunAsync(["events", "tail", roomId, "--output", "json"], h.CliEnvironment(bot.AccessToken, state));
        Assert.True(tail.ExitCode == 0, tail.ToString());
        var lines = tail.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(["deploy-42", "deploy-42", "deploy-42"], lines.Select(l => l["correlation_id"]!.GetValue<string>()));
        Assert.Equal([null, root, root], lines.Select(l => l["thread_root"]?.GetValue<string>()));
    }

    [Fact]
    public async Task Relations_by_event_or_correlation_id_and_a_dead_root_makes_the_rest_go_alone_saying_so()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("CONV");
        var (roomId, _) = await h.BotRoomAsync(bot.AccessToken);
        var closed = await h.Raw.CreateRoomAsync(h.Admin.AccessToken, new JsonObject { ["name"] = "not for the bot" });
        using var state = new TempDirectory("solti-conv-");
        var outbox = Path.Combine(state, "outbox.db");
        using var client = h.Bot(bot.AccessToken);
        OutboxStore Open() => new(outbox);

        var first = await SpooledSend.SendAsync(client, Open, roomId, "m.room.message", Text("v1"), null, "never", default, links: new(Conversation.Correlation("note")));
        var firstId = first["event_id"]!.GetValue<string>();
        await SpooledSend.SendAsync(client, Open, roomId, "m.room.message", Text("v2"), null, "never", default, links: new(null, Conversation.Target(RelationKind.Replace, "note")));
        await SpooledSend.SendAsync(client, Open, roomId, "m.room.message", Text("answer"), null, "never", default, links: new(null, Conversation.Target(RelationKind.Reply, firstId)));
        var unknown = await Assert.ThrowsAsync<ConversationException>(() => SpooledSend.SendAsync(client, Open, roomId, "m.room.message", Text("x"), null, "always", default, links: new(null, Conversation.Target(RelationKind.Thread, "never-seen"))));
        Assert.Equal("thread_root", unknown.Parameter);
        Assert.Contains("correlation id 'never-seen'", unknown.Message, StringComparison.Ordinal);

        var messages = await h.MessagesAsync(roomId, bot.AccessToken);
        Assert.Equal(3, messages.Count);
        AlertIntakeTests.AssertEdits(messages[1], firstId);
        Assert.Equal("v2", messages[1]["content"]!["m.new_content"]!["body"]!.GetValue<string>());
        Assert.Equal(firstId, messages[2]["content"]!["m.relates_to"]!["m.in_reply_to"]!["event_id"]!.GetValue<string>());

        // The root of a conversation in a room the bot may not post to goes dead; what follows it is posted on its own.
        await SpooledSend.SendAsync(client, Open, closed, "m.room.message", Text("root"), null, "always", default, links: new(Conversation.Correlation("lost")));
        await SpooledSend.SendAsync(client, Open, closed, "m.room.message", Text("after"), null, "always", default, links: new(Conversation.Correlation("lost")));
        using (var store = Open())
        {
            await DrainAsync(store, client);
            var dead = store.Dead(10);
            Assert.Equal(2, dead.Count); // the room refuses both; the second went without its relation
            var later = await SpooledSend.SendAsync(client, Open, roomId, "m.room.message", Text("elsewhere"), null, "never", default, links: new(Conversation.Correlation("note")));
            Assert.Null(later["relation_lost"]);
        }
    }

    [Fact]
    public void A_relation_is_lost_with_a_note_when_its_root_went_dead()
    {
        using var state = new TempDirectory("solti-conv-");
        using var store = new OutboxStore(Path.Combine(state, "outbox.db"));
        var item = new OutboxItem("http://hs.test", "@bot:hs.test", "!r:hs.test", "m.room.message", Text("root"), "t-root") { Correlation = Conversation.Correlation("c") };
        var rootId = store.Enqueue(item);
        var reply = store.Enqueue(item with { Content = Text("reply"), TransactionId = "t-reply" });
        Assert.Equal(RelationTarget.ToKey(RelationKind.Thread, "corr:c"), store.Pending("http://hs.test", 10).Single(e => e.Id == reply).Relation);
        Assert.Equal(rootId, store.Resolve("http://hs.test", "!r:hs.test", RelationTarget.ToKey(RelationKind.Thread, "corr:c"), "@bot:hs.test").WaitingFor);

        store.MarkDead(rootId, "HTTP 403 M_FORBIDDEN: not in room");
        var resolved = store.Resolve("http://hs.test", "!r:hs.test", RelationTarget.ToKey(RelationKind.Thread, "corr:c"), "@bot:hs.test");
        Assert.Null(resolved.EventId);
        var content = resolved.Apply(Text("reply"), RelationTarget.ToKey(RelationKind.Thread, "corr:c"));
        Assert.Null(content["m.relates_to"]);
        Assert.Equal("reply\n(not threaded: its target was refused by the homeserver (HTTP 403 M_FORBIDDEN: not in room))", content["body"]!.GetValue<string>());
        Assert.Equal("thread_root", content["com.solti.relation_lost"]!["rel"]!.GetValue<string>());

        // An edit must come from the message's own sender.
        var other = Assert.Throws<ConversationException>(() => store.Check("http://hs.test", "!r:hs.test", RelationTarget.ToKey(RelationKind.Replace, "corr:c"), "@other:hs.test"));
        Assert.Equal("replaces", other.Parameter);
        Assert.Contains("only its sender may edit it", other.Message, StringComparison.Ordinal);

        // Purging the delivered root keeps its event id in the map.
        var kept = store.Enqueue(item with { Room = "!k:hs.test", TransactionId = "t-kept" });
        store.MarkDelivered([(kept, "$kept")]);
        store.Purge(includeDead: true, TimeSpan.Zero);
        Assert.Equal("$kept", store.FindConversation("http://hs.test", "!k:hs.test", "corr:c")!.EventId);
    }

    private static JsonObject Deploy(string schema) =>
        SoltiEvent.Build(Schemas, schema, schema == "deploy.start.v1"
            ? new JsonObject { ["service"] = "web", ["host"] = "web1", ["playbook"] = "deploy.yml", ["operator"] = "ci" }
            : new JsonObject { ["service"] = "web", ["host"] = "web1", ["playbook"] = "deploy.yml", ["operator"] = "ci", ["duration"] = 42, ["status"] = "success" }, "ci", correlationId: "deploy-42");

    private static JsonObject Text(string body) => new() { ["msgtype"] = "m.text", ["body"] = body };

    private static async Task DrainAsync(OutboxStore store, MatrixClient client)
    {
        var delivery = new OutboxDelivery(store, client);
        for (var round = 0; round < 50 && store.Stats().Pending > 0; round++)
        {
            var (_, _, retryAt) = await delivery.DeliverPendingAsync(default);
            if (retryAt is { } at && at > DateTimeOffset.UtcNow)
            {
                await Task.Delay(at - DateTimeOffset.UtcNow);
            }
        }

        Assert.Equal(0, store.Stats().Pending);
    }
}
