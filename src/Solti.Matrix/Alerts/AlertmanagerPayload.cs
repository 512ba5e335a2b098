namespace Solti.Matrix.Alerts;

/// <summary>Prometheus Alertmanager's webhook payload, version <c>4</c> (<c>notify/webhook/webhook.go</c>'s
/// <c>Message</c>: <c>template.Data</c> — receiver, status, alerts, groupLabels, commonLabels, commonAnnotations,
/// externalURL — plus version, groupKey, truncatedAlerts).</summary>
public static class AlertmanagerPayload
{
    /// <summary>The only payload version Alertmanager has sent since 0.x's webhook was versioned.</summary>
    public const string Version = "4";

    /// <summary>Reads a webhook call's body; a malformed one (or another version) is an
    /// <see cref="AlertPayloadException"/> naming the field.</summary>
    public static AlertNotification Parse(JsonNode? body) => Read(AlertPayloadReader.Body(body));

    /// <summary>Reads a webhook call's body from its text; text that is not JSON is an error naming <c>body</c>.</summary>
    public static AlertNotification Parse(string json) => Read(AlertPayloadReader.Body(json));

    private static AlertNotification Read(JsonObject body) =>
        AlertPayloadReader.Notification(body, AlertSource.Alertmanager, AlertPayloadReader.Version(body, Version, "Alertmanager"), AlertPayloadReader.Alert);
}
