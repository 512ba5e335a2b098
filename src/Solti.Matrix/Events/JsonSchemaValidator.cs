using System.Globalization;
using System.Text.RegularExpressions;

namespace Solti.Matrix.Events;

/// <summary>Validates JSON against the subset of JSON Schema (2020-12) that event schemas use: <c>type</c>,
/// <c>properties</c>, <c>required</c>, <c>additionalProperties</c>, <c>items</c>, <c>enum</c>, <c>const</c>,
/// <c>minimum</c>, <c>maximum</c>, <c>minLength</c>, <c>maxLength</c>, <c>pattern</c>, <c>minItems</c>, <c>maxItems</c>,
/// <c>format: date-time</c>. A schema that uses any other keyword is refused when it is loaded, never half-checked.</summary>
public static class JsonSchemaValidator
{
    private static readonly HashSet<string> Keywords =
    [
        "$schema", "$id", "$comment", "title", "description", "examples", "default", "deprecated",
        "type", "properties", "required", "additionalProperties", "items", "enum", "const",
        "minimum", "maximum", "minLength", "maxLength", "pattern", "minItems", "maxItems", "format",
    ];

    /// <summary>Keywords outside the subset (at any depth), as paths; empty when the schema can be used.</summary>
    public static List<string> Unsupported(JsonObject schema, string path = "")
    {
        var problems = new List<string>();
        foreach (var (key, value) in schema)
        {
            var at = path.Length == 0 ? key : $"{path}.{key}";
            if (key.StartsWith("x-", StringComparison.Ordinal))
            {
                continue;
            }

            if (!Keywords.Contains(key))
            {
                problems.Add(at);
                continue;
            }

            switch (key)
            {
                case "properties" when value is JsonObject properties:
                    foreach (var (name, sub) in properties)
                    {
                        problems.AddRange(sub is JsonObject s ? Unsupported(s, $"{at}.{name}") : [$"{at}.{name} (not a schema)"]);
                    }

                    break;
                case "items" or "additionalProperties" when value is JsonObject sub:
                    problems.AddRange(Unsupported(sub, at));
                    break;
                case "format" when value?.GetValue<string>() is not "date-time":
                    problems.Add($"{at} ({value?.ToJsonString()}: only date-time is checked)");
                    break;
            }
        }

        return problems;
    }

    /// <summary>Every violation, each starting with the path of the bad value (<c>data.summary.total_services</c>).</summary>
    public static List<string> Validate(JsonObject schema, JsonNode? value, string path)
    {
        var errors = new List<string>();
        Check(schema, value, path, errors);
        return errors;
    }

