using System.Text.Json;
using System.Text.Json.Nodes;

namespace Solti.Matrix.Homeserver.Tests.Support;

/// <summary>Compares two JSON documents by shape: the same keys at every level and the same JSON kinds
/// (a recorded null must be null, a recorded number a number, …); arrays compare their first elements.</summary>
public static class JsonShape
{
    public static IReadOnlyList<string> Differences(JsonNode? expected, JsonNode? actual, string path = "$")
    {
        var differences = new List<string>();
        Compare(expected, actual, path, differences);
        return differences;
    }

    private static void Compare(JsonNode? expected, JsonNode? actual, string path, List<string> differences)
    {
        var expectedKind = Kind(expected);
        var actualKind = Kind(actual);
        if (expectedKind != actualKind)
        {
            differences.Add($"{path}: expected {expectedKind}, got {actualKind}");
            return;
        }

        switch (expected)
        {
            case JsonObject e when actual is JsonObject a:
                foreach (var key in e.Select(p => p.Key).Except(a.Select(p => p.Key)))
                {
                    differences.Add($"{path}.{key}: missing");
                }

                foreach (var key in a.Select(p => p.Key).Except(e.Select(p => p.Key)))
                {
                    differences.Add($"{path}.{key}: not in the recording");
                }

                foreach (var (key, value) in e)
                {
                    if (a.ContainsKey(key))
                    {
                        Compare(value, a[key], $"{path}.{key}", differences);
                    }
                }

                break;
            case JsonArray e when actual is JsonArray a && e.Count > 0 && a.Count > 0:
                Compare(e[0], a[0], path + "[0]", differences);
                break;
        }
    }

    private static string Kind(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "object",
        JsonArray => "array",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.True or JsonValueKind.False => "boolean",
            JsonValueKind.Number => "number",
            JsonValueKind.String => "string",
            var other => other.ToString(),
        },
        _ => "unknown",
    };
}
