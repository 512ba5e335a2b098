using System.Text.Json.Nodes;
using Solti.Matrix.Encryption;
using Solti.Matrix.Errors;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Media;
using Solti.Matrix.Testing;
using Solti.Matrix.Tests.Support;

namespace Solti.Matrix.Tests;

/// <summary>The client's media (<see cref="MediaRepository"/>) and attachments (<see cref="MatrixClient.SendAttachmentAsync"/>)
/// against our homeserver on both of its profiles: an upload downloads byte-identical, the size limit comes from the
/// media config (the legacy endpoint where the authenticated one is not served) and is asked once per client, a file
/// over it fails naming it and both sizes before any upload; in a plaintext room an attachment is an <c>m.file</c>
/// with <c>url</c>; in an encrypted room js-sdk decrypts the event, and the peer itself downloads the file and decrypts it
/// with Web Crypto (our code never judges its own ciphertext), while the homeserver holds neither the name nor the bytes.</summary>
[Trait("tier", "integration")]
public sealed class MediaTests
{
    private static Task<LibraryHarness> StartAsync(bool synapse167 = false, long? maxUpload = null) => LibraryHarness.StartAsync(o => E2eeJudge.WithAlice(o) with
    {
        Compatibility = synapse167 ? Compatibility.Synapse167 : o.Compatibility,
        MaxUploadSize = maxUpload ?? o.MaxUploadSize,
    });

    /// <summary>Bytes that are not text and not all alike, with a length that is not a whole number of AES blocks.</summary>
    private static byte[] Payload(int length, int seed = 7)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_upload_downloads_byte_identical_and_the_limit_is_read_from_the_media_config_once_per_client(bool synapse167)
    {
        await using var h = await StartAsync(synapse167);
        using var bot = h.Bot(deviceId: "MEDIA01");
        var bytes = Payload(3 * 1024 * 1024 + 5);

        var limit = await bot.Media.UploadLimitAsync();
        var url = await bot.Media.UploadAsync(() => new MemoryStream(bytes), bytes.Length, "application/x-tar", "backup.tar");
        var back = await bot.Media.DownloadAsync(url);

        Assert.Equal(50L * 1024 * 1024, limit);
        Assert.StartsWith($"mxc://{h.Hs.ServerName}/", url, StringComparison.Ordinal);
        Assert.Equal(bytes, back);
        Assert.Equal(limit, await bot.Media.UploadLimitAsync()); // cached: asked once
        // 1.67 serves no authenticated media: the legacy config and download answered there.
        Assert.Equal(synapse167 ? (1, 1) : (1, 0), (await h.CounterAsync("media.v1.config"), await h.CounterAsync("media.config")));
        Assert.Equal(synapse167 ? (1, 1) : (1, 0), (await h.CounterAsync("media.v1.download"), await h.CounterAsync("media.download")));
        Assert.Equal(1, await h.CounterAsync("media.upload"));
    }

