using System.Text.Json.Nodes;
using Solti.Matrix.Encryption;
using Solti.Matrix.Media;
using Solti.Matrix.Outbox;
using Solti.Matrix.Sending;
using Solti.Matrix.Testing;
using Solti.Matrix.Tests.Support;

namespace Solti.Matrix.Tests;

/// <summary>Attachments that wait in the outbox with their event: private files beside it, delivered in the event's
/// thread (its root's when the event is a thread reply), byte-identical, encrypted in an encrypted room (judged by the
/// js peer), the files deleted once delivered.</summary>
[Trait("tier", "integration")]
public sealed class QueuedAttachmentTests
{
    [Fact]
    public async Task A_queued_events_attachments_wait_as_private_files_and_arrive_in_its_thread_byte_identical()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("FILES");
        var (roomId, _) = await h.BotRoomAsync(bot.AccessToken);
        using var state = new TempDirectory("solti-files-");
        var outbox = Path.Combine(state, "outbox", "outbox.db");
        var log = Path.Combine(state, "deploy.log");
        var bytes = new byte[70_001];
        new Random(3).NextBytes(bytes);
        await File.WriteAllBytesAsync(log, bytes);
        using var client = h.Bot(bot.AccessToken);
        OutboxStore Open() => new(outbox);
        var correlation = new ConversationLinks(Conversation.Correlation("deploy-9"));

        await SpooledSend.SendAsync(client, Open, roomId, "m.room.message", Text("deploy 9 started"), null, "always", default, links: correlation);
        var queued = await SpooledSend.SendAsync(client, Open, roomId, "m.room.message", Text("deploy 9 failed"), null, "always", default, links: correlation,
            attachments: [Attachment.FromFile(log), Attachment.FromContent("line 1\nline 2\n", "tail.txt")]);

        // Kept beside the outbox, private, until delivered; the results name each.
        var kept = Directory.GetFiles(Path.Combine(state, "outbox", "attachments"));
        Assert.Equal(2, kept.Length);
        Assert.All(kept, f => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f)));
        Assert.Equal(["deploy.log", "tail.txt"], queued["attachments"]!.AsArray().Select(a => a!["name"]!.GetValue<string>()));

        using (var store = Open())
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

            Assert.Equal((0L, 0L), (store.Stats().Pending, store.Stats().Dead));
        }

        Assert.Empty(Directory.GetFiles(Path.Combine(state, "outbox", "attachments")));
        var messages = await h.MessagesAsync(roomId, bot.AccessToken);
        Assert.Equal(["deploy 9 started", "deploy 9 failed", "deploy.log", "tail.txt"], messages.Select(m => m["content"]!["body"]!.GetValue<string>()));
        var root = messages[0]["event_id"]!.GetValue<string>();
        Assert.All(messages.Skip(1), m => AlertIntakeTests.AssertInThread(m, root)); // one thread: the reply's attachments in its root's
        Assert.Equal(("m.file", "text/plain"), (messages[3]["content"]!["msgtype"]!.GetValue<string>(), messages[3]["content"]!["info"]!["mimetype"]!.GetValue<string>()));
        Assert.Equal(bytes, await client.Media.DownloadAsync(messages[2]["content"]!["url"]!.GetValue<string>()));
        Assert.Equal("line 1\nline 2\n"u8.ToArray(), await client.Media.DownloadAsync(messages[3]["content"]!["url"]!.GetValue<string>()));
    }

    [Fact]
    public async Task In_an_encrypted_room_a_queued_attachment_is_encrypted_at_delivery_and_js_sdk_decrypts_event_and_file()
    {
        await using var h = await LibraryHarness.StartAsync(E2eeJudge.WithAlice);
        using var bot = h.Bot(deviceId: "FILES02");
        await using var alice = await E2eeJudge.AliceAsync(h.Hs.Server.BaseAddress);
        var roomId = await alice.CreateRoomAsync(encrypted: true, invite: [h.Hs.BotId], name: "ops");
        await bot.JoinAsync(roomId);
        await alice.WaitRoomAsync(roomId, "join");
        using var state = new TempDirectory("solti-files-");
        OutboxStore Open() => new(Path.Combine(state, "outbox.db"));
        var secret = "db-07 backup failed: disk full\n"u8.ToArray();

        await SpooledSend.SendAsync(bot, Open, roomId, "m.room.message", Text("backup failed"), null, "always", default, EncryptionMode.Required,
            attachments: [Attachment.FromContent(secret, "backup.log")]);
        using (var store = Open())
        {
            var delivery = new OutboxDelivery(store, bot);
            for (var round = 0; round < 50 && store.Stats().Pending > 0; round++)
            {
                await delivery.DeliverPendingAsync(default);
            }

            Assert.Equal(0, store.Stats().Pending);
        }

        var messages = await E2eeJudge.DecryptedFromAsync(alice, roomId, h.Hs.BotId, "FILES02", 2);
        Assert.Equal("backup failed", messages[0].Body);
        var file = messages[1].Content!["file"]!.AsObject();
        Assert.Equal(secret, await alice.DownloadAttachmentAsync(file));
        Assert.Null(messages[1].Content!["url"]);
    }

    private static JsonObject Text(string body) => new() { ["msgtype"] = "m.text", ["body"] = body };
}
