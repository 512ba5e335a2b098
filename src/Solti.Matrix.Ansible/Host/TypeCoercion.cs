using System.Globalization;

namespace Solti.Matrix.Ansible.Host;

/// <summary>Ansible's conversions of a raw argument to an option's type, with Ansible's error wording.</summary>
public static partial class TypeCoercion
{
    private static readonly string[] True = ["y", "yes", "on", "1", "true", "t"];
    private static readonly string[] False = ["n", "no", "off", "0", "false", "f"];

    /// <summary>Converts <paramref name="value"/> or throws <see cref="FormatException"/> with Ansible's reason.</summary>
    public static JsonNode? Convert(JsonNode? value, OptionType type)
    {
        if (value is null || type == OptionType.Raw)
        {
            return value?.DeepClone();
        }

        return type switch
        {
            OptionType.Str => ToStr(value),
            OptionType.Path => ToPath(value),
            OptionType.Bool => ToBool(value),
            OptionType.Int => ToInt(value),
            OptionType.Float => ToFloat(value),
            OptionType.Dict => ToDict(value),
            OptionType.List => ToList(value),
            _ => value.DeepClone(),
        };
    }

    /// <summary>Python's name for the JSON value's type, as Ansible prints it.</summary>
    public static string PythonType(JsonNode? value) => value switch
    {
        null => "<class 'NoneType'>",
        JsonObject => "<class 'dict'>",
        JsonArray => "<class 'list'>",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "<class 'str'>",
            JsonValueKind.True or JsonValueKind.False => "<class 'bool'>",
            JsonValueKind.Number => IsInteger(v) ? "<class 'int'>" : "<class 'float'>",
            _ => "<class 'object'>",
        },
        _ => "<class 'object'>",
    };

    public static string TypeName(OptionType type) => type.ToString().ToLowerInvariant();

    private static bool IsInteger(JsonValue v) => double.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d == Math.Floor(d) && !v.ToJsonString().Contains('.', StringComparison.Ordinal);

    private static JsonNode ToStr(JsonNode value) => value switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.DeepClone(),
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>() ? "True" : "False",
        _ => value.ToJsonString(),
    };

    /// <summary>As Ansible's <c>boolean()</c>: a string is lowered and stripped first; a list or a dict is no boolean at all.</summary>
    private static JsonNode ToBool(JsonNode value)
    {
        if (value is not JsonValue v)
        {
            throw new FormatException($"{PythonType(value)} cannot be converted to a bool");
        }

        switch (v.GetValueKind())
        {
            case JsonValueKind.True or JsonValueKind.False:
                return v.GetValue<bool>();
            case JsonValueKind.String when True.Contains(v.GetValue<string>().Trim().ToLowerInvariant()):
                return true;
            case JsonValueKind.String when False.Contains(v.GetValue<string>().Trim().ToLowerInvariant()):
                return false;
            case JsonValueKind.Number when v.ToJsonString() is "1" or "1.0":
                return true;
            case JsonValueKind.Number when v.ToJsonString() is "0" or "0.0":
                return false;
        }

        throw new FormatException($"The value '{Display(value)}' is not a valid boolean.  Valid booleans include: 0, {string.Join(", ", True.Concat(False).Select(b => $"'{b}'"))}, 1");
    }

    private static JsonNode ToInt(JsonNode value)
    {
        if (value is JsonValue v)
        {
            var text = v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>().Trim() : v.ToJsonString();
            if (v.GetValueKind() is JsonValueKind.Number or JsonValueKind.String && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
            {
                return n;
            }

            if (v.GetValueKind() == JsonValueKind.Number && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d == Math.Floor(d))
            {
                return (long)d;
            }
        }

        throw new FormatException($"{PythonType(value)} cannot be converted to an int");
    }

    private static JsonNode ToFloat(JsonNode value)
    {
        if (value is JsonValue v && v.GetValueKind() is JsonValueKind.Number or JsonValueKind.String
            && double.TryParse(v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            return d;
        }

        throw new FormatException($"{PythonType(value)} cannot be converted to a float");
    }

    /// <summary>A dict, a JSON object in a string, or <c>k=v, k2=v2</c>.</summary>
    private static JsonNode ToDict(JsonNode value)
    {
        if (value is JsonObject obj)
        {
            return obj.DeepClone();
        }

        if (value is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            var text = v.GetValue<string>().Trim();
            if (text.StartsWith('{'))
            {
                try
                {
                    if (JsonNode.Parse(text) is JsonObject parsed)
                    {
                        return parsed;
                    }
                }
                catch (JsonException)
                {
                }

                throw new FormatException("unable to evaluate string as dictionary");
            }

            if (text.Contains('=', StringComparison.Ordinal))
            {
                var dict = new JsonObject();
                foreach (var field in Fields(text))
                {
                    var eq = field.IndexOf('=', StringComparison.Ordinal);
                    if (eq <= 0)
                    {
                        throw new FormatException("dictionary requested, could not parse JSON or key=value");
                    }

                    dict[field[..eq]] = field[(eq + 1)..];
                }

                return dict;
            }

            throw new FormatException("dictionary requested, could not parse JSON or key=value");
        }

        throw new FormatException($"{PythonType(value)} cannot be converted to a dict");
    }

    /// <summary>A list, a comma-separated string, or one scalar as a one-element list.</summary>
    private static JsonNode ToList(JsonNode value) => value switch
    {
        JsonArray array => array.DeepClone(),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => new JsonArray([.. v.GetValue<string>().Split(',').Select(s => (JsonNode)s)]),
        JsonValue v when v.GetValueKind() is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => new JsonArray(ToStr(v)), // [str(value)]
        _ => throw new FormatException($"{PythonType(value)} cannot be converted to a list"),
    };

    /// <summary>The <c>k=v</c> fields of a string as Ansible splits them: on commas and spaces outside quotes, the quotes
    /// dropped, a backslash escaping the next character.</summary>
    private static List<string> Fields(string text)
    {
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        char? quote = null;
        var escaped = false;
        foreach (var c in text)
        {
            if (escaped)
            {
                field.Append(c);
                escaped = false;
            }
            else if (c == '\\')
            {
                escaped = true;
            }
            else if (quote is null && c is '\'' or '"')
            {
                quote = c;
            }
            else if (quote == c)
            {
                quote = null;
            }
            else if (quote is null && c is ',' or ' ')
            {
                if (field.Length > 0)
                {
                    fields.Add(field.ToString());
                }

                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        if (field.Length > 0)
        {
            fields.Add(field.ToString());
        }

        return fields;
    }

    /// <summary>As Ansible's <c>path</c> type: a string with <c>$VAR</c> and <c>${VAR}</c> expanded where set, then a
    /// leading <c>~</c> (alone or before <c>/</c>) as the home directory.</summary>
    private static JsonNode ToPath(JsonNode value)
    {
        var path = EnvironmentVariable().Replace(ToStr(value).GetValue<string>(), m =>
            Environment.GetEnvironmentVariable(m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value) ?? m.Value);
        if ((path == "~" || path.StartsWith("~/", StringComparison.Ordinal)) && Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } home)
        {
            path = (home.TrimEnd('/') + path[1..]) is { Length: > 0 } expanded ? expanded : "/";
        }

        return path;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\$(?:(\w+)|\{([^}]+)\})")]
    private static partial System.Text.RegularExpressions.Regex EnvironmentVariable();

    private static string Display(JsonNode value) => value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : value.ToJsonString();
}