    [Fact]
    public async Task An_attachment_over_the_limit_fails_naming_it_and_both_sizes_and_nothing_is_uploaded_or_sent()
    {
        await using var h = await StartAsync(maxUpload: 1000);
        using var bot = h.Bot(deviceId: "MEDIA02");
        var setup = (await h.Hs.LoginBotAsync("SETUP")).AccessToken;
        var (roomId, _) = await h.BotRoomAsync(setup, "too-large");

        var refused = await Assert.ThrowsAsync<MatrixException>(() => bot.SendAttachmentAsync(roomId, Attachment.FromContent(Payload(1001), "core.dump", "application/octet-stream"), null, null, EncryptionMode.Auto));

        Assert.Equal((413, "M_TOO_LARGE", FailureKind.Final), (refused.Status, refused.Errcode, refused.Kind));
        Assert.Contains("the attachment core.dump is 1,001 bytes, over the homeserver's upload limit of 1,000 bytes", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, await h.CounterAsync("media.upload"));
        Assert.Empty(await h.MessagesAsync(roomId, setup));

        // At the limit it goes.
        var sent = await bot.SendAttachmentAsync(roomId, Attachment.FromContent(Payload(1000), "small.dump", "application/octet-stream"), null, null, EncryptionMode.Auto);
        Assert.Equal(1000, sent.Size);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_attachment_in_a_plaintext_room_is_an_m_file_with_url_and_info_and_an_image_is_an_m_image(bool synapse167)
    {
        await using var h = await StartAsync(synapse167);
        using var bot = h.Bot(deviceId: "MEDIA03");
        var setup = (await h.Hs.LoginBotAsync("SETUP")).AccessToken;
        var (roomId, alias) = await h.BotRoomAsync(setup, "plain-files");
        var root = await bot.SendEventAsync(roomId, "m.room.message", new JsonObject { ["msgtype"] = "m.text", ["body"] = "nightly report" });
        using var dir = new TempDirectory("solti-media-");
        var report = Path.Combine(dir, "report.csv");
        await File.WriteAllTextAsync(report, "host,status\nweb-01,ok\n");
        var png = Payload(2000, seed: 3);

        var file = await bot.SendAttachmentAsync(alias, Attachment.FromFile(report), AttachmentContent.InThreadOf(root.EventId), "txn-report-1", EncryptionMode.Auto);
        var image = await bot.SendAttachmentAsync(roomId, Attachment.FromContent(png, "graph.png", "image/png"), null, null, EncryptionMode.Auto);

        Assert.False(file.FileEncrypted || file.Event.Encrypted);
        Assert.Equal("txn-report-1", file.Event.TransactionId);
        var messages = await h.MessagesAsync(roomId, setup);
        var fileEvent = Assert.Single(messages, m => m["event_id"]!.GetValue<string>() == file.Event.EventId)["content"]!.AsObject();
        Assert.Equal(("m.file", "report.csv", "report.csv", "text/csv", 22L), (Str(fileEvent, "msgtype"), Str(fileEvent, "body"), Str(fileEvent, "filename"), Str(fileEvent["info"], "mimetype"), fileEvent["info"]!["size"]!.GetValue<long>()));
        Assert.Equal(file.ContentUri, Str(fileEvent, "url"));
        Assert.Null(fileEvent["file"]);
        Assert.Equal(("m.thread", root.EventId, true, root.EventId), (Str(fileEvent["m.relates_to"], "rel_type"), Str(fileEvent["m.relates_to"], "event_id"), fileEvent["m.relates_to"]!["is_falling_back"]!.GetValue<bool>(), Str(fileEvent["m.relates_to"]!["m.in_reply_to"], "event_id")));
        Assert.Equal(await File.ReadAllBytesAsync(report), await bot.Media.DownloadAsync(file.ContentUri));

        var imageEvent = Assert.Single(messages, m => m["event_id"]!.GetValue<string>() == image.Event.EventId)["content"]!.AsObject();
        Assert.Equal(("m.image", "image/png", "m.image"), (Str(imageEvent, "msgtype"), Str(imageEvent["info"], "mimetype"), image.MsgType));
        Assert.Null(imageEvent["m.relates_to"]);
        Assert.Equal(png, await bot.Media.DownloadAsync(image.ContentUri));
    }

    [Fact]
    public async Task Encryption_required_refuses_a_plaintext_room_before_anything_is_uploaded()
    {
        await using var h = await StartAsync();
        using var bot = h.Bot(deviceId: "MEDIA04");
        var setup = (await h.Hs.LoginBotAsync("SETUP")).AccessToken;
        var (roomId, _) = await h.BotRoomAsync(setup, "plain-required");

        var refused = await Assert.ThrowsAsync<EncryptionException>(() => bot.SendAttachmentAsync(roomId, Attachment.FromContent("secret", "secret.txt"), null, null, EncryptionMode.Required));

        Assert.Contains("is not encrypted, and encryption: required was asked: nothing was sent", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, await h.CounterAsync("media.upload"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task In_an_encrypted_room_js_sdk_decrypts_the_m_file_event_and_the_peer_downloads_and_decrypts_the_file_itself(bool synapse167)
    {
        await using var h = await StartAsync(synapse167);
        using var bot = h.Bot(deviceId: "MEDIA05");
        await using var alice = await E2eeJudge.AliceAsync(h.Hs.Server.BaseAddress);
        var roomId = await alice.CreateRoomAsync(encrypted: true, invite: [h.Hs.BotId], name: "ops");
        await bot.JoinAsync(roomId);
        await alice.WaitRoomAsync(roomId, "join");
        var secret = Payload(1024 * 1024 + 13, seed: 11);
        const string Marker = "db-07 root credentials";
        var text = System.Text.Encoding.UTF8.GetBytes(Marker);
        Array.Copy(text, 0, secret, 4096, text.Length); // a plaintext the homeserver must never hold

        var sent = await bot.SendAttachmentAsync(roomId, Attachment.FromContent(secret, "vault-dump.bin", "application/octet-stream"), null, null, EncryptionMode.Required);

        Assert.True(sent.FileEncrypted && sent.Event.Encrypted);
        var message = Assert.Single(await E2eeJudge.DecryptedFromAsync(alice, roomId, h.Hs.BotId, "MEDIA05", 1));
        Assert.Equal(sent.Event.EventId, message.EventId);
        var content = message.Content!;
        Assert.Equal(("m.file", "vault-dump.bin", "vault-dump.bin", "application/octet-stream", (long)secret.Length), (Str(content, "msgtype"), Str(content, "body"), Str(content, "filename"), Str(content["info"], "mimetype"), content["info"]!["size"]!.GetValue<long>()));
        Assert.Null(content["url"]); // an encrypted room's event names the file only inside `file`
        var file = content["file"]!.AsObject();
        Assert.Equal((sent.ContentUri, "v2"), (Str(file, "url"), Str(file, "v")));

        // The judge: js's own download (its token) and Web Crypto's AES-CTR, the hash checked by the peer.
        Assert.Equal(secret, await alice.DownloadAttachmentAsync(file));

        // The homeserver holds ciphertext without the file's name or type, and the event as ciphertext.
        var (stored, contentType) = await alice.DownloadMediaAsync(sent.ContentUri);
        Assert.Equal(secret.Length, stored.Length);
        Assert.NotEqual(secret, stored);
        Assert.DoesNotContain(Marker, System.Text.Encoding.Latin1.GetString(stored), StringComparison.Ordinal);
        Assert.StartsWith("application/octet-stream", contentType, StringComparison.Ordinal);
        await E2eeJudge.StoredCiphertextOnlyAsync(h.Raw, roomId, (await h.Hs.LoginBotAsync("READER")).AccessToken, h.Hs.BotId, "vault-dump", sent.ContentUri);
    }

    [Fact]
    public async Task A_retried_encrypted_upload_sends_the_ciphertext_its_hash_names_and_a_dropped_download_starts_over()
    {
        await using var h = await StartAsync();
        using var bot = h.Bot(deviceId: "MEDIA06");
        await using var alice = await E2eeJudge.AliceAsync(h.Hs.Server.BaseAddress);
        var roomId = await alice.CreateRoomAsync(encrypted: true, invite: [h.Hs.BotId], name: "ops");
        await bot.JoinAsync(roomId);
        await alice.WaitRoomAsync(roomId, "join");
        var secret = Payload(600_000, seed: 17);
        await h.AddFaultAsync(new JsonObject { ["endpoint"] = "media.upload", ["status"] = 503, ["count"] = 1 });

        var sent = await bot.SendAttachmentAsync(roomId, Attachment.FromContent(secret, "retried.bin"), null, null, EncryptionMode.Auto);

        Assert.Equal(2, await h.CounterAsync("media.upload")); // the first attempt refused, the second stored
        var message = Assert.Single(await E2eeJudge.DecryptedFromAsync(alice, roomId, h.Hs.BotId, "MEDIA06", 1));
        Assert.Equal(secret, await alice.DownloadAttachmentAsync(message.Content!["file"]!.AsObject()));

        // Our download of the same ciphertext, its first attempt's connection dropped, gives the bytes the peer got.
        await h.AddFaultAsync(new JsonObject { ["endpoint"] = "media.v1.download", ["drop"] = true, ["count"] = 1 });
        using var destination = new MemoryStream();
        destination.Write("kept"u8);
        await bot.Media.DownloadAsync(sent.ContentUri, destination);
        var (ciphertext, _) = await alice.DownloadMediaAsync(sent.ContentUri);
        Assert.Equal([.. "kept"u8.ToArray(), .. ciphertext], destination.ToArray());
        Assert.Equal(secret, Solti.Matrix.Crypto.EncryptedAttachment.Decrypt(message.Content!["file"]!.AsObject(), ciphertext));
    }

    private static string? Str(JsonNode? node, string name) => JsPeer.Str(node, name);
}
