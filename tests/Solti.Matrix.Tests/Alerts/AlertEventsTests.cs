using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Solti.Matrix.Alerts;
using Solti.Matrix.Events;

namespace Solti.Matrix.Tests.Alerts;

/// <summary>Alerts → SOLTI events: one per alert, nothing again for a repeat or a retry, a re-fire is new, a
/// resolution has its firing's key, many at once make one group event, and every content fits the size rule and
/// its schema.</summary>
[Trait("tier", "unit")]
public sealed class AlertEventsTests
{
    private static readonly SchemaRegistry Registry = SchemaRegistry.Load();
    private static readonly DateTimeOffset T0 = new(2026, 2, 6, 12, 0, 0, TimeSpan.Zero);
    private static readonly AlertEventOptions Options = new() { Time = new FakeTimeProvider(T0.AddHours(1)) };

    [Fact]
    public void Each_alert_becomes_one_event_with_its_schema_body_and_data()
    {
        var events = AlertEvents.Map(AlertmanagerPayload.Parse(AlertPayloadTests.Sample("alertmanager-v4.json")), new MemoryAlertLedger(), Registry, Options);

        Assert.Equal(["alert.firing.v1", "alert.resolved.v1"], events.Select(e => e.Schema));
        var firing = events[0];
        Assert.Equal("🔥 FIRING [critical] ProbeFailure: BlackBox Probe Failure: https://web1.example.org", firing.Content["body"]!.GetValue<string>());
        Assert.Equal("alertmanager", firing.Content["solti"]!["source"]!.GetValue<string>());
        Assert.Equal("2026-02-06T12:08:45.828Z", firing.Content["solti"]!["timestamp"]!.GetValue<string>());
        Assert.Equal("1a30ba71cca2921f@2026-02-06T12:08:45.8284373Z", firing.Data["key"]!.GetValue<string>());
        Assert.Equal([new AlertKey("1a30ba71cca2921f", DateTimeOffset.Parse("2026-02-06T12:08:45.8284373Z"))], firing.Keys);
        Assert.Equal("https://web1.example.org", firing.Data["labels"]!["instance"]!.GetValue<string>());
        Assert.Equal("{}/{severity=\"critical\"}:{alertname=\"ProbeFailure\"}", firing.Data["group_key"]!.GetValue<string>());
        Assert.Null(firing.Data["ends_at"]);

        var resolved = events[1];
        Assert.Equal(AlertStatus.Resolved, resolved.Status);
        Assert.Equal("✅ RESOLVED [critical] ProbeFailure: BlackBox Probe Failure: https://web2.example.org", resolved.Content["body"]!.GetValue<string>());
        Assert.Equal("2026-02-06T12:31:15.1000000Z", resolved.Data["ends_at"]!.GetValue<string>());
        Assert.All(events, Valid);
    }

