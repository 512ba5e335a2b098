using System.Net;
using System.Text.Json.Nodes;
using Solti.Matrix.Tests.Hooks;
using Solti.Matrix.Tests.Support;

namespace Solti.Matrix.Tests;

/// <summary>The relay's configuration file (<c>--config</c>) and its generic hooks, as operators run them: the relay a
/// separate process, recorded payloads (Alerts/payloads/, see its README) posted over HTTP, the room read back from the
/// homeserver.</summary>
[Trait("tier", "integration")]
public sealed class AlertIntakeHooksTests
{
    [Fact]
    public async Task Configured_rooms_and_a_generic_hook_post_recorded_payloads_once()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("SETUP");
        var (alertsRoom, alertsAlias) = await h.BotRoomAsync(bot.AccessToken, "alerts");
        var (deploysRoom, _) = await h.BotRoomAsync(bot.AccessToken, "deploys");
        var (otherRoom, _) = await h.BotRoomAsync(bot.AccessToken, "other");
        using var state = new TempDirectory("solti-hooks-");
        var config = Path.Combine(state, "relay.yml");
        await File.WriteAllTextAsync(config, $$"""
            hooks:
              grafana:
                room: "{{alertsAlias}}"
              generic:
                github-deploy:
                  schema: deploy.complete.v1
                  room: "{{deploysRoom}}"
                  source: "github:{repository.full_name}"
                  data:
                    service: "{repository.name}"
                    host: "{deployment.environment}"
                    playbook: "{deployment.task} {deployment.ref}"
                    operator: "{sender.login}"
                    duration: 0
                    status: "{deployment_status.state}"
            """);
        await using var relay = new RelayProcess(h.CliEnvironment(bot.AccessToken, state), "--config", config, "--allow-room", alertsAlias, "--allow-room", deploysRoom);
        await relay.StartAsync();
        Assert.Contains($"hooks from {config} (generic: github-deploy)", relay.Log.ToString(), StringComparison.Ordinal);
        using var http = relay.Client();

        // Grafana without ?room=: the configured room.
        var (status, body) = await AlertIntakeTests.PostAsync(http, "/v1/hooks/grafana", GenericHookTests.Payload("grafana-webhook-bearer.json"));
        Assert.Equal((HttpStatusCode.Accepted, 1), (status, body["accepted"]!.GetValue<int>()));

        // GitHub's deployment_status twice (a sender's retry): one event.
        var github = GenericHookTests.Payload("github-deployment-status.json");
        (status, body) = await AlertIntakeTests.PostAsync(http, "/v1/hooks/generic/github-deploy", github);
        Assert.Equal((HttpStatusCode.Accepted, 1), (status, body["accepted"]!.GetValue<int>()));
        var (again, second) = await AlertIntakeTests.PostAsync(http, "/v1/hooks/generic/github-deploy", github);
        Assert.Equal((HttpStatusCode.Accepted, body["transaction_id"]!.GetValue<string>()), (again, second["transaction_id"]!.GetValue<string>()));

