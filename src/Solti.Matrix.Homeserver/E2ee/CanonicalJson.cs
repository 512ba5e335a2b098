using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Solti.Matrix.Homeserver.E2ee;

/// <summary>JSON as Synapse stores keys (canonical: object keys sorted) and as its error messages print a Python value.</summary>
public static class CanonicalJson
{
    /// <summary>A copy with every object's keys in ordinal order.</summary>
    public static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(Sorted)]),
        _ => node?.DeepClone(),
    };

    /// <summary>The sorted JSON as signatures cover it: nothing escaped that the spec's canonical JSON writes as it is
    /// (the default encoder writes <c>+</c> of a base64 key as <c>\u002B</c>, and no client's signature would verify).</summary>
    public static string Encode(JsonNode? node) => Sorted(node)?.ToJsonString(Relaxed) ?? "null";

    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>How Python's <c>%r</c> prints a decoded JSON value: <c>{'key': 'abc', 'n': 1, 'ok': True}</c>.</summary>
    public static string PythonRepr(JsonNode? node)
    {
        var text = new StringBuilder();
        Write(node, text);
        return text.ToString();
    }

    private static void Write(JsonNode? node, StringBuilder text)
    {
        switch (node)
        {
            case null:
                text.Append("None");
                break;
            case JsonObject o:
                text.Append('{').AppendJoin(", ", o.Select(p => Quote(p.Key) + ": " + PythonRepr(p.Value))).Append('}');
                break;
            case JsonArray a:
                text.Append('[').AppendJoin(", ", a.Select(PythonRepr)).Append(']');
                break;
            case JsonValue v:
                text.Append(v.GetValueKind() switch
                {
                    JsonValueKind.String => Quote(v.GetValue<string>()),
                    JsonValueKind.True => "True",
                    JsonValueKind.False => "False",
                    _ => v.ToJsonString(),
                });
                break;
        }
    }

    private static string Quote(string s)
    {
        var quote = s.Contains('\'', StringComparison.Ordinal) && !s.Contains('"', StringComparison.Ordinal) ? '"' : '\'';
        var text = new StringBuilder().Append(quote);
        foreach (var c in s)
        {
            text.Append(c switch
            {
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when c == quote => "\\" + c,
                _ when c < ' ' => "\\x" + ((int)c).ToString("x2", CultureInfo.InvariantCulture),
                _ => c.ToString(),
            });
        }

        return text.Append(quote).ToString();
    }
}
