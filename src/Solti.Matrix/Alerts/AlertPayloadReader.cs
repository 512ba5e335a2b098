using System.Globalization;

namespace Solti.Matrix.Alerts;

/// <summary>Reads the fields both webhook payloads share (Grafana's keeps Alertmanager's <c>template.Data</c> and
/// <c>template.Alert</c> and adds its own), each checked with an <see cref="AlertPayloadException"/> naming it.</summary>
internal static class AlertPayloadReader
{
    /// <summary>The body as a JSON object, else an error naming <c>body</c>.</summary>
    public static JsonObject Body(JsonNode? body) =>
        body as JsonObject ?? throw new AlertPayloadException("body", $"expected a JSON object, got {Describe(body)}");

    /// <summary>Parses <paramref name="json"/>; text that is not JSON is an error naming <c>body</c>.</summary>
    public static JsonObject Body(string json)
    {
        try
        {
            return Body(JsonNode.Parse(json));
        }
        catch (JsonException e)
        {
            throw new AlertPayloadException("body", "not valid JSON: " + e.Message);
        }
    }

    /// <summary>The group's fields and its alerts, the alerts read by <paramref name="alert"/>.</summary>
    public static AlertNotification Notification(JsonObject body, AlertSource source, string version, Func<JsonObject, string, Alert> alert) =>
        new(source, version,
            RequiredText(body, "groupKey", "groupKey"),
            Count(body, "truncatedAlerts", "truncatedAlerts"),
            Status(body, "status", "status"),
            RequiredText(body, "receiver", "receiver"),
            Map(body, "groupLabels", "groupLabels"),
            Map(body, "commonLabels", "commonLabels"),
            Map(body, "commonAnnotations", "commonAnnotations"),
            Text(body, "externalURL", "externalURL") ?? "",
            Alerts(body, alert));

    /// <summary>The version the payload must have: another one (or none) is an error naming <c>version</c>.</summary>
    public static string Version(JsonObject body, string expected, string sender)
    {
        var version = Text(body, "version", "version") ?? throw new AlertPayloadException("version", $"required (\"{expected}\" for {sender})");
        return version == expected ? version : throw new AlertPayloadException("version", $"expected \"{expected}\" ({sender}'s webhook payload), got \"{version}\"");
    }

    /// <summary>The fields of Alertmanager's <c>template.Alert</c> at <paramref name="at"/> (<c>alerts[0]</c>).</summary>
    public static Alert Alert(JsonObject alert, string at) =>
        new(Status(alert, "status", $"{at}.status"),
            Map(alert, "labels", $"{at}.labels", required: true),
            Map(alert, "annotations", $"{at}.annotations"),
            Time(alert, "startsAt", $"{at}.startsAt") ?? throw new AlertPayloadException($"{at}.startsAt", "required (an RFC 3339 date-time)"),
            Time(alert, "endsAt", $"{at}.endsAt"),
            Text(alert, "generatorURL", $"{at}.generatorURL") ?? "",
            RequiredText(alert, "fingerprint", $"{at}.fingerprint"));

    /// <summary>A string field, or null when it is absent or null.</summary>
    public static string? Text(JsonObject obj, string name, string at) => obj[name] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        var other => throw new AlertPayloadException(at, $"expected a string, got {Describe(other)}"),
    };

    /// <summary>A whole number field, or null when it is absent or null.</summary>
    public static long? Integer(JsonObject obj, string name, string at) => obj[name] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number && long.TryParse(v.ToJsonString(), CultureInfo.InvariantCulture, out var n) => n,
        var other => throw new AlertPayloadException(at, $"expected an integer, got {Describe(other)}"),
    };

    private static IReadOnlyList<Alert> Alerts(JsonObject body, Func<JsonObject, string, Alert> read)
    {
        var alerts = body["alerts"] as JsonArray
            ?? throw new AlertPayloadException("alerts", body["alerts"] is null ? "required (an array of alerts)" : $"expected an array, got {Describe(body["alerts"])}");
        return [.. alerts.Select((node, i) => read(node as JsonObject ?? throw new AlertPayloadException($"alerts[{i}]", $"expected an object, got {Describe(node)}"), $"alerts[{i}]"))];
    }

    private static string RequiredText(JsonObject obj, string name, string at) =>
        Text(obj, name, at) is { Length: > 0 } text ? text : throw new AlertPayloadException(at, "required (a non-empty string)");

    private static int Count(JsonObject obj, string name, string at) => Integer(obj, name, at) switch
    {
        null => 0,
        >= 0 and <= int.MaxValue and var n => (int)n,
        var n => throw new AlertPayloadException(at, $"expected an integer ≥ 0, got {n}"),
    };

    private static AlertStatus Status(JsonObject obj, string name, string at) => Text(obj, name, at) switch
    {
        "firing" => AlertStatus.Firing,
        "resolved" => AlertStatus.Resolved,
        null => throw new AlertPayloadException(at, "required (\"firing\" or \"resolved\")"),
        var other => throw new AlertPayloadException(at, $"expected \"firing\" or \"resolved\", got \"{other}\""),
    };

    private static Dictionary<string, string> Map(JsonObject obj, string name, string at, bool required = false)
    {
        if (obj[name] is not JsonObject map)
        {
            return obj[name] is null && !required
                ? new Dictionary<string, string>(StringComparer.Ordinal)
                : throw new AlertPayloadException(at, obj[name] is null ? "required (an object of strings)" : $"expected an object of strings, got {Describe(obj[name])}");
        }

        return map.ToDictionary(p => p.Key, p => Text(map, p.Key, $"{at}.{p.Key}") ?? "", StringComparer.Ordinal);
    }

    /// <summary>An RFC 3339 time; null when absent or Go's zero time (<c>0001-01-01T00:00:00Z</c>: not set).</summary>
    private static DateTimeOffset? Time(JsonObject obj, string name, string at)
    {
        if (Text(obj, name, at) is not { } text)
        {
            return null;
        }

        if (!text.Contains('T', StringComparison.Ordinal) || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            throw new AlertPayloadException(at, $"expected an RFC 3339 date-time (2026-11-25T05:30:00Z), got \"{text}\"");
        }

        return time.UtcTicks == 0 ? null : time;
    }

    /// <summary>What a bad value was, for an error: its kind, or a short quote of it.</summary>
    public static string Describe(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "an object",
        JsonArray => "an array",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => $"the string \"{Shorten(v.GetValue<string>())}\"",
        _ => Shorten(node.ToJsonString()),
    };

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}

/// <summary>The one text form of an alert's times: UTC, RFC 3339, seven fractional digits.</summary>
internal static class AlertTime
{
    /// <summary><paramref name="time"/> in UTC as <c>2021-10-12T07:51:03.1570760Z</c>.</summary>
    public static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);
}