    private static void Check(JsonObject schema, JsonNode? value, string path, List<string> errors)
    {
        if (schema["type"] is { } type && !TypeMatches(type, value))
        {
            errors.Add($"{path}: expected {Types(type)}, got {Describe(value)}");
            return;
        }

        if (schema["const"] is { } constant && !JsonNode.DeepEquals(constant, value))
        {
            errors.Add($"{path}: must be {constant.ToJsonString()}, got {Describe(value)}");
        }

        if (schema["enum"] is JsonArray choices && !choices.Any(c => Config.JsonSemantics.Equal(c, value)))
        {
            errors.Add($"{path}: must be one of {string.Join(", ", choices.Select(c => c?.ToJsonString()))}, got {Describe(value)}");
        }

        switch (value)
        {
            case JsonObject obj:
                CheckObject(schema, obj, path, errors);
                break;
            case JsonArray array:
                if (Number(schema["minItems"]) is { } minItems && array.Count < minItems)
                {
                    errors.Add($"{path}: needs at least {minItems} items, has {array.Count}");
                }

                if (Number(schema["maxItems"]) is { } maxItems && array.Count > maxItems)
                {
                    errors.Add($"{path}: allows at most {maxItems} items, has {array.Count}");
                }

                if (schema["items"] is JsonObject items)
                {
                    for (var i = 0; i < array.Count; i++)
                    {
                        Check(items, array[i], $"{path}[{i}]", errors);
                    }
                }

                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                CheckString(schema, v.GetValue<string>(), path, errors);
                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.Number:
                var number = decimal.Parse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);
                if (Number(schema["minimum"]) is { } min && number < min)
                {
                    errors.Add($"{path}: must be at least {min}, got {number}");
                }

                if (Number(schema["maximum"]) is { } max && number > max)
                {
                    errors.Add($"{path}: must be at most {max}, got {number}");
                }

                break;
        }
    }

    private static void CheckObject(JsonObject schema, JsonObject obj, string path, List<string> errors)
    {
        foreach (var required in schema["required"] as JsonArray ?? [])
        {
            var name = required!.GetValue<string>();
            if (!obj.ContainsKey(name))
            {
                errors.Add($"{path}.{name}: required");
            }
        }

        var properties = schema["properties"] as JsonObject ?? [];
        foreach (var (name, child) in obj)
        {
            if (properties[name] is JsonObject sub)
            {
                Check(sub, child, $"{path}.{name}", errors);
            }
            else if (schema["additionalProperties"] is JsonObject extra)
            {
                Check(extra, child, $"{path}.{name}", errors);
            }
            else if (schema["additionalProperties"] is JsonValue allowed && allowed.GetValueKind() == JsonValueKind.False)
            {
                errors.Add($"{path}.{name}: not allowed by the schema");
            }
        }
    }

    private static void CheckString(JsonObject schema, string text, string path, List<string> errors)
    {
        if (Number(schema["minLength"]) is { } minLength && text.Length < minLength)
        {
            errors.Add($"{path}: needs at least {minLength} characters");
        }

        if (Number(schema["maxLength"]) is { } maxLength && text.Length > maxLength)
        {
            errors.Add($"{path}: allows at most {maxLength} characters");
        }

        if (schema["pattern"]?.GetValue<string>() is { } pattern && !Regex.IsMatch(text, pattern, RegexOptions.None, TimeSpan.FromSeconds(1)))
        {
            errors.Add($"{path}: does not match {pattern}");
        }

        if (schema["format"]?.GetValue<string>() == "date-time" && !IsDateTime(text))
        {
            errors.Add($"{path}: expected an RFC 3339 date-time (2026-11-25T05:30:00Z), got '{text}'");
        }
    }

    private static bool IsDateTime(string text) =>
        text.Length >= 20 && text[10] is 'T' or 't' && (text.EndsWith('Z') || text.EndsWith('z') || text[^6] is '+' or '-')
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out _);

    private static bool TypeMatches(JsonNode type, JsonNode? value) => type is JsonArray any
        ? any.Any(t => TypeMatches(t!, value))
        : type.GetValue<string>() switch
        {
            "object" => value is JsonObject,
            "array" => value is JsonArray,
            "string" => value is JsonValue s && s.GetValueKind() == JsonValueKind.String,
            "boolean" => value is JsonValue b && b.GetValueKind() is JsonValueKind.True or JsonValueKind.False,
            "number" => value is JsonValue n && n.GetValueKind() == JsonValueKind.Number,
            "integer" => value is JsonValue i && i.GetValueKind() == JsonValueKind.Number
                && decimal.TryParse(i.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d == decimal.Truncate(d),
            "null" => value is null || (value is JsonValue z && z.GetValueKind() == JsonValueKind.Null),
            _ => false,
        };

    private static string Types(JsonNode type) => type is JsonArray any ? string.Join(" or ", any.Select(t => t!.GetValue<string>())) : type.GetValue<string>();

    private static decimal? Number(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? decimal.Parse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture) : null;

    private static string Describe(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "an object",
        JsonArray => "an array",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => $"'{v.GetValue<string>()}'",
        _ => node.ToJsonString(),
    };
}
