using Solti.Matrix.Events;

namespace Solti.Matrix.Alerts;

/// <summary>How alerts become events. The defaults are the documented rule (docs/alerts.md).</summary>
public sealed record AlertEventOptions
{
    /// <summary>More new alerts in one state than this in one notification become one <c>alert.group.v1</c>
    /// event.</summary>
    public const int DefaultGroupThreshold = 10;

    /// <summary>An event's content stays under this many UTF-8 bytes: an edit carries the content twice
    /// (<c>m.new_content</c> and the fallback), Megolm's base64 makes it 4/3 larger, and the homeserver's limit on a
    /// whole event is 65,536 bytes: 2 × 20,000 × 4/3 = 53,334, leaving 12 KB for the event's own fields.</summary>
    public const int DefaultMaxContentBytes = 20_000;

    /// <summary>See <see cref="DefaultGroupThreshold"/>.</summary>
    public int GroupThreshold { get; init; } = DefaultGroupThreshold;

    /// <summary>See <see cref="DefaultMaxContentBytes"/>.</summary>
    public int MaxContentBytes { get; init; } = DefaultMaxContentBytes;

    /// <summary>The envelope's <c>source</c>; null: the sender's name (<c>alertmanager</c>, <c>grafana</c>).</summary>
    public string? EnvelopeSource { get; init; }

    /// <summary>Add an HTML <c>formatted_body</c> as <see cref="SoltiEvent.Build"/> does.</summary>
    public bool Html { get; init; }

    /// <summary>The clock for a group event's timestamp and a resolution that names no end.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}

/// <summary>One SOLTI event to post for a notification: its content, the state it reports, and the alert keys it
/// covers (one, or a group's). Record it in the <see cref="IAlertLedger"/> once it is committed.</summary>
public sealed record AlertEvent(AlertStatus Status, IReadOnlyList<AlertKey> Keys, JsonObject Content)
{
    /// <summary>The event's schema (<c>alert.firing.v1</c>, <c>alert.resolved.v1</c>, <c>alert.group.v1</c>).</summary>
    public string Schema => Content["solti"]!["schema"]!.GetValue<string>();

    /// <summary>The event's <c>solti.data</c>.</summary>
    public JsonObject Data => Content["solti"]!["data"]!.AsObject();
}

/// <summary>A notification (Alertmanager's or Grafana's) → the SOLTI events to post: one per alert whose (key, state)
/// the ledger has not accepted yet, firing first; more than <see cref="AlertEventOptions.GroupThreshold"/> new alerts
/// in one state make one group event instead; each content fits <see cref="AlertEventOptions.MaxContentBytes"/>.
/// Sans I/O: the caller posts the events, then records them in the ledger.</summary>
public static class AlertEvents
{
    /// <summary>The events <paramref name="notification"/> adds to what <paramref name="ledger"/> has accepted (none
    /// for a repeat or a retry); the data is checked against the shipped schemas of <paramref name="schemas"/>.</summary>
    public static IReadOnlyList<AlertEvent> Map(AlertNotification notification, IAlertLedger ledger, SchemaRegistry schemas, AlertEventOptions? options = null)
    {
        options ??= new();
        var fresh = notification.Alerts
            .DistinctBy(a => (a.Key, a.Status))
            .Where(a => !ledger.Contains(a.Key, a.Status))
            .ToList();
        var events = new List<AlertEvent>();
        foreach (var status in (ReadOnlySpan<AlertStatus>)[AlertStatus.Firing, AlertStatus.Resolved])
        {
            var alerts = fresh.Where(a => a.Status == status).ToList();
            if (alerts.Count > options.GroupThreshold)
            {
                events.Add(Group(notification, status, alerts, schemas, options));
            }
            else
            {
                events.AddRange(alerts.Select(alert => Single(notification, alert, schemas, options)));
            }
        }

        return events;
    }

    internal static AlertEvent Single(AlertNotification notification, Alert alert, SchemaRegistry schemas, AlertEventOptions options)
    {
        var now = options.Time.GetUtcNow();
        var data = AlertData.Single(notification, alert, now);
        var happened = alert.Status == AlertStatus.Firing ? alert.StartsAt : alert.EndsAt ?? now;
        return new(alert.Status, [alert.Key], Build(schemas, AlertData.SchemaOf(alert.Status), data, options, happened));
    }

    private static AlertEvent Group(AlertNotification notification, AlertStatus status, List<Alert> alerts, SchemaRegistry schemas, AlertEventOptions options)
    {
        var now = options.Time.GetUtcNow();
        var data = AlertData.Group(notification, status, alerts, now);
        return new(status, [.. alerts.Select(a => a.Key)], Build(schemas, AlertData.GroupSchema, data, options, now));
    }

    private static JsonObject Build(SchemaRegistry schemas, string schema, JsonObject data, AlertEventOptions options, DateTimeOffset timestamp)
    {
        var source = options.EnvelopeSource ?? data["source"]!.GetValue<string>();
        return AlertContentBudget.Fit(data, options.MaxContentBytes,
            fitted => SoltiEvent.Build(schemas, schema, fitted, source, html: options.Html, timestamp: timestamp));
    }
}
