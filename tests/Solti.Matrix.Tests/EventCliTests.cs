using System.Text.Json.Nodes;
using Solti.Matrix.Tests.Support;

namespace Solti.Matrix.Tests;

/// <summary><c>schema list|show</c>, <c>event build|validate|send</c> and <c>events tail</c> through the real CLI.</summary>
[Trait("tier", "integration")]
public sealed class EventCliTests
{
    private const string Deploy = """{"service": "nginx", "host": "web1", "playbook": "site.yml", "operator": "ops", "duration": 42, "status": "success"}""";

    [Fact]
    public async Task Send_and_event_send_format_markdown_and_refuse_an_unknown_format()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("FORMAT");
        var (roomId, alias) = await h.BotRoomAsync(bot.AccessToken, "format");
        using var state = new TempDirectory("solti-format-");
        var env = h.CliEnvironment(bot.AccessToken, state);
        var bad = await CliRunner.RunAsync(["send", alias, "--text", "hi", "--format", "rtf"], env);
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("--format", bad.Stderr, StringComparison.Ordinal);

        var sent = await CliRunner.RunAsync(["send", alias, "--text", "# Done\n\n- **web1** <script>x</script>", "--format", "markdown"], env);
        Assert.True(sent.ExitCode == 0, sent.ToString());
        var content = (await h.MessagesAsync(roomId, bot.AccessToken)).Last()["content"]!;
        Assert.Equal("org.matrix.custom.html", content["format"]!.GetValue<string>());
        Assert.Equal("<h1>Done</h1>\n<ul>\n<li><strong>web1</strong> </li>\n</ul>", content["formatted_body"]!.GetValue<string>());
        Assert.Equal("Done\n\n- web1", content["body"]!.GetValue<string>());

        // event send: the same option for a body of one's own (--template), values kept values.
        var data = """{"message": "web1 <i>up</i>", "timestamp": "2026-12-07T10:00:00Z"}""";
        var untemplated = await CliRunner.RunAsync(["event", "send", alias, "-s", "test.v1", "-d", data, "--format", "markdown"], env);
        Assert.NotEqual(0, untemplated.ExitCode);
        Assert.Contains("--format: markdown applies to a template of your own", untemplated.Stderr, StringComparison.Ordinal);
        var structured = await CliRunner.RunAsync(["event", "send", alias, "-s", "test.v1", "-d", data, "--template", "🧪 **{message}** at `{timestamp}`", "--format", "markdown"], env);
        Assert.True(structured.ExitCode == 0, structured.ToString());
        content = (await h.MessagesAsync(roomId, bot.AccessToken)).Last()["content"]!;
        Assert.Equal("<p>🧪 <strong>web1 &lt;i&gt;up&lt;/i&gt;</strong> at <code>2026-12-07T10:00:00Z</code></p>", content["formatted_body"]!.GetValue<string>());
        Assert.Equal("🧪 web1 <i>up</i> at 2026-12-07T10:00:00Z", content["body"]!.GetValue<string>());
        Assert.Equal("test.v1", content["solti"]!["schema"]!.GetValue<string>());
    }

    [Fact]
    public async Task Schemas_are_listed_and_events_are_built_validated_sent_and_read_back_by_schema_and_source()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("EVENTS");
        var (roomId, alias) = await h.BotRoomAsync(bot.AccessToken, "ops");
        using var state = new TempDirectory("solti-events-");
        var env = h.CliEnvironment(bot.AccessToken, state);
        var list = await CliRunner.RunAsync(["schema", "list", "--output", "json"], env);
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Equal(["alert.firing.v1", "alert.group.v1", "alert.resolved.v1", "deploy.complete.v1", "deploy.start.v1", "test.v1", "verify.fail.v1", "verify.pass.v1"],
            JsonNode.Parse(list.Stdout)!["schemas"]!.AsArray().Select(s => s!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        var show = await CliRunner.RunAsync(["schema", "show", "verify.pass.v1"], env);
        Assert.Contains("x-solti-body", show.Stdout, StringComparison.Ordinal);

        var build = await CliRunner.RunAsync(["event", "build", "-s", "deploy.complete.v1", "-d", Deploy, "--source", "ci"], env);
        Assert.True(build.ExitCode == 0, build.ToString());
        var content = JsonNode.Parse(build.Stdout)!;
        Assert.Equal("com.solti.event", content["msgtype"]!.GetValue<string>());
        Assert.Equal("✅ Deployment COMPLETED: nginx on web1 (duration: 42s)", content["body"]!.GetValue<string>());
        Assert.Equal("org.matrix.custom.html", content["format"]!.GetValue<string>());
        Assert.Equal("✅ <b>Deployment COMPLETED</b>: <code>nginx</code> on <code>web1</code> (duration: 42s)", content["formatted_body"]!.GetValue<string>());

        var invalid = await CliRunner.RunAsync(["event", "validate", "-s", "deploy.complete.v1", "-d", """{"service": "nginx", "status": "done"}"""], env);
        Assert.Equal(2, invalid.ExitCode);
        Assert.Contains("data.status: must be one of", invalid.Stderr, StringComparison.Ordinal);
        Assert.Contains("data.host: required", invalid.Stderr, StringComparison.Ordinal);

        foreach (var (schema, data, source) in new[]
        {
            ("deploy.start.v1", """{"service": "nginx", "host": "web1", "playbook": "site.yml", "operator": "ops"}""", "ci"),
            ("test.v1", """{"message": "hello", "timestamp": "2026-11-28T10:00:00Z"}""", "laptop"),
            ("deploy.complete.v1", Deploy, "ci"),
        })
        {
            var send = await CliRunner.RunAsync(["event", "send", alias, "-s", schema, "-d", data, "--source", source, "--output", "json"], env);
            Assert.True(send.ExitCode == 0, send.ToString());
            Assert.StartsWith("$", JsonNode.Parse(send.Stdout)!["event_id"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        var deploys = await CliRunner.RunAsync(["events", "tail", roomId, "--schema", "deploy."], env);
        Assert.True(deploys.ExitCode == 0, deploys.ToString());
        var lines = deploys.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Contains("deploy.start.v1 ci: 🚀 Deployment STARTED: nginx on web1", lines[0], StringComparison.Ordinal);
        Assert.Contains("deploy.complete.v1 ci: ✅ Deployment COMPLETED", lines[1], StringComparison.Ordinal);

        var fromLaptop = await CliRunner.RunAsync(["events", "tail", alias, "--source", "laptop", "--output", "json"], env);
        var only = JsonNode.Parse(fromLaptop.Stdout.Trim())!;
        Assert.Equal(("test.v1", "hello"), (only["schema"]!.GetValue<string>(), only["data"]!["message"]!.GetValue<string>()));

        var spooled = await CliRunner.RunAsync(["event", "send", alias, "-s", "test.v1", "-d", """{"message": "later", "timestamp": "2026-11-28T10:00:00Z"}""", "--spool", "always", "--output", "json"], env);
        Assert.True(JsonNode.Parse(spooled.Stdout)!["queued"]!.GetValue<bool>(), spooled.ToString());
        Assert.Equal(3, (await h.MessagesAsync(roomId, bot.AccessToken)).Count);
    }
}
