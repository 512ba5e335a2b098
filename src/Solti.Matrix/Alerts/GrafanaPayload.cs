namespace Solti.Matrix.Alerts;

/// <summary>Grafana's webhook contact point payload (unified alerting, version <c>1</c>; <c>grafana/alerting</c>'s
/// <c>receivers/webhook</c>): Alertmanager's fields plus orgId, title, state, message, and per alert silenceURL,
/// dashboardURL, panelURL, values, valueString.</summary>
public static class GrafanaPayload
{
    /// <summary>The version of Grafana's unified alerting webhook payload.</summary>
    public const string Version = "1";

    /// <summary>Reads a webhook call's body; a malformed one (or another version) is an
    /// <see cref="AlertPayloadException"/> naming the field.</summary>
    public static AlertNotification Parse(JsonNode? body) => Read(AlertPayloadReader.Body(body));

    /// <summary>Reads a webhook call's body from its text; text that is not JSON is an error naming <c>body</c>.</summary>
    public static AlertNotification Parse(string json) => Read(AlertPayloadReader.Body(json));

    private static AlertNotification Read(JsonObject body) =>
        AlertPayloadReader.Notification(body, AlertSource.Grafana, AlertPayloadReader.Version(body, Version, "Grafana"), ReadAlert) with
        {
            OrgId = AlertPayloadReader.Integer(body, "orgId", "orgId"),
            Title = AlertPayloadReader.Text(body, "title", "title"),
            State = AlertPayloadReader.Text(body, "state", "state"),
            Message = AlertPayloadReader.Text(body, "message", "message"),
        };

    private static Alert ReadAlert(JsonObject alert, string at) => AlertPayloadReader.Alert(alert, at) with
    {
        SilenceUrl = AlertPayloadReader.Text(alert, "silenceURL", $"{at}.silenceURL"),
        DashboardUrl = AlertPayloadReader.Text(alert, "dashboardURL", $"{at}.dashboardURL"),
        PanelUrl = AlertPayloadReader.Text(alert, "panelURL", $"{at}.panelURL"),
        Values = alert["values"] switch
        {
            null => null,
            JsonObject values => (JsonObject)values.DeepClone(),
            var other => throw new AlertPayloadException($"{at}.values", $"expected an object of numbers, got {AlertPayloadReader.Describe(other)}"),
        },
        ValueString = AlertPayloadReader.Text(alert, "valueString", $"{at}.valueString"),
    };
}
