using System.Text;
using System.Text.Json.Nodes;
using Solti.Matrix.Events;
using Solti.Matrix.Hooks;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Tests.Hooks;

/// <summary>A generic hook's mapping (payload → SOLTI event) and the relay's configuration file that names it.</summary>
public sealed class GenericHookTests
{
    private static readonly SchemaRegistry Schemas = SchemaRegistry.Load();

    internal static string Payload(string name) => File.ReadAllText(Path.Combine(Repository.Root, "tests", "Solti.Matrix.Tests", "Alerts", "payloads", name));

    /// <summary>GitHub's deployment_status event as a deploy.complete.v1 event.</summary>
    internal static GenericHook GitHub(string? id = null) => new("github-deploy", "deploy.complete.v1", new JsonObject
    {
        ["service"] = "{repository.name}",
        ["host"] = "{deployment.environment}",
        ["playbook"] = "{deployment.task} {deployment.ref}@{deployment.sha}",
        ["operator"] = "{sender.login}",
        ["duration"] = 0,
        ["status"] = "{deployment_status.state}",
    })
    { Id = id, Source = "github:{repository.full_name}" };

    private static GenericHookEvent Map(GenericHook hook, string body, string room = "!r:example.com") =>
        hook.Map(JsonNode.Parse(body), Encoding.UTF8.GetBytes(body), room, Schemas);