    [Fact]
    public void Grafana_alerts_map_with_their_links_and_a_default_severity()
    {
        var events = AlertEvents.Map(GrafanaPayload.Parse(AlertPayloadTests.Sample("grafana-v1.json")), new MemoryAlertLedger(), Registry, Options with { EnvelopeSource = "relay@ops" });

        Assert.Equal(2, events.Count);
        Assert.Equal("🔥 FIRING [none] High memory usage: This alert was triggered for zone us-1", events[0].Content["body"]!.GetValue<string>());
        Assert.Equal("none", events[0].Data["severity"]!.GetValue<string>());
        Assert.Equal("warning", events[1].Data["severity"]!.GetValue<string>());
        Assert.Equal("grafana", events[0].Data["source"]!.GetValue<string>());
        Assert.Equal("relay@ops", events[0].Content["solti"]!["source"]!.GetValue<string>());
        Assert.StartsWith("https://play.grafana.org/alerting/silence/", events[0].Data["silence_url"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(events[0].Data["dashboard_url"]);
        Assert.Null(events[1].Data["value_string"]);
        Assert.All(events, Valid);
    }

    [Fact]
    public void Repeats_and_retries_of_an_accepted_state_yield_nothing()
    {
        var ledger = new MemoryAlertLedger();
        var payload = Payload(Alert("aaaa", T0), Alert("bbbb", T0));
        var first = AlertEvents.Map(payload, ledger, Registry, Options);
        Assert.Equal(2, first.Count);

        // Not recorded yet (the commit failed, the sender retries): the same events again.
        Assert.Equal(2, AlertEvents.Map(payload, ledger, Registry, Options).Count);
        ledger.Record(first);
        Assert.Empty(AlertEvents.Map(payload, ledger, Registry, Options));
        Assert.Empty(AlertEvents.Map(Payload(Alert("bbbb", T0)), ledger, Registry, Options));

        // The same start written with another offset is the same occurrence.
        Assert.Empty(AlertEvents.Map(Payload(Alert("aaaa", T0.ToOffset(TimeSpan.FromHours(2)))), ledger, Registry, Options));
        Assert.Equal(2, ledger.Count);
    }

    [Fact]
    public void A_refire_with_a_new_start_is_a_new_alert()
    {
        var ledger = new MemoryAlertLedger();
        ledger.Record(AlertEvents.Map(Payload(Alert("aaaa", T0)), ledger, Registry, Options));

        var refired = AlertEvents.Map(Payload(Alert("aaaa", T0.AddMinutes(30))), ledger, Registry, Options);
        var single = Assert.Single(refired);
        Assert.Equal(AlertStatus.Firing, single.Status);
        Assert.Equal(new AlertKey("aaaa", T0.AddMinutes(30)), Assert.Single(single.Keys));
        Assert.NotEqual(new AlertKey("aaaa", T0), single.Keys[0]);
    }

    [Fact]
    public void A_resolution_has_the_key_of_its_firing_and_is_new_once()
    {
        var ledger = new MemoryAlertLedger();
        var fired = AlertEvents.Map(Payload(Alert("aaaa", T0), Alert("bbbb", T0)), ledger, Registry, Options);
        ledger.Record(fired);

        // Alertmanager's next call: one still firing (a repeat), one resolved.
        var next = Payload(Alert("aaaa", T0), Alert("bbbb", T0, resolvedAt: T0.AddMinutes(5)));
        var resolution = Assert.Single(AlertEvents.Map(next, ledger, Registry, Options));
        Assert.Equal(AlertStatus.Resolved, resolution.Status);
        Assert.Equal(fired[1].Keys, resolution.Keys);
        Assert.Equal(fired[1].Data["key"]!.GetValue<string>(), resolution.Data["key"]!.GetValue<string>());
        Assert.Equal("2026-02-06T12:05:00.000Z", resolution.Content["solti"]!["timestamp"]!.GetValue<string>());
        ledger.Record([resolution]);
        Assert.Empty(AlertEvents.Map(next, ledger, Registry, Options));
        Valid(resolution);
    }

    [Fact]
    public void More_new_alerts_than_the_threshold_make_one_group_event()
    {
        Assert.Equal(10, AlertEventOptions.DefaultGroupThreshold);
        var ten = Enumerable.Range(0, 10).Select(i => Alert($"f{i:D3}", T0)).ToArray();
        Assert.Equal(10, AlertEvents.Map(Payload(ten), new MemoryAlertLedger(), Registry, Options).Count);

        var ledger = new MemoryAlertLedger();
        var eleven = Enumerable.Range(0, 11).Select(i => Alert($"f{i:D3}", T0, name: i % 2 == 0 ? "DiskFull" : "HostDown", severity: i == 0 ? "critical" : "warning")).ToArray();
        var group = Assert.Single(AlertEvents.Map(Payload(eleven), ledger, Registry, Options));
        Assert.Equal("alert.group.v1", group.Schema);
        Assert.Equal(11, group.Keys.Count);
        Assert.Equal(11, group.Data["alerts"]!.AsArray().Count);
        Assert.Equal("🔥 FIRING: 11 alerts [mixed]: DiskFull, HostDown", group.Content["body"]!.GetValue<string>());
        Assert.Equal("2026-02-06T13:00:00.000Z", group.Content["solti"]!["timestamp"]!.GetValue<string>());
        Valid(group);

        // Once accepted, the same group yields nothing; their resolutions, all at once, are one group event too.
        ledger.Record([group]);
        Assert.Empty(AlertEvents.Map(Payload(eleven), ledger, Registry, Options));
        var resolved = eleven.Select(a => { a["status"] = "resolved"; a["endsAt"] = "2026-02-06T12:10:00Z"; return a; }).ToArray();
        var resolution = Assert.Single(AlertEvents.Map(Payload(resolved), ledger, Registry, Options));
        Assert.Equal(("alert.group.v1", AlertStatus.Resolved), (resolution.Schema, resolution.Status));
        Assert.StartsWith("✅ RESOLVED: 11 alerts", resolution.Content["body"]!.GetValue<string>(), StringComparison.Ordinal);
        Valid(resolution);
    }

    [Fact]
    public void A_huge_annotation_is_cut_with_a_note_to_fit_the_size_rule()
    {
        var huge = new string('x', 200_000);
        var alert = Alert("aaaa", T0);
        alert["annotations"]!["description"] = huge;
        alert["annotations"]!["summary"] = "disk " + huge;

        var one = Assert.Single(AlertEvents.Map(Payload(alert), new MemoryAlertLedger(), Registry, Options with { Html = true }));
        Assert.InRange(Size(one.Content), 1, AlertEventOptions.DefaultMaxContentBytes);
        Assert.True(one.Data["truncated"]!.GetValue<bool>());
        Assert.EndsWith("… [truncated: 2048 of 200000 characters]", one.Data["annotations"]!["description"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("[truncated: ", one.Content["body"]!.GetValue<string>(), StringComparison.Ordinal);
        Valid(one);

        var small = Assert.Single(AlertEvents.Map(Payload(Alert("bbbb", T0)), new MemoryAlertLedger(), Registry, Options));
        Assert.Null(small.Data["truncated"]);
    }

    [Fact]
    public void A_group_too_big_for_one_event_lists_what_fits_and_counts_the_rest()
    {
        var many = Enumerable.Range(0, 400).Select(i =>
        {
            var a = Alert($"f{i:D4}", T0, name: $"Alert{i:D4}");
            a["annotations"]!["summary"] = $"alert {i}: " + new string('y', 300);
            return a;
        }).ToArray();

        var group = Assert.Single(AlertEvents.Map(Payload(many), new MemoryAlertLedger(), Registry, Options));
        Assert.InRange(Size(group.Content), 1, AlertEventOptions.DefaultMaxContentBytes);
        var listed = group.Data["alerts"]!.AsArray().Count;
        Assert.InRange(listed, 10, 399);
        Assert.Equal(400, listed + group.Data["omitted"]!.GetValue<int>());
        Assert.Equal(400, group.Keys.Count);
        Assert.Equal(400, group.Data["count"]!.GetValue<int>());
        Assert.Equal(21, group.Data["alertnames"]!.AsArray().Count);
        Assert.Equal("… 380 more", group.Data["alertnames"]![20]!.GetValue<string>());
        Valid(group);

        var tight = Assert.Single(AlertEvents.Map(Payload(many), new MemoryAlertLedger(), Registry, Options with { MaxContentBytes = 4_000 }));
        Assert.InRange(Size(tight.Content), 1, 4_000);
        Valid(tight);
    }

    private static int Size(JsonObject content) => Encoding.UTF8.GetByteCount(content.ToJsonString());

    private static void Valid(AlertEvent e) =>
        Assert.Empty(JsonSchemaValidator.Validate(Registry.Get(e.Schema)!.Document, e.Data, "data"));

    private static JsonObject Alert(string fingerprint, DateTimeOffset startsAt, DateTimeOffset? resolvedAt = null, string name = "DiskFull", string? severity = "critical") => new()
    {
        ["status"] = resolvedAt is null ? "firing" : "resolved",
        ["labels"] = severity is null ? new JsonObject { ["alertname"] = name } : new JsonObject { ["alertname"] = name, ["severity"] = severity },
        ["annotations"] = new JsonObject { ["summary"] = $"{name} on {fingerprint}" },
        ["startsAt"] = startsAt.ToString("o"),
        ["endsAt"] = resolvedAt?.ToString("o") ?? "0001-01-01T00:00:00Z",
        ["generatorURL"] = "http://prometheus:9090/graph",
        ["fingerprint"] = fingerprint,
    };

    private static AlertNotification Payload(params JsonObject[] alerts) => AlertmanagerPayload.Parse(new JsonObject
    {
        ["version"] = "4",
        ["groupKey"] = "{}:{alertname=\"DiskFull\"}",
        ["truncatedAlerts"] = 0,
        ["status"] = alerts.Any(a => a["status"]!.GetValue<string>() == "firing") ? "firing" : "resolved",
        ["receiver"] = "solti",
        ["groupLabels"] = new JsonObject(),
        ["commonLabels"] = new JsonObject(),
        ["commonAnnotations"] = new JsonObject(),
        ["externalURL"] = "http://alertmanager:9093",
        ["alerts"] = new JsonArray([.. alerts.Select(a => (JsonNode)a.DeepClone())]),
    });
}
