using System.Text;

namespace Solti.Matrix.Alerts;

/// <summary>Keeps an alert event's content under <see cref="AlertEventOptions.MaxContentBytes"/> (UTF-8 bytes of its
/// compact JSON): first every string of the data longer than <see cref="LongText"/> characters is cut to that length;
/// then a group event's list loses alerts from its end (counted in <c>omitted</c>); then the longest string left is
/// halved until the content fits. Every cut string ends with a note saying how much was shown, and the data gets
/// <c>truncated: true</c>. Keys, fingerprints and times are shorter than <see cref="ShortText"/> and never cut.</summary>
internal static class AlertContentBudget
{
    /// <summary>Strings are first cut to this many characters.</summary>
    public const int LongText = 2048;

    /// <summary>Strings this short are never cut.</summary>
    public const int ShortText = 64;

    /// <summary>The content <paramref name="build"/> makes of <paramref name="data"/>, cut until it fits
    /// <paramref name="maxBytes"/>.</summary>
    public static JsonObject Fit(JsonObject data, int maxBytes, Func<JsonObject, JsonObject> build)
    {
        var content = build(data);
        if (Size(content) <= maxBytes)
        {
            return content;
        }

        data["truncated"] = true;
        foreach (var (text, replace) in Strings(data).Where(s => s.Text.Length > LongText).ToList())
        {
            replace(Cut(text, LongText));
        }

        for (content = build(data); Size(content) is var size && size > maxBytes; content = build(data))
        {
            if (!DropAlerts(data, size, maxBytes) && !HalveLongest(data))
            {
                throw new InvalidOperationException($"an alert event cannot be made smaller than {size} bytes (the limit is {maxBytes})");
            }
        }

        return content;
    }

    /// <summary>The UTF-8 size of the content's compact JSON, as it goes to the homeserver.</summary>
    public static int Size(JsonObject content) => Encoding.UTF8.GetByteCount(content.ToJsonString());

    private static bool DropAlerts(JsonObject data, int size, int maxBytes)
    {
        if (data["alerts"] is not JsonArray { Count: > 1 } alerts)
        {
            return false;
        }

        var drop = Math.Clamp((int)((long)alerts.Count * (size - maxBytes) / size) + 1, 1, alerts.Count - 1);
        for (var i = 0; i < drop; i++)
        {
            alerts.RemoveAt(alerts.Count - 1);
        }

        data["omitted"] = (data["omitted"]?.GetValue<int>() ?? 0) + drop;
        return true;
    }

    private static bool HalveLongest(JsonObject data)
    {
        var longest = Strings(data).Where(s => s.Text.Length > ShortText).MaxBy(s => s.Text.Length);
        if (longest.Replace is null)
        {
            return false;
        }

        longest.Replace(Cut(longest.Text, Math.Max(ShortText, longest.Text.Length / 2)));
        return true;
    }

    // Cuts an already cut string from its original length, so the note stays one.
    private static string Cut(string text, int keep)
    {
        var (original, total) = Original(text);
        var shown = Math.Min(keep, original.Length);
        return original[..shown] + $"… [truncated: {shown} of {total} characters]";
    }

    private static (string Text, int Total) Original(string text)
    {
        var at = text.LastIndexOf("… [truncated: ", StringComparison.Ordinal);
        if (at >= 0 && text.EndsWith(" characters]", StringComparison.Ordinal)
            && int.TryParse(text[(text.IndexOf(" of ", at, StringComparison.Ordinal) + 4)..^" characters]".Length], out var total))
        {
            return (text[..at], total);
        }

        return (text, text.Length);
    }

    /// <summary>Every string of <paramref name="node"/>, with a way to replace it in place.</summary>
    private static IEnumerable<(string Text, Action<string> Replace)> Strings(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var key in obj.Select(p => p.Key).ToList())
                {
                    foreach (var found in Child(obj[key], text => obj[key] = text))
                    {
                        yield return found;
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    var index = i;
                    foreach (var found in Child(array[i], text => array[index] = text))
                    {
                        yield return found;
                    }
                }

                break;
        }
    }

    private static IEnumerable<(string Text, Action<string> Replace)> Child(JsonNode? child, Action<string> replace) =>
        child is JsonValue v && v.GetValueKind() == JsonValueKind.String ? [(v.GetValue<string>(), replace)] : Strings(child);
}
