using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Host;
using Solti.Matrix.Ansible.Modules;

namespace Solti.Matrix.Ansible.Tests;

/// <summary><c>matrix_event</c>'s own checks, before any request leaves the module.</summary>
[Trait("tier", "unit")]
public sealed class MatrixEventModuleTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("solti-event-").FullName;

    private async Task<JsonObject> RunAsync(JsonObject args)
    {
        var path = Path.Combine(_dir, "args.json");
        await File.WriteAllTextAsync(path, args.ToJsonString());
        using var stdout = new StringWriter();
        await ModuleHost.RunAsync("AnsiballZ_matrix_event", [path], ModuleCatalog.All, stdout, TextWriter.Null);
        return JsonNode.Parse(stdout.ToString())!.AsObject();
    }

    private static JsonObject Args(params (string Key, JsonNode? Value)[] extra)
    {
        var args = new JsonObject
        {
            ["homeserver_url"] = "http://127.0.0.1:9",
            ["access_token"] = "syt_token_value",
            ["room_id"] = "#room:example.com",
            ["content"] = new JsonObject { ["body"] = "x" },
        };
        foreach (var (key, value) in extra)
        {
            args[key] = value;
        }

        return args;
    }

    [Fact]
    public async Task State_absent_changes_nothing_and_sends_nothing()
    {
        var result = await RunAsync(Args(("state", "absent")));
        Assert.False(result["changed"]!.GetValue<bool>());
        Assert.False(result.ContainsKey("failed") && result["failed"]!.GetValue<bool>());
        Assert.Contains("nothing to do", result["msg"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("homeserver_url", "matrix.example.com", "homeserver_url must be an http(s) URL")]
    [InlineData("user_id", "bot", "user_id must be a full Matrix user id")]
    [InlineData("room_id", "!nocolon", "room_id must be a room id (!id:server) or an alias (#alias:server): it has no :server part")]
    [InlineData("room_id", "!abc:local host", "room_id must be a room id (!id:server) or an alias (#alias:server): the server name 'local host' is not")]
    [InlineData("user_id", "@:localhost", "user_id must be a full Matrix user id such as @bot:example.com: the local part is empty")]
    [InlineData("user_id", "@bo b:localhost", "user_id must be a full Matrix user id such as @bot:example.com: the local part has a space")]
    [InlineData("event_type", "", "event_type must be an event type such as m.room.message: it is empty")]
    [InlineData("event_type", "m.room message", "event_type must be an event type such as m.room.message: it has a space")]
    public async Task Malformed_values_fail_naming_the_parameter(string key, string value, string expected)
    {
        var args = Args((key, value));
        if (key == "user_id")
        {
            args["password"] = "pw-value-1";
        }

        var result = await RunAsync(args);
        Assert.True(result["failed"]!.GetValue<bool>());
        Assert.Contains(expected, result["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("syt_token_value", result.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_server_is_a_clear_failure_without_secrets()
    {
        var result = await RunAsync(Args(("timeout", 1), ("transaction_id", "t1")));
        Assert.True(result["failed"]!.GetValue<bool>());
        Assert.StartsWith("no answer from the homeserver", result["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0, result["status"]!.GetValue<int>());
        Assert.DoesNotContain("syt_token_value", result.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Format_markdown_sends_a_sanitized_formatted_body_and_its_text()
    {
        var result = await RunAsync(Args(
            ("content", new JsonObject { ["msgtype"] = "m.text", ["body"] = "**deploy** done <script>x</script>" }),
            ("format", "markdown"), ("spool", "always"), ("outbox", Path.Combine(_dir, "outbox.db")), ("_ansible_diff", true)));
        Assert.True(result["queued"]!.GetValue<bool>(), result.ToJsonString());
        var content = result["diff"]!["after"]!["content"]!;
        Assert.Equal("deploy done", content["body"]!.GetValue<string>());
        Assert.Equal("org.matrix.custom.html", content["format"]!.GetValue<string>());
        Assert.Equal("<p><strong>deploy</strong> done </p>", content["formatted_body"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("rtf", false, "format")]
    [InlineData("markdown", true, "format: markdown applies to a template of your own")]
    public async Task A_bad_format_fails_naming_the_option(string format, bool schema, string expected)
    {
        var args = Args(("format", format));
        if (schema)
        {
            args.Remove("content");
            args["schema"] = "test.v1";
            args["data"] = new JsonObject { ["message"] = "hi", ["timestamp"] = "2026-11-28T10:00:00Z" };
        }

        var result = await RunAsync(args);
        Assert.True(result["failed"]!.GetValue<bool>());
        Assert.Contains(expected, result["msg"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
