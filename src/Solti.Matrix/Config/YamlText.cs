using System.Globalization;
using System.Text;

namespace Solti.Matrix.Config;

/// <summary>Block-style YAML for diffs and plans. Strings that YAML would read as something else are written as
/// JSON-escaped double-quoted scalars, which YAML reads back unchanged.</summary>
public static class YamlText
{
    /// <summary>The value as block-style YAML text.</summary>
    public static string Write(JsonNode? node)
    {
        var text = new StringBuilder();
        Write(text, node, 0, inline: false);
        return text.ToString();
    }

    private static void Write(StringBuilder text, JsonNode? node, int indent, bool inline)
    {
        switch (node)
        {
            case JsonObject obj when obj.Count > 0:
                var first = true;
                foreach (var (key, value) in obj)
                {
                    if (!(first && inline))
                    {
                        text.Append(' ', indent);
                    }

                    first = false;
                    text.Append(Scalar(key)).Append(':');
                    Child(text, value, indent);
                }

                break;
            case JsonArray array when array.Count > 0:
                var firstItem = true;
                foreach (var item in array)
                {
                    if (!(firstItem && inline))
                    {
                        text.Append(' ', indent);
                    }

                    firstItem = false;
                    text.Append("- ");
                    if (item is JsonObject { Count: > 0 } or JsonArray { Count: > 0 })
                    {
                        Write(text, item, indent + 2, inline: true);
                    }
                    else
                    {
                        text.Append(Leaf(item)).Append('\n');
                    }
                }

                break;
            default:
                text.Append(Leaf(node)).Append('\n');
                break;
        }
    }

    private static void Child(StringBuilder text, JsonNode? value, int indent)
    {
        if (value is JsonObject { Count: > 0 } or JsonArray { Count: > 0 })
        {
            text.Append('\n');
            Write(text, value, indent + 2, inline: false);
        }
        else
        {
            text.Append(' ').Append(Leaf(value)).Append('\n');
        }
    }

    private static string Leaf(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "{}",
        JsonArray => "[]",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => Scalar(v.GetValue<string>()),
        _ => node.ToJsonString(),
    };

    private static string Scalar(string value)
    {
        var plain = value.Length > 0
            && !char.IsWhiteSpace(value[0]) && !char.IsWhiteSpace(value[^1])
            && "-?:,[]{}#&*!|>'\"%@`~".IndexOf(value[0]) < 0
            && !value.Contains(": ", StringComparison.Ordinal) && !value.Contains(" #", StringComparison.Ordinal) && !value.EndsWith(':')
            && value.All(c => !char.IsControl(c))
            && !IsSpecial(value);
        return plain ? value : Quote(value);
    }

    private static string Quote(string value)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStringValue(value);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static bool IsSpecial(string value) =>
        value.ToLowerInvariant() is "null" or "~" or "true" or "false" or "yes" or "no" or "on" or "off" or "y" or "n"
        || double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
}
