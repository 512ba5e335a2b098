using System.Text.Json.Nodes;
using Solti.Matrix.Testing;
using Solti.Matrix.Tests.Support;

namespace Solti.Matrix.Tests;

/// <summary><c>solti-matrix send --file</c> as a separate process: the message first, then each file as an
/// <c>m.file</c>/<c>m.image</c> in the message's thread, the output naming each file's event and <c>mxc://</c> URL; the
/// file downloads byte-identical; in an encrypted room js-sdk decrypts both events and the peer downloads and decrypts
/// the file itself; a file that cannot be read, or is over the homeserver's limit, fails before anything is sent.</summary>
[Trait("tier", "integration")]
public sealed class AttachmentCliTests
{
    private static byte[] Payload(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static void AssertInThreadOf(JsonNode? content, string root)
    {
        var relation = content?["m.relates_to"];
        Assert.Equal(("m.thread", root, true, root), (JsPeer.Str(relation, "rel_type"), JsPeer.Str(relation, "event_id"), relation?["is_falling_back"]?.GetValue<bool>(), JsPeer.Str(relation?["m.in_reply_to"], "event_id")));
    }

    [Fact]
    public async Task Send_with_files_into_a_plaintext_room_sends_the_message_then_each_file_in_its_thread_and_they_download_byte_identical()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("CLIFILES");
        var (roomId, alias) = await h.BotRoomAsync(bot.AccessToken, "files");
        using var dir = new TempDirectory("solti-files-");
        var log = Path.Combine(dir, "deploy.log");
        await File.WriteAllTextAsync(log, "web-01: ok\nweb-02: ok\n");
        var graph = Path.Combine(dir, "latency.png");
        await File.WriteAllBytesAsync(graph, Payload(40_000, seed: 1));
        var blob = Path.Combine(dir, "state.bin");
        await File.WriteAllBytesAsync(blob, Payload(1234, seed: 2));

        var run = await CliRunner.RunAsync(["send", alias, "--text", "deploy finished", "--file", log, "--file", graph, "--file", blob, "--file-name", "deploy.log", "--file-name", "p99.png", "--file-name", "state.bin", "--mimetype", "text/plain", "--mimetype", "image/png", "--mimetype", "application/x-state", "--output", "json"], h.CliEnvironment(bot.AccessToken, dir));

        Assert.True(run.ExitCode == 0, run.ToString());
        var output = JsonNode.Parse(run.Stdout)!;
        var root = JsPeer.Str(output, "event_id")!;
        var files = output["files"]!.AsArray();
        Assert.Equal(["deploy.log", "p99.png", "state.bin"], files.Select(f => JsPeer.Str(f, "name")));
        Assert.Equal(["m.file", "m.image", "m.file"], files.Select(f => JsPeer.Str(f, "msgtype")));
        Assert.All(files, f => Assert.False(f!["encrypted"]!.GetValue<bool>()));

        var messages = await h.MessagesAsync(roomId, bot.AccessToken);
        Assert.Equal([root, .. files.Select(f => JsPeer.Str(f, "event_id")!)], messages.Select(m => JsPeer.Str(m, "event_id")));
        using var reader = h.Bot(token: bot.AccessToken, password: false);
        foreach (var (file, path, index) in files.Zip([log, graph, blob], (f, p) => (f!, p)).Select((x, i) => (x.Item1, x.Item2, i)))
        {
            var content = messages[index + 1]["content"]!;
            AssertInThreadOf(content, root);
            Assert.Equal((JsPeer.Str(file, "content_uri"), JsPeer.Str(file, "name"), JsPeer.Str(file, "mimetype")), (JsPeer.Str(content, "url"), JsPeer.Str(content, "body"), JsPeer.Str(content["info"], "mimetype")));
            Assert.Equal(new FileInfo(path).Length, content["info"]!["size"]!.GetValue<long>());
            Assert.Equal(await File.ReadAllBytesAsync(path), await reader.Media.DownloadAsync(JsPeer.Str(file, "content_uri")!));
        }

        // Text output names each file with its event and mxc url.
        var text = await CliRunner.RunAsync(["send", roomId, "--notice", "one more", "--file", log], h.CliEnvironment(bot.AccessToken, dir));
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Matches(@"files:\n  - deploy\.log: \$\S+ mxc://localhost/\S+\n", text.Stdout);
    }

