using System.Text;
using Solti.Matrix.Formatting;

namespace Solti.Matrix.Events;

/// <summary>The human <c>body</c> of an event: the schema's first body rule whose <c>when</c> matches the data, with
/// <c>{path}</c> placeholders (dotted paths into the data) filled in; generic text for an unknown schema.</summary>
public static class BodyTemplate
{
    /// <summary>The human-readable <c>body</c> of a SOLTI event: the first of the schema's body rules that matches
    /// <paramref name="data"/>, else a line naming <paramref name="schemaName"/> and
    /// <paramref name="source"/>.</summary>
    public static string Render(EventSchema? schema, string schemaName, string source, JsonObject data) =>
        Rule(schema, data)?["template"]?.GetValue<string>() is { } template ? Fill(template, data) : $"📋 {schemaName} event from {source}";

    /// <summary>The HTML <c>formatted_body</c> of a SOLTI event: the <c>html</c> template of the schema's first body rule
    /// that matches <paramref name="data"/>, every value HTML-escaped and the whole sanitized; null when that rule has no
    /// <c>html</c>.</summary>
    public static string? RenderHtml(EventSchema? schema, JsonObject data) =>
        Rule(schema, data)?["html"]?.GetValue<string>() is { } template ? HtmlSanitizer.Sanitize(Fill(template, data, html: true)) : null;

    /// <summary>A body of the sender's own instead of the schema's: <paramref name="template"/> (the same <c>{path}</c>
    /// placeholders) written in <paramref name="format"/>: <c>text</c> gives the body only; <c>markdown</c> and
    /// <c>html</c> give a sanitized <c>formatted_body</c>, every value HTML-escaped before it enters it, and its plain
    /// text as the body.</summary>
    public static (string Body, string? Html) RenderOwn(string template, string format, JsonObject data)
    {
        if (format == "text")
        {
            return (Fill(template, data), null);
        }

        var html = format switch
        {
            "markdown" => Markdown(template, data),
            "html" => HtmlSanitizer.Sanitize(Fill(template, data, html: true)),
            _ => throw new ArgumentException($"format: '{format}' is not a format (one of: {string.Join(", ", FormattedBody.Formats)})"),
        };
        return (HtmlText.ToPlainText(html), html);
    }

    /// <summary>Markdown with values that stay values: the template is rendered with a placeholder token per value, then
    /// each token becomes its HTML-escaped value (so a value reads the same in a code span, a link or plain text, and
    /// is never Markdown or HTML), then the whole is sanitized.</summary>
    private static string Markdown(string template, JsonObject data)
    {
        var values = new List<string>();
        var tokenized = Fill(template, data, value =>
        {
            values.Add(value);
            return $"soltivalue{values.Count - 1}x";
        });
        return FormattedBody.FromMarkdown(tokenized, html =>
        {
            var text = new StringBuilder(html);
            for (var i = values.Count - 1; i >= 0; i--)
            {
                text.Replace($"soltivalue{i}x", HtmlSanitizer.Escape(values[i]));
            }

            return text.ToString();
        });
    }

    private static JsonObject? Rule(EventSchema? schema, JsonObject data) =>
        schema?.BodyRules.OfType<JsonObject>().FirstOrDefault(r => Matches(r["when"] as JsonObject, data) && r["template"] is not null);

    private static bool Matches(JsonObject? when, JsonObject data) =>
        when is null || when.All(p => Config.JsonSemantics.Equal(Lookup(data, p.Key), p.Value));

    /// <summary><c>{a.b}</c> → the value at that path (numbers as written, strings as they are), <c>{a.b|colour}</c> → the
    /// colour of that severity (<see cref="FormattedBody.SeverityColour"/>); <c>{{</c> is a brace; a missing value leaves
    /// the placeholder as it is. With <paramref name="html"/>, every value filled in is HTML-escaped.</summary>
    public static string Fill(string template, JsonObject data, bool html = false) =>
        Fill(template, data, html ? HtmlSanitizer.Escape : value => value);

    private static string Fill(string template, JsonObject data, Func<string, string> encode)
    {
        var text = new StringBuilder();
        foreach (var (literal, placeholder) in Parse(template))
        {
            if (placeholder is null)
            {
                text.Append(literal);
                continue;
            }

            text.Append(encode(Value(data, placeholder)));
        }

        return text.ToString();
    }

    /// <summary>The dotted paths <paramref name="template"/>'s placeholders name (without a <c>|filter</c>), in order.</summary>
    public static IEnumerable<string> Paths(string template) =>
        Parse(template).Where(s => s.Placeholder is not null).Select(s => PathOf(s.Placeholder!));

    /// <summary>The path when <paramref name="template"/> is one placeholder and nothing else (<c>{a.b}</c>, no filter);
    /// else null.</summary>
    public static string? WholePath(string template) =>
        Parse(template).ToList() is [{ Placeholder: { } only }] && !only.Contains('|', StringComparison.Ordinal) ? only : null;

    /// <summary>The value a template stands for with its JSON type: for one whole placeholder (<see cref="WholePath"/>)
    /// the value at that path as it is (a number stays a number, an object an object; null when absent), else the filled
    /// text.</summary>
    public static JsonNode? Typed(string template, JsonObject data) =>
        WholePath(template) is { } path ? Lookup(data, path)?.DeepClone() : JsonValue.Create(Fill(template, data));

    /// <summary>The value at a dotted path (<c>a.b.c</c>: member <c>c</c> of member <c>b</c> of member <c>a</c>); null
    /// when a step is missing or not an object.</summary>
    public static JsonNode? Lookup(JsonObject data, string path)
    {
        JsonNode? node = data;
        foreach (var part in path.Split('.'))
        {
            node = node is JsonObject obj ? obj[part] : null;
        }

        return node;
    }

    /// <summary>The one reading of the template language: literal text and placeholders (without their braces).</summary>
    private static IEnumerable<(string Literal, string? Placeholder)> Parse(string template)
    {
        var literal = new StringBuilder();
        for (var i = 0; i < template.Length; i++)
        {
            if (template[i] == '{' && i + 1 < template.Length && template[i + 1] == '{')
            {
                literal.Append('{');
                i++;
                continue;
            }

            var end = template[i] == '{' ? template.IndexOf('}', i) : -1;
            if (end < 0)
            {
                literal.Append(template[i]);
                continue;
            }

            if (literal.Length > 0)
            {
                yield return (literal.ToString(), null);
                literal.Clear();
            }

            yield return ("", template[(i + 1)..end]);
            i = end;
        }

        if (literal.Length > 0)
        {
            yield return (literal.ToString(), null);
        }
    }

    private static string PathOf(string placeholder) => placeholder.IndexOf('|', StringComparison.Ordinal) is var bar and >= 0 ? placeholder[..bar] : placeholder;

    /// <summary>The text of one placeholder (without its braces).</summary>
    private static string Value(JsonObject data, string placeholder)
    {
        var bar = placeholder.IndexOf('|', StringComparison.Ordinal);
        var value = Lookup(data, PathOf(placeholder)) switch
        {
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            JsonValue v => v.ToJsonString(),
            JsonArray a => string.Join(", ", a.Select(x => x is JsonValue s && s.GetValueKind() == JsonValueKind.String ? s.GetValue<string>() : x?.ToJsonString())),
            _ => null,
        };
        return value is null ? "{" + placeholder + "}" : bar > 0 && placeholder[(bar + 1)..] == "colour" ? FormattedBody.SeverityColour(value) : value;
    }
}
