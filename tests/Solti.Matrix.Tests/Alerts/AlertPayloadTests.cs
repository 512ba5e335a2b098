using System.Text.Json.Nodes;
using Solti.Matrix.Alerts;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Tests.Alerts;

/// <summary>Reading the webhook payloads. The samples beside this file have the recorded shape: alertmanager-v4.json
/// is Alertmanager's <c>notify/webhook/webhook.go</c> <c>Message</c> (<c>template.Data</c> + version, groupKey,
/// truncatedAlerts; nanosecond <c>startsAt</c> and the zero <c>endsAt</c> as Go marshals them) after the example of
/// prometheus.io's <c>webhook_config</c> documentation; grafana-v1.json is the example body of Grafana's webhook
/// notifier documentation (unified alerting), with <c>valueString</c> and a <c>null</c> <c>values</c> as
/// <c>grafana/alerting</c>'s <c>receivers/webhook</c> sends them.</summary>
[Trait("tier", "unit")]
public sealed class AlertPayloadTests
{
    internal static string Sample(string name) => File.ReadAllText(Path.Combine(Repository.Root, "tests", "Solti.Matrix.Tests", "Alerts", name));

    [Fact]
    public void Alertmanager_sample_is_read_field_by_field()
    {
        var n = AlertmanagerPayload.Parse(Sample("alertmanager-v4.json"));
        Assert.Equal((AlertSource.Alertmanager, "4", AlertStatus.Firing, "solti-relay", 0), (n.Source, n.Version, n.Status, n.Receiver, n.TruncatedAlerts));
        Assert.Equal("{}/{severity=\"critical\"}:{alertname=\"ProbeFailure\"}", n.GroupKey);
        Assert.Equal("ProbeFailure", n.GroupLabels["alertname"]);
        Assert.Equal("critical", n.CommonLabels["severity"]);
        Assert.Empty(n.CommonAnnotations);
        Assert.Equal("http://alertmanager.example.org:9093", n.ExternalUrl);
        Assert.Equal(2, n.Alerts.Count);

        var firing = n.Alerts[0];
        Assert.Equal((AlertStatus.Firing, "1a30ba71cca2921f", "ProbeFailure"), (firing.Status, firing.Fingerprint, firing.Name));
        Assert.Equal(new DateTimeOffset(2026, 2, 6, 12, 8, 45, TimeSpan.Zero).AddTicks(8284373), firing.StartsAt);
        Assert.Null(firing.EndsAt);
        Assert.Equal("BlackBox Probe Failure: https://web1.example.org", firing.Annotations["summary"]);
        Assert.Contains("&g0.tab=1", firing.GeneratorUrl, StringComparison.Ordinal);
        Assert.Null(firing.SilenceUrl);
        Assert.Equal("1a30ba71cca2921f@2026-02-06T12:08:45.8284373Z", firing.Key.ToString());

        var resolved = n.Alerts[1];
        Assert.Equal(AlertStatus.Resolved, resolved.Status);
        Assert.Equal(new DateTimeOffset(2026, 2, 6, 12, 31, 15, 100, TimeSpan.Zero), resolved.EndsAt);
    }

    [Fact]
    public void Grafana_sample_is_read_with_its_own_fields()
    {
        var n = GrafanaPayload.Parse(Sample("grafana-v1.json"));
        Assert.Equal((AlertSource.Grafana, "1", "{}:{}", 1L), (n.Source, n.Version, n.GroupKey, n.OrgId));
        Assert.Equal(("[FIRING:2]  (blue)", "alerting"), (n.Title, n.State));
        Assert.StartsWith("**Firing**", n.Message, StringComparison.Ordinal);
        Assert.Empty(n.GroupLabels);
        Assert.Equal("blue", n.CommonLabels["team"]);

        var memory = n.Alerts[0];
        Assert.Equal(("High memory usage", "c6eadffa33fcdf37"), (memory.Name, memory.Fingerprint));
        Assert.Equal(new DateTimeOffset(2021, 10, 12, 7, 51, 3, TimeSpan.Zero).AddTicks(1570760), memory.StartsAt);
        Assert.StartsWith("https://play.grafana.org/alerting/silence/new", memory.SilenceUrl, StringComparison.Ordinal);
        Assert.Equal("", memory.DashboardUrl);
        Assert.Equal(44.23943737541908, memory.Values!["B"]!.GetValue<double>());
        Assert.Contains("var='C'", memory.ValueString, StringComparison.Ordinal);
        Assert.Null(n.Alerts[1].Values);
    }

