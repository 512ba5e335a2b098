using System.Text.Json.Nodes;
using Solti.Matrix.Events;

namespace Solti.Matrix.Tests;

/// <summary>Every shipped schema: a valid event's envelope and body, and bad data refused with the path of each problem.</summary>
[Trait("tier", "unit")]
public sealed class EventSchemaTests
{
    private static readonly SchemaRegistry Registry = SchemaRegistry.Load();

    private static JsonObject Data(string json) => JsonNode.Parse(json)!.AsObject();

    private const string VerifyPass = """
        {"distribution": "debian12", "hostname": "web1", "summary": {"total_services": 5, "failed_services": 0, "passed_services": 5},
         "services": {"nginx": true, "redis": true}, "failed_service_names": [], "context": {"collection": "solti", "scenario": "default", "platform": "lxc"},
         "extra_field_from_a_newer_producer": 1}
        """;

    public static TheoryData<string, string, string> Valid => new()
    {
        { "verify.pass.v1", VerifyPass, "✅ Verification PASSED: 5/5 services on debian12" },
        { "verify.fail.v1", """{"distribution": "rocky9", "hostname": "db1", "summary": {"total_services": 4, "failed_services": 1, "passed_services": 3}, "services": {"pg": false}, "failed_service_names": ["pg"]}""", "❌ Verification FAILED: 1/4 services on rocky9" },
        { "deploy.start.v1", """{"service": "api", "host": "web1", "playbook": "site.yml", "operator": "ops"}""", "🚀 Deployment STARTED: api on web1" },
        { "deploy.complete.v1", """{"service": "api", "host": "web1", "playbook": "site.yml", "operator": "ops", "duration": 42.5, "status": "success"}""", "✅ Deployment COMPLETED: api on web1 (duration: 42.5s)" },
        { "deploy.complete.v1", """{"service": "api", "host": "web1", "playbook": "site.yml", "operator": "ops", "duration": 7, "status": "failed", "error": "boom"}""", "❌ Deployment FAILED: api on web1 (duration: 7s)" },
        { "test.v1", """{"message": "hello", "timestamp": "2026-11-25T05:30:00Z"}""", "🧪 Test: hello" },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void A_valid_event_gets_the_envelope_and_its_body(string schema, string data, string body)
    {
        var at = new DateTimeOffset(2026, 11, 25, 5, 30, 0, TimeSpan.Zero);
        var content = SoltiEvent.Build(Registry, schema, Data(data), "ansible@ctl", html: true, timestamp: at);
        Assert.Equal("com.solti.event", content["msgtype"]!.GetValue<string>());
        Assert.Equal(body, content["body"]!.GetValue<string>());
        Assert.Equal("org.matrix.custom.html", content["format"]!.GetValue<string>());
        Assert.Equal(schema, content["solti"]!["schema"]!.GetValue<string>());
        Assert.Equal("2026-11-25T05:30:00.000Z", content["solti"]!["timestamp"]!.GetValue<string>());
        Assert.Equal("ansible@ctl", content["solti"]!["source"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(Data(data), content["solti"]!["data"]));
        var read = SoltiEvent.Read(content)!.Value;
        Assert.Equal(schema, read.Schema);
    }

    public static TheoryData<string, string, string[]> Invalid => new()
    {
        { "verify.pass.v1", """{"distribution": "", "hostname": "web1", "summary": {"total_services": "5", "failed_services": -1, "passed_services": 5}, "services": {"nginx": "yes"}, "failed_service_names": "none"}""",
            ["data.distribution: needs at least 1 characters", "data.summary.total_services: expected integer, got '5'", "data.summary.failed_services: must be at least 0, got -1", "data.services.nginx: expected boolean, got 'yes'", "data.failed_service_names: expected array, got 'none'"] },
        { "verify.fail.v1", """{"hostname": "db1"}""", ["data.distribution: required", "data.summary: required", "data.services: required", "data.failed_service_names: required"] },
        { "deploy.start.v1", """{"service": "api", "host": 3, "playbook": "site.yml"}""", ["data.operator: required", "data.host: expected string, got 3"] },
        { "deploy.complete.v1", """{"service": "api", "host": "web1", "playbook": "p", "operator": "o", "duration": "long", "status": "done"}""", ["data.duration: expected number, got 'long'", "data.status: must be one of \"success\", \"failed\", got 'done'"] },
        { "test.v1", """{"message": "hi", "timestamp": "yesterday"}""", ["data.timestamp: expected an RFC 3339 date-time"] },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Bad_data_is_refused_naming_each_path(string schema, string data, string[] expected)
    {
        var e = Assert.Throws<SchemaValidationException>(() => SoltiEvent.Build(Registry, schema, Data(data), "src"));
        foreach (var message in expected)
        {
            Assert.Contains(e.Errors, error => error.StartsWith(message, StringComparison.Ordinal));
        }

        Assert.Equal(expected.Length, e.Errors.Count);
    }

    [Fact]
    public void Unknown_schemas_fail_validation_or_get_a_generic_body()
    {
        var e = Assert.Throws<SchemaValidationException>(() => SoltiEvent.Build(Registry, "backup.done.v1", Data("{}"), "src"));
        Assert.Contains("unknown schema 'backup.done.v1'", e.Message, StringComparison.Ordinal);
        Assert.Contains("not a schema name", Assert.Throws<SchemaValidationException>(() => SoltiEvent.Build(Registry, "Backup", Data("{}"), "src")).Message, StringComparison.Ordinal);
        var generic = SoltiEvent.Build(Registry, "backup.done.v1", Data("{\"size\": 1}"), "host1", validate: false);
        Assert.Equal("📋 backup.done.v1 event from host1", generic["body"]!.GetValue<string>());
    }

    [Fact]
    public void User_schemas_add_names_but_never_replace_or_half_check()
    {
        var dir = Directory.CreateTempSubdirectory("solti-schemas-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "backup.done.v1.json"), """
                {"title": "backup.done.v1", "type": "object", "required": ["size_mb"], "properties": {"size_mb": {"type": "integer"}},
                 "x-solti-body": [{"template": "💾 Backup done: {size_mb} MB"}]}
                """);
            var registry = SchemaRegistry.Load(dir);
            Assert.Equal(SchemaRegistry.Load().All.Count + 1, registry.All.Count);
            Assert.Equal("💾 Backup done: 12 MB", SoltiEvent.Build(registry, "backup.done.v1", Data("{\"size_mb\": 12}"), "h")["body"]!.GetValue<string>());
            Assert.Contains("data.size_mb: required", Assert.Throws<SchemaValidationException>(() => SoltiEvent.Build(registry, "backup.done.v1", Data("{}"), "h")).Message, StringComparison.Ordinal);

            File.WriteAllText(Path.Combine(dir, "deploy.start.v1.json"), "{\"type\": \"object\"}");
            Assert.Contains("needs a new version (e.g. deploy.start.v2)", Assert.Throws<SchemaException>(() => SchemaRegistry.Load(dir)).Message, StringComparison.Ordinal);
            File.Delete(Path.Combine(dir, "deploy.start.v1.json"));
            File.WriteAllText(Path.Combine(dir, "odd.thing.v1.json"), "{\"type\": \"object\", \"oneOf\": []}");
            Assert.Contains("oneOf", Assert.Throws<SchemaException>(() => SchemaRegistry.Load(dir)).Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