    [Fact]
    public void The_data_is_filled_from_the_payload_with_the_body_templates_placeholders()
    {
        var content = Map(GitHub(), Payload("github-deployment-status.json")).Content;
        var data = content["solti"]!["data"]!.AsObject();
        Assert.Equal("Hello-World", data["service"]!.GetValue<string>());
        Assert.Equal("production", data["host"]!.GetValue<string>());
        Assert.Equal("deploy master@f95f852bd8fca8fcc58a9a2d6c842781e32a215e", data["playbook"]!.GetValue<string>());
        Assert.Equal(0, data["duration"]!.GetValue<int>());
        Assert.Equal("github:Codertocat/Hello-World", content["solti"]!["source"]!.GetValue<string>());
        Assert.Equal("✅ Deployment COMPLETED: Hello-World on production (duration: 0s)", content["body"]!.GetValue<string>());
        Assert.Contains("<code>Hello-World</code>", content["formatted_body"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void One_placeholder_alone_keeps_the_payloads_type()
    {
        var hook = new GenericHook("n", "deploy.complete.v1", new JsonObject
        {
            ["service"] = "{s}", ["host"] = "h", ["playbook"] = "p", ["operator"] = "o", ["duration"] = "{took}", ["status"] = "success",
        });
        var data = Map(hook, """{"s":"web","took":12.5}""").Content["solti"]!["data"]!;
        Assert.Equal(12.5, data["duration"]!.GetValue<double>());
        Assert.Equal("12.5", BodyTemplate.Fill("{took}", new JsonObject { ["took"] = 12.5 }));
        Assert.Equal(["a.b", "c"], BodyTemplate.Paths("x {a.b} {{y}} {c|colour}"));
        Assert.Null(BodyTemplate.WholePath("{a}!"));
        Assert.Equal("a", BodyTemplate.WholePath("{a}"));
    }

    [Fact]
    public void A_missing_value_or_a_result_the_schema_refuses_names_the_field()
    {
        var payload = JsonNode.Parse(Payload("github-deployment-status.json"))!;
        payload["deployment"]!.AsObject().Remove("environment");
        var e = Assert.Throws<GenericHookException>(() => Map(GitHub(), payload.ToJsonString()));
        Assert.Equal("deployment.environment", e.Field);
        Assert.StartsWith("deployment.environment: the payload has no value there; hook github-deploy needs it for data.host", e.Message, StringComparison.Ordinal);

        payload = JsonNode.Parse(Payload("github-deployment-status.json"))!;
        payload["deployment_status"]!["state"] = "failure";
        e = Assert.Throws<GenericHookException>(() => Map(GitHub(), payload.ToJsonString()));
        Assert.Equal("data.status", e.Field);
        Assert.Contains("data.status: must be one of \"success\", \"failed\"", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<GenericHookException>(() => Map(GitHub(), "[1, 2]"));
        Assert.Equal("body", e.Field);
    }

    [Fact]
    public void The_transaction_id_is_the_same_for_the_same_body_or_the_same_correlation_id()
    {
        var body = Payload("github-deployment-status.json");
        var changed = JsonNode.Parse(body)!;
        changed["deployment_status"]!["updated_at"] = "2019-05-15T15:21:00Z";
        Assert.Equal(Map(GitHub(), body).TransactionId, Map(GitHub(), body).TransactionId);
        Assert.NotEqual(Map(GitHub(), body).TransactionId, Map(GitHub(), changed.ToJsonString()).TransactionId);
        Assert.NotEqual(Map(GitHub(), body).TransactionId, Map(GitHub(), body, "!other:example.com").TransactionId);
        Assert.Equal(Map(GitHub("{deployment_status.id}"), body).TransactionId, Map(GitHub("{deployment_status.id}"), changed.ToJsonString()).TransactionId);
        Assert.StartsWith("hook-", Map(GitHub(), body).TransactionId, StringComparison.Ordinal);
    }

    [Fact]
    public void A_correlation_id_template_puts_the_event_in_a_conversation()
    {
        var hook = GitHub() with { CorrelationId = "github-{deployment.id}" };
        var mapped = Map(hook, Payload("github-deployment-status.json"));
        Assert.Equal("github-145988746", mapped.CorrelationId);
        Assert.Equal("github-145988746", mapped.Content["solti"]!["correlation_id"]!.GetValue<string>());
        Assert.Null(Map(GitHub(), Payload("github-deployment-status.json")).CorrelationId);
    }

    [Fact]
    public void The_configuration_file_names_rooms_and_generic_hooks()
    {
        var config = HookConfig.Parse(JsonNode.Parse("""
            {"hooks": {"alertmanager": {"room": "#ops:example.com"},
                       "generic": {"github-deploy": {"schema": "deploy.complete.v1", "room": "!d:example.com", "id": "{deployment_status.id}", "correlation_id": "gh-{deployment.id}",
                                                     "data": {"service": "{repository.name}"}}}}}
            """)!.AsObject(), Schemas, "relay.yml");
        Assert.Equal("#ops:example.com", config.AlertRoom(Matrix.Alerts.AlertSource.Alertmanager));
        Assert.Null(config.AlertRoom(Matrix.Alerts.AlertSource.Grafana));
        var hook = Assert.Single(config.Generic).Value;
        Assert.Equal(("deploy.complete.v1", "!d:example.com", "{deployment_status.id}", "gh-{deployment.id}"), (hook.Schema, hook.Room, hook.Id, hook.CorrelationId));
        Assert.Throws<FormatException>(() => config.RequireAllowed(["#ops:example.com"], "relay.yml"));
        config.RequireAllowed(["#ops:example.com", "!d:example.com"], "relay.yml");
    }

    [Theory]
    [InlineData("""{"hook": {}}""", "relay.yml: hook: unknown key (expected one of: hooks)")]
    [InlineData("""{"hooks": {"grafana": {"room": "ops"}}}""", "relay.yml: hooks.grafana.room must be")]
    [InlineData("""{"hooks": {"grafana": {"room": 7}}}""", "relay.yml: hooks.grafana.room: expected a string, got 7")]
    [InlineData("""{"hooks": {"generic": {"x": {"schema": "nope.v1", "data": {}}}}}""", "relay.yml: hooks.generic.x.schema: expected a known schema (")]
    [InlineData("""{"hooks": {"generic": {"x": {"schema": "test.v1"}}}}""", "relay.yml: hooks.generic.x.data: expected a mapping of the event's data fields")]
    [InlineData("""{"hooks": {"generic": {"X Y": {"schema": "test.v1", "data": {}}}}}""", "relay.yml: hooks.generic.X Y: expected a hook name")]
    [InlineData("""{"hooks": {"generic": {"x": {"schema": "test.v1", "data": {}, "rooms": "!a:b"}}}}""", "relay.yml: hooks.generic.x.rooms: unknown key (expected one of: schema, data, room, source, id, correlation_id)")]
    public void A_bad_file_is_refused_naming_the_key_path(string file, string error)
    {
        var e = Assert.Throws<FormatException>(() => HookConfig.Parse(JsonNode.Parse(file)!.AsObject(), Schemas, "relay.yml"));
        Assert.StartsWith(error, e.Message, StringComparison.Ordinal);
    }
}