    [Fact]
    public async Task A_file_that_cannot_be_read_or_is_over_the_limit_fails_before_anything_is_sent()
    {
        await using var h = await LibraryHarness.StartAsync(o => o with { MaxUploadSize = 1000 });
        var bot = await h.Hs.LoginBotAsync("CLIFILES2");
        var (roomId, _) = await h.BotRoomAsync(bot.AccessToken, "no-files");
        using var dir = new TempDirectory("solti-files-");
        var missing = Path.Combine(dir, "missing.txt");
        var large = Path.Combine(dir, "large.bin");
        await File.WriteAllBytesAsync(large, new byte[1001]);
        var small = Path.Combine(dir, "small.txt");
        await File.WriteAllTextAsync(small, "fine");

        var unreadable = await CliRunner.RunAsync(["send", roomId, "--text", "never sent", "--file", small, "--file", missing], h.CliEnvironment(bot.AccessToken, dir));
        var tooLarge = await CliRunner.RunAsync(["send", roomId, "--text", "never sent either", "--file", small, "--file", large], h.CliEnvironment(bot.AccessToken, dir));

        Assert.NotEqual(0, unreadable.ExitCode);
        Assert.Contains($"--file {missing}: cannot be read", unreadable.Stderr, StringComparison.Ordinal);
        Assert.NotEqual(0, tooLarge.ExitCode);
        Assert.Contains("the attachment large.bin is 1,001 bytes, over the homeserver's upload limit of 1,000 bytes", tooLarge.Stderr, StringComparison.Ordinal);
        Assert.Empty(await h.MessagesAsync(roomId, bot.AccessToken));
        Assert.Equal(0, await h.CounterAsync("media.upload"));
    }

    [Fact]
    public async Task Send_with_a_file_into_an_encrypted_room_is_decrypted_by_js_sdk_and_the_peer_decrypts_the_file_it_downloads()
    {
        await using var h = await LibraryHarness.StartAsync(E2eeJudge.WithAlice);
        var bot = await h.Hs.LoginBotAsync("CLIFILECRYPT");
        await using var alice = await E2eeJudge.AliceAsync(h.Hs.Server.BaseAddress);
        var roomId = await alice.CreateRoomAsync(encrypted: true, invite: [h.Hs.BotId], name: "ops");
        using var dir = new TempDirectory("solti-files-");
        var dump = Path.Combine(dir, "incident-42.tar.gz");
        var bytes = Payload(2 * 1024 * 1024 + 3, seed: 9);
        await File.WriteAllBytesAsync(dump, bytes);

        var run = await CliRunner.RunAsync(["send", roomId, "--join", "--text", "incident 42 evidence", "--file", dump, "--encryption", "required", "--output", "json"], h.CliEnvironment(bot.AccessToken, dir));

        Assert.True(run.ExitCode == 0, run.ToString());
        var output = JsonNode.Parse(run.Stdout)!;
        var root = JsPeer.Str(output, "event_id")!;
        var sent = Assert.Single(output["files"]!.AsArray())!;
        Assert.True(sent["encrypted"]!.GetValue<bool>());
        var messages = await E2eeJudge.DecryptedFromAsync(alice, roomId, h.Hs.BotId, bot.DeviceId, count: 2);
        Assert.Equal([root, JsPeer.Str(sent, "event_id")], messages.Select(m => m.EventId));
        Assert.Equal("incident 42 evidence", messages[0].Body);
        var content = messages[1].Content!;
        Assert.Equal(("m.file", "incident-42.tar.gz", "application/gzip", (long)bytes.Length), (JsPeer.Str(content, "msgtype"), JsPeer.Str(content, "filename"), JsPeer.Str(content["info"], "mimetype"), content["info"]!["size"]!.GetValue<long>()));
        AssertInThreadOf(content, root);
        var file = content["file"]!.AsObject();
        Assert.Equal(JsPeer.Str(sent, "content_uri"), JsPeer.Str(file, "url"));

        Assert.Equal(bytes, await alice.DownloadAttachmentAsync(file));
        var stored = await E2eeJudge.StoredCiphertextOnlyAsync(h.Raw, roomId, bot.AccessToken, h.Hs.BotId, "incident-42", "incident 42");
        AssertInThreadOf(Assert.Single(stored, e => JsPeer.Str(e, "event_id") == JsPeer.Str(sent, "event_id"))["content"], root); // the relation stays in the clear
    }
}
