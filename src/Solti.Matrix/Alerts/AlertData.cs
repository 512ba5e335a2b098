namespace Solti.Matrix.Alerts;

/// <summary>The <c>data</c> of the alert schemas: <c>alert.firing.v1</c> and <c>alert.resolved.v1</c> for one alert,
/// <c>alert.group.v1</c> for many (docs/event-schemas.md).</summary>
internal static class AlertData
{
    /// <summary>At most this many distinct alert names are listed in a group event's <c>alertnames</c>.</summary>
    public const int MaxGroupNames = 20;

    /// <summary>The schema of one alert in <paramref name="status"/>.</summary>
    public static string SchemaOf(AlertStatus status) => status == AlertStatus.Firing ? "alert.firing.v1" : "alert.resolved.v1";

    /// <summary>The schema of a group event.</summary>
    public const string GroupSchema = "alert.group.v1";

    /// <summary>One alert's data; a resolution without <c>endsAt</c> ends at <paramref name="now"/>.</summary>
    public static JsonObject Single(AlertNotification notification, Alert alert, DateTimeOffset now)
    {
        var data = new JsonObject
        {
            ["alertname"] = NameOf(alert),
            ["status"] = StatusName(alert.Status),
            ["severity"] = SeverityOf(alert),
            ["summary"] = SummaryOf(alert),
            ["labels"] = Object(alert.Labels),
            ["annotations"] = Object(alert.Annotations),
            ["fingerprint"] = alert.Fingerprint,
            ["starts_at"] = AlertTime.Format(alert.StartsAt),
        };
        if (alert.Status == AlertStatus.Resolved)
        {
            data["ends_at"] = AlertTime.Format(alert.EndsAt ?? now);
        }

        data["key"] = alert.Key.ToString();
        data["generator_url"] = alert.GeneratorUrl;
        AddGroup(data, notification);
        AddIfAny(data, "silence_url", alert.SilenceUrl);
        AddIfAny(data, "dashboard_url", alert.DashboardUrl);
        AddIfAny(data, "panel_url", alert.PanelUrl);
        AddIfAny(data, "value_string", alert.ValueString);
        return data;
    }

    /// <summary>The data of one event listing <paramref name="alerts"/>, all in <paramref name="status"/>.</summary>
    public static JsonObject Group(AlertNotification notification, AlertStatus status, IReadOnlyList<Alert> alerts, DateTimeOffset now)
    {
        var severities = alerts.Select(SeverityOf).Distinct(StringComparer.Ordinal).ToList();
        var names = alerts.Select(NameOf).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var listed = names.Take(MaxGroupNames).Select(n => (JsonNode?)n).ToList();
        if (names.Count > MaxGroupNames)
        {
            listed.Add($"… {names.Count - MaxGroupNames} more");
        }

        var data = new JsonObject
        {
            ["status"] = StatusName(status),
            ["count"] = alerts.Count,
            ["severity"] = severities.Count == 1 ? severities[0] : "mixed",
            ["alertnames"] = new JsonArray([.. listed]),
            ["alerts"] = new JsonArray([.. alerts.Select(a => (JsonNode)Item(a, now))]),
            ["common_labels"] = Object(notification.CommonLabels),
        };
        if (notification.TruncatedAlerts > 0)
        {
            data["truncated_alerts"] = notification.TruncatedAlerts;
        }

        AddGroup(data, notification);
        AddIfAny(data, "external_url", notification.ExternalUrl);
        return data;
    }

    /// <summary><c>firing</c> or <c>resolved</c>.</summary>
    public static string StatusName(AlertStatus status) => status == AlertStatus.Firing ? "firing" : "resolved";

    private static JsonObject Item(Alert alert, DateTimeOffset now)
    {
        var item = new JsonObject
        {
            ["key"] = alert.Key.ToString(),
            ["alertname"] = NameOf(alert),
            ["severity"] = SeverityOf(alert),
            ["fingerprint"] = alert.Fingerprint,
            ["starts_at"] = AlertTime.Format(alert.StartsAt),
        };
        if (alert.Status == AlertStatus.Resolved)
        {
            item["ends_at"] = AlertTime.Format(alert.EndsAt ?? now);
        }

        item["summary"] = SummaryOf(alert);
        return item;
    }

    // An alert without an alertname label is named by its fingerprint.
    private static string NameOf(Alert alert) => alert.Name is { Length: > 0 } name ? name : alert.Fingerprint;

    private static string SeverityOf(Alert alert) => alert.Labels.GetValueOrDefault("severity") is { Length: > 0 } severity ? severity : "none";

    // The summary annotation, else the description, else nothing.
    private static string SummaryOf(Alert alert) =>
        alert.Annotations.GetValueOrDefault("summary") is { Length: > 0 } summary ? summary : alert.Annotations.GetValueOrDefault("description") ?? "";

    private static void AddGroup(JsonObject data, AlertNotification notification)
    {
        data["source"] = notification.Source == AlertSource.Alertmanager ? "alertmanager" : "grafana";
        data["group_key"] = notification.GroupKey;
        data["receiver"] = notification.Receiver;
    }

    private static void AddIfAny(JsonObject data, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            data[name] = value;
        }
    }

    private static JsonObject Object(IReadOnlyDictionary<string, string> map) =>
        new(map.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value)));
}