    [Fact]
    public void A_payload_of_another_version_or_sender_is_refused_naming_version()
    {
        var grafanaAsAlertmanager = Assert.Throws<AlertPayloadException>(() => AlertmanagerPayload.Parse(Sample("grafana-v1.json")));
        Assert.Equal("version", grafanaAsAlertmanager.Field);
        Assert.Equal("version: expected \"4\" (Alertmanager's webhook payload), got \"1\"", grafanaAsAlertmanager.Message);
        Assert.Equal("version: expected \"1\" (Grafana's webhook payload), got \"4\"", Assert.Throws<AlertPayloadException>(() => GrafanaPayload.Parse(Sample("alertmanager-v4.json"))).Message);
        Assert.Equal("version: required (\"4\" for Alertmanager)", Error(body => body.Remove("version")));
    }

    public static TheoryData<string, string, string> Malformed => new()
    {
        { "body", "[1, 2]", "body: expected a JSON object, got an array" },
        { "body", "{\"version\": \"4\",", "body: not valid JSON: " },
        { "status", """{"status": "pending"}""", "status: expected \"firing\" or \"resolved\", got \"pending\"" },
        { "receiver", """{"receiver": 7}""", "receiver: expected a string, got 7" },
        { "groupKey", """{"groupKey": ""}""", "groupKey: required (a non-empty string)" },
        { "truncatedAlerts", """{"truncatedAlerts": -2}""", "truncatedAlerts: expected an integer ≥ 0, got -2" },
        { "truncatedAlerts", """{"truncatedAlerts": "many"}""", "truncatedAlerts: expected an integer, got the string \"many\"" },
        { "commonLabels", """{"commonLabels": ["a"]}""", "commonLabels: expected an object of strings, got an array" },
        { "groupLabels.job", """{"groupLabels": {"job": 1}}""", "groupLabels.job: expected a string, got 1" },
        { "alerts", """{"alerts": null}""", "alerts: required (an array of alerts)" },
        { "alerts", """{"alerts": {}}""", "alerts: expected an array, got an object" },
        { "alerts[0]", """{"alerts": ["x"]}""", "alerts[0]: expected an object, got the string \"x\"" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void A_malformed_payload_is_refused_naming_the_field(string field, string change, string message)
    {
        var e = Assert.Throws<AlertPayloadException>(() => AlertmanagerPayload.Parse(field == "body" ? change : Changed(JsonNode.Parse(change)!.AsObject()).ToJsonString()));
        Assert.Equal(field, e.Field);
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string> MalformedAlert => new()
    {
        { "status", "\"\"", "alerts[1].status: expected \"firing\" or \"resolved\", got \"\"" },
        { "labels", "null", "alerts[1].labels: required (an object of strings)" },
        { "annotations", "{\"summary\": [\"x\"]}", "alerts[1].annotations.summary: expected a string, got an array" },
        { "startsAt", "\"yesterday\"", "alerts[1].startsAt: expected an RFC 3339 date-time (2026-11-25T05:30:00Z), got \"yesterday\"" },
        { "startsAt", "\"0001-01-01T00:00:00Z\"", "alerts[1].startsAt: required (an RFC 3339 date-time)" },
        { "endsAt", "1700000000", "alerts[1].endsAt: expected a string, got 1700000000" },
        { "fingerprint", "null", "alerts[1].fingerprint: required (a non-empty string)" },
        { "generatorURL", "false", "alerts[1].generatorURL: expected a string, got false" },
    };

    [Theory]
    [MemberData(nameof(MalformedAlert))]
    public void A_malformed_alert_is_refused_naming_its_index_and_field(string name, string value, string message)
    {
        Assert.Equal(message, Error(body => body["alerts"]![1]!.AsObject()[name] = JsonNode.Parse(value)));
    }

    [Fact]
    public void A_bad_grafana_field_is_named_too()
    {
        var body = JsonNode.Parse(Sample("grafana-v1.json"))!.AsObject();
        body["alerts"]![0]!["values"] = "B=1";
        Assert.Equal("alerts[0].values: expected an object of numbers, got the string \"B=1\"", Assert.Throws<AlertPayloadException>(() => GrafanaPayload.Parse(body)).Message);
        body = JsonNode.Parse(Sample("grafana-v1.json"))!.AsObject();
        body["orgId"] = "one";
        Assert.Equal("orgId", Assert.Throws<AlertPayloadException>(() => GrafanaPayload.Parse(body)).Field);
    }

    private static JsonObject Changed(JsonObject change)
    {
        var body = JsonNode.Parse(Sample("alertmanager-v4.json"))!.AsObject();
        foreach (var (name, value) in change)
        {
            body[name] = value?.DeepClone();
        }

        return body;
    }

    private static string Error(Action<JsonObject> change)
    {
        var body = JsonNode.Parse(Sample("alertmanager-v4.json"))!.AsObject();
        change(body);
        return Assert.Throws<AlertPayloadException>(() => AlertmanagerPayload.Parse(body)).Message;
    }
}
