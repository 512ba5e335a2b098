using System.Text;

namespace Solti.Matrix.Events;

/// <summary>The human <c>body</c> of an event: the schema's first body rule whose <c>when</c> matches the data, with
/// <c>{path}</c> placeholders (dotted paths into the data) filled in; generic text for an unknown schema.</summary>
public static class BodyTemplate
{
    /// <summary>The human-readable <c>body</c> of a SOLTI event: the first of the schema's body rules that matches
    /// <paramref name="data"/>, else a line naming <paramref name="schemaName"/> and
    /// <paramref name="source"/>.</summary>
    public static string Render(EventSchema? schema, string schemaName, string source, JsonObject data)
    {
        foreach (var rule in schema?.BodyRules ?? [])
        {
            if (rule is JsonObject r && Matches(r["when"] as JsonObject, data) && r["template"]?.GetValue<string>() is { } template)
            {
                return Fill(template, data);
            }
        }

        return $"📋 {schemaName} event from {source}";
    }

    private static bool Matches(JsonObject? when, JsonObject data) =>
        when is null || when.All(p => Config.JsonSemantics.Equal(Lookup(data, p.Key), p.Value));

    /// <summary><c>{a.b}</c> → the value at that path (numbers as written, strings as they are); <c>{{</c> is a brace;
    /// a missing value leaves the placeholder as it is.</summary>
    public static string Fill(string template, JsonObject data)
    {
        var text = new StringBuilder();
        for (var i = 0; i < template.Length; i++)
        {
            if (template[i] == '{' && i + 1 < template.Length && template[i + 1] == '{')
            {
                text.Append('{');
                i++;
                continue;
            }

            var end = template[i] == '{' ? template.IndexOf('}', i) : -1;
            if (end < 0)
            {
                text.Append(template[i]);
                continue;
            }

            var path = template[(i + 1)..end];
            text.Append(Lookup(data, path) switch
            {
                JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
                JsonValue v => v.ToJsonString(),
                JsonArray a => string.Join(", ", a.Select(x => x is JsonValue s && s.GetValueKind() == JsonValueKind.String ? s.GetValue<string>() : x?.ToJsonString())),
                _ => "{" + path + "}",
            });
            i = end;
        }

        return text.ToString();
    }

    private static JsonNode? Lookup(JsonObject data, string path)
    {
        JsonNode? node = data;
        foreach (var part in path.Split('.'))
        {
            node = node is JsonObject obj ? obj[part] : null;
        }

        return node;
    }
}
