using System.Globalization;

namespace Solti.Matrix.Config;

/// <summary>Reads loosely typed input (Ansible parameters, YAML) the way Ansible coerces it: <c>yes</c>/<c>"true"</c>
/// are booleans, <c>"50"</c> is an integer. Every problem is recorded with its path; nothing throws until the end.</summary>
internal sealed class InputReader
{
    public List<string> Errors { get; } = [];

    public void Error(string path, string message) => Errors.Add($"{path}: {message}");

    /// <summary>A mapping with only the given keys; unknown keys are errors naming the supported ones.</summary>
    public JsonObject? Mapping(JsonNode? node, string path, IReadOnlyCollection<string> keys)
    {
        if (node is not JsonObject obj)
        {
            Error(path, $"expected a mapping, got {Describe(node)}");
            return null;
        }

        foreach (var key in obj.Select(p => p.Key).Where(k => !keys.Contains(k)))
        {
            Error(Join(path, key), $"unsupported key; supported: {string.Join(", ", keys.Order(StringComparer.Ordinal))}");
        }

        return obj;
    }

    public JsonArray? List(JsonObject obj, string key, string path)
    {
        var node = obj[key];
        if (IsNull(node))
        {
            return null;
        }

        if (node is JsonArray array)
        {
            return array;
        }

        Error(Join(path, key), $"expected a list, got {Describe(node)}");
        return null;
    }

    public string? Str(JsonObject obj, string key, string path) => Str(obj[key], Join(path, key));

    public string? Str(JsonNode? node, string path)
    {
        if (IsNull(node))
        {
            return null;
        }

        if (node is JsonValue v && v.GetValueKind() is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False)
        {
            return v.GetValueKind() switch
            {
                JsonValueKind.String => v.GetValue<string>(),
                JsonValueKind.True => "True",
                JsonValueKind.False => "False",
                _ => v.ToJsonString(),
            };
        }

        Error(path, $"expected a string, got {Describe(node)}");
        return null;
    }

    public string? Choice(JsonObject obj, string key, string path, params string[] choices)
    {
        var value = Str(obj, key, path);
        if (value is not null && !choices.Contains(value))
        {
            Error(Join(path, key), $"expected one of {string.Join(", ", choices)}, got '{value}'");
            return null;
        }

        return value;
    }

    public bool? Bool(JsonObject obj, string key, string path)
    {
        var node = obj[key];
        if (IsNull(node))
        {
            return null;
        }

        if (node is JsonValue v)
        {
            switch (v.GetValueKind())
            {
                case JsonValueKind.True:
                    return true;
                case JsonValueKind.False:
                    return false;
                case JsonValueKind.String:
                    switch (v.GetValue<string>().ToLowerInvariant())
                    {
                        case "yes" or "on" or "1" or "true" or "y" or "t":
                            return true;
                        case "no" or "off" or "0" or "false" or "n" or "f":
                            return false;
                    }

                    break;
                case JsonValueKind.Number when v.ToJsonString() is "0" or "1":
                    return v.ToJsonString() == "1";
            }
        }

        Error(Join(path, key), $"expected a boolean (true/false), got {Describe(node)}");
        return null;
    }

    public long? Int(JsonObject obj, string key, string path, long min = long.MinValue, long max = long.MaxValue) => Int(obj[key], Join(path, key), min, max);

    public long? Int(JsonNode? node, string path, long min = long.MinValue, long max = long.MaxValue)
    {
        if (IsNull(node))
        {
            return null;
        }

        var text = node is JsonValue v && v.GetValueKind() is JsonValueKind.Number ? v.ToJsonString()
            : node is JsonValue s && s.GetValueKind() is JsonValueKind.String ? s.GetValue<string>().Trim() : null;
        if (text is not null && decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && number == decimal.Truncate(number)
            && number >= min && number <= max)
        {
            return (long)number;
        }

        Error(path, $"expected an integer{Range(min, max)}, got {Describe(node)}");
        return null;
    }

    public static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    public static bool IsNull(JsonNode? node) => node is null || (node is JsonValue v && v.GetValueKind() == JsonValueKind.Null);

    public static string Describe(JsonNode? node) => node switch
    {
        null => "nothing",
        JsonObject => "a mapping",
        JsonArray => "a list",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => $"'{v.GetValue<string>()}'",
        _ => node.ToJsonString(),
    };

    private static string Range(long min, long max) => (min, max) switch
    {
        (long.MinValue, long.MaxValue) => "",
        (_, long.MaxValue) => $" of at least {min}",
        _ => $" between {min} and {max}",
    };
}