        // Refusals name what is wrong.
        (status, body) = await AlertIntakeTests.PostAsync(http, "/v1/hooks/generic/gitlab", github);
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("no generic hook named gitlab (configured: github-deploy)", body["error"]!.GetValue<string>());
        var failed = JsonNode.Parse(github)!;
        failed["deployment_status"]!["state"] = "failure";
        (status, body) = await AlertIntakeTests.PostAsync(http, "/v1/hooks/generic/github-deploy", failed.ToJsonString());
        Assert.Equal((HttpStatusCode.BadRequest, "data.status"), (status, body["field"]!.GetValue<string>()));
        Assert.Contains("data.status: must be one of", body["errors"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        var lacking = JsonNode.Parse(github)!;
        lacking.AsObject().Remove("sender");
        (status, body) = await AlertIntakeTests.PostAsync(http, "/v1/hooks/generic/github-deploy", lacking.ToJsonString());
        Assert.Equal((HttpStatusCode.BadRequest, "sender.login"), (status, body["field"]!.GetValue<string>()));
        (status, body) = await AlertIntakeTests.PostAsync(http, "/v1/hooks/generic/github-deploy", "{not json");
        Assert.Equal((HttpStatusCode.BadRequest, "body"), (status, body["field"]!.GetValue<string>()));
        (status, body) = await AlertIntakeTests.PostAsync(http, "/v1/hooks/generic/github-deploy?room=" + Uri.EscapeDataString(otherRoom), github);
        Assert.Equal((HttpStatusCode.Forbidden, "M_FORBIDDEN"), (status, body["errcode"]!.GetValue<string>()));
        (status, body) = await AlertIntakeTests.PostAsync(http, "/v1/hooks/alertmanager", AlertPayloadTestsSample());
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("or set hooks.alertmanager.room in the relay's --config file", body["error"]!.GetValue<string>(), StringComparison.Ordinal);
        using var stranger = new HttpClient { BaseAddress = relay.Url };
        (status, body) = await AlertIntakeTests.PostAsync(stranger, "/v1/hooks/generic/github-deploy", github);
        Assert.Equal((HttpStatusCode.Unauthorized, "M_MISSING_TOKEN"), (status, body["errcode"]!.GetValue<string>()));

        await AlertIntakeTests.DrainedAsync(http);
        var alert = Assert.Single(await h.MessagesAsync(alertsRoom, bot.AccessToken));
        Assert.Equal("alert.firing.v1", AlertIntakeTests.Schema(alert));
        Assert.Equal("grafana", alert["content"]!["solti"]!["source"]!.GetValue<string>());
        Assert.StartsWith("🔥 FIRING [none] alert1", alert["content"]!["body"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("alert1", alert["content"]!["formatted_body"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("fac0861a85de433a@2026-12-07T09:41:20.0000000Z", alert["content"]!["solti"]!["data"]!["key"]!.GetValue<string>());

        var deploy = Assert.Single(await h.MessagesAsync(deploysRoom, bot.AccessToken));
        var content = deploy["content"]!;
        Assert.Equal("deploy.complete.v1", AlertIntakeTests.Schema(deploy.AsObject()));
        Assert.Equal("github:Codertocat/Hello-World", content["solti"]!["source"]!.GetValue<string>());
        Assert.Equal("✅ Deployment COMPLETED: Hello-World on production (duration: 0s)", content["body"]!.GetValue<string>());
        Assert.Equal("✅ <b>Deployment COMPLETED</b>: <code>Hello-World</code> on <code>production</code> (duration: 0s)", content["formatted_body"]!.GetValue<string>());
        Assert.Equal("""{"service":"Hello-World","host":"production","playbook":"deploy master","operator":"Codertocat","duration":0,"status":"success"}""", content["solti"]!["data"]!.ToJsonString());
        Assert.Empty(await h.MessagesAsync(otherRoom, bot.AccessToken));
        Assert.DoesNotContain("   at ", relay.Log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_configuration_file_stops_the_start_naming_the_key()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("SETUP");
        using var state = new TempDirectory("solti-hooks-");
        var config = Path.Combine(state, "relay.yml");
        await File.WriteAllTextAsync(config, "hooks:\n  generic:\n    deploys:\n      schema: deploy.finish.v1\n      data: {}\n");
        await using var relay = new RelayProcess(h.CliEnvironment(bot.AccessToken, state), "--config", config);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(relay.StartAsync);
        Assert.Contains($"{config}: hooks.generic.deploys.schema: expected a known schema (", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_documented_configuration_runs_as_written()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("SETUP");
        var (opsRoom, _) = await h.BotRoomAsync(bot.AccessToken, "ops");
        var (deploysRoom, _) = await h.BotRoomAsync(bot.AccessToken, "deploys");
        using var state = new TempDirectory("solti-hooks-");
        var schemas = Directory.CreateDirectory(Path.Combine(state, "schemas")).FullName;
        File.Copy(Path.Combine(Solti.Matrix.Testing.Repository.Root, "collection", "examples", "schemas", "github.deploy.v1.json"), Path.Combine(schemas, "github.deploy.v1.json"));
        var config = Path.Combine(state, "relay.yml");
        await File.WriteAllTextAsync(config, DocumentedConfiguration().Replace(":example.com", ":" + h.Hs.ServerName, StringComparison.Ordinal));
        await using var relay = new RelayProcess(h.CliEnvironment(bot.AccessToken, state), "--config", config, "--schema-dir", schemas);
        await relay.StartAsync();
        using var http = relay.Client();

        var github = JsonNode.Parse(GenericHookTests.Payload("github-deployment-status.json"))!;
        var (status, body) = await AlertIntakeTests.PostAsync(http, "/v1/hooks/generic/github-deploy", github.ToJsonString());
        Assert.True(status == HttpStatusCode.Accepted, body.ToJsonString());
        github["deployment_status"]!["updated_at"] = "2019-05-15T15:21:00Z"; // the same deployment status: the correlation id
        (status, _) = await AlertIntakeTests.PostAsync(http, "/v1/hooks/generic/github-deploy", github.ToJsonString());
        Assert.Equal(HttpStatusCode.Accepted, status);
        github["deployment_status"]!["id"] = 209916255;
        github["deployment_status"]!["state"] = "failure";
        (status, _) = await AlertIntakeTests.PostAsync(http, "/v1/hooks/generic/github-deploy", github.ToJsonString());
        Assert.Equal(HttpStatusCode.Accepted, status);
        (status, _) = await AlertIntakeTests.PostAsync(http, "/v1/hooks/alertmanager", AlertPayloadTestsSample());
        Assert.Equal(HttpStatusCode.Accepted, status);

        await AlertIntakeTests.DrainedAsync(http);
        var deploys = await h.MessagesAsync(deploysRoom, bot.AccessToken);
        Assert.Equal(
            ["✅ Codertocat/Hello-World deployed to production: master (f95f852bd8fca8fcc58a9a2d6c842781e32a215e) by Codertocat",
             "❌ Codertocat/Hello-World deployment to production FAILED: master (f95f852bd8fca8fcc58a9a2d6c842781e32a215e) by Codertocat"],
            deploys.Select(m => m["content"]!["body"]!.GetValue<string>()));
        Assert.Equal("✅ <b>Codertocat/Hello-World</b> deployed to <code>production</code>: master (<code>f95f852bd8fca8fcc58a9a2d6c842781e32a215e</code>) by Codertocat",
            deploys[0]["content"]!["formatted_body"]!.GetValue<string>());
        Assert.Equal("github.deploy.v1", AlertIntakeTests.Schema(deploys[0]));
        Assert.Equal("github-Codertocat/Hello-World-145988746", deploys[0]["content"]!["solti"]!["correlation_id"]!.GetValue<string>());
        Assert.Null(deploys[0]["content"]!["m.relates_to"]);
        Assert.Equal(("m.thread", deploys[0]["event_id"]!.GetValue<string>()), // the same deployment's next status: in the first one's thread
            (deploys[1]["content"]!["m.relates_to"]!["rel_type"]!.GetValue<string>(), deploys[1]["content"]!["m.relates_to"]!["event_id"]!.GetValue<string>()));
        Assert.Equal("github:Codertocat/Hello-World", deploys[0]["content"]!["solti"]!["source"]!.GetValue<string>());
        Assert.Equal(["alert.firing.v1", "alert.resolved.v1"], (await h.MessagesAsync(opsRoom, bot.AccessToken)).Select(AlertIntakeTests.Schema));
    }

    /// <summary>docs/alerts.md's configuration file (its first yaml block), as written.</summary>
    private static string DocumentedConfiguration()
    {
        var doc = File.ReadAllText(Path.Combine(Solti.Matrix.Testing.Repository.Root, "docs", "alerts.md"));
        var start = doc.IndexOf("```yaml\n", StringComparison.Ordinal) + "```yaml\n".Length;
        var yaml = doc[start..doc.IndexOf("```", start, StringComparison.Ordinal)];
        Assert.StartsWith("hooks:", yaml, StringComparison.Ordinal);
        return yaml;
    }

    private static string AlertPayloadTestsSample() => Alerts.AlertPayloadTests.Sample("alertmanager-v4.json");
}
