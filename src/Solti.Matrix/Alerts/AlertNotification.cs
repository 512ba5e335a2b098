namespace Solti.Matrix.Alerts;

/// <summary>Who sent a notification: Prometheus' Alertmanager (webhook payload version 4) or Grafana's webhook
/// contact point (unified alerting, version 1). Its name is the events' <c>data.source</c>.</summary>
public enum AlertSource
{
    /// <summary>Prometheus Alertmanager's <c>webhook_config</c>.</summary>
    Alertmanager,

    /// <summary>Grafana's webhook contact point.</summary>
    Grafana,
}

/// <summary>The state of one alert, or of a whole group: <c>firing</c> or <c>resolved</c>.</summary>
public enum AlertStatus
{
    /// <summary>The alert's condition holds.</summary>
    Firing,

    /// <summary>The alert's condition no longer holds.</summary>
    Resolved,
}

/// <summary>One alert of a notification, as Alertmanager's <c>template.Alert</c> has it; the Grafana-only fields
/// (<see cref="SilenceUrl"/> and the rest) are null in an Alertmanager payload.</summary>
public sealed record Alert(
    AlertStatus Status,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Annotations,
    DateTimeOffset StartsAt,
    DateTimeOffset? EndsAt,
    string GeneratorUrl,
    string Fingerprint)
{
    /// <summary>Grafana: the link that opens a silence of this alert.</summary>
    public string? SilenceUrl { get; init; }

    /// <summary>Grafana: the dashboard of the rule, when it has one.</summary>
    public string? DashboardUrl { get; init; }

    /// <summary>Grafana: the panel of the rule, when it has one.</summary>
    public string? PanelUrl { get; init; }

    /// <summary>Grafana: the values of the rule's expressions (<c>values</c>), as sent.</summary>
    public JsonObject? Values { get; init; }

    /// <summary>Grafana: the same values as text (<c>valueString</c>).</summary>
    public string? ValueString { get; init; }

    /// <summary>What identifies this occurrence of the alert: a re-fire has a new <see cref="StartsAt"/>, so a new key;
    /// its resolution has the same key.</summary>
    public AlertKey Key => new(Fingerprint, StartsAt);

    /// <summary>The <c>alertname</c> label (empty when the alert has none).</summary>
    public string Name => Labels.GetValueOrDefault("alertname", "");
}

/// <summary>One group notification: the alerts of one group (<see cref="GroupKey"/>) as one webhook call sends them.
/// The Grafana-only fields (<see cref="OrgId"/> and the rest) are null in an Alertmanager payload.</summary>
public sealed record AlertNotification(
    AlertSource Source,
    string Version,
    string GroupKey,
    int TruncatedAlerts,
    AlertStatus Status,
    string Receiver,
    IReadOnlyDictionary<string, string> GroupLabels,
    IReadOnlyDictionary<string, string> CommonLabels,
    IReadOnlyDictionary<string, string> CommonAnnotations,
    string ExternalUrl,
    IReadOnlyList<Alert> Alerts)
{
    /// <summary>Grafana: the organisation of the alert rules.</summary>
    public long? OrgId { get; init; }

    /// <summary>Grafana: the rendered title (<c>[FIRING:2] …</c>).</summary>
    public string? Title { get; init; }

    /// <summary>Grafana: the legacy state (<c>alerting</c>, <c>ok</c>).</summary>
    public string? State { get; init; }

    /// <summary>Grafana: the rendered message.</summary>
    public string? Message { get; init; }
}

/// <summary>One occurrence of an alert: its fingerprint (a hash of its labels) and when it started. Written
/// <c>fingerprint@startsAt</c> with the start in UTC (<c>c6eadffa33fcdf37@2021-10-12T07:51:03.1570760Z</c>); equal keys
/// are the same instant whatever offset the sender wrote.</summary>
public readonly record struct AlertKey(string Fingerprint, DateTimeOffset StartsAt)
{
    /// <summary>The key as text, the same for the same occurrence whatever offset the sender wrote.</summary>
    public override string ToString() => $"{Fingerprint}@{AlertTime.Format(StartsAt)}";
}

/// <summary>A notification that cannot be read; the message names the field (<c>alerts[2].startsAt</c>) and what was
/// expected there. Meant for a <c>400</c> answer, never a stack trace.</summary>
public sealed class AlertPayloadException(string field, string problem) : Exception($"{field}: {problem}")
{
    /// <summary>The path of the bad field (<c>alerts[0].labels</c>), or <c>body</c> for the whole payload.</summary>
    public string Field { get; } = field;
}
