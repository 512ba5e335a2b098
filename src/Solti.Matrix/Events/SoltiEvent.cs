using System.Globalization;
using Solti.Matrix.Formatting;

namespace Solti.Matrix.Events;

/// <summary>The SOLTI envelope: content with <c>msgtype: com.solti.event</c>, a human <c>body</c>, and
/// <c>solti: {schema, timestamp, source, data}</c>. Decoders ignore fields they do not know.</summary>
public static class SoltiEvent
{
    /// <summary>The <c>msgtype</c> of every SOLTI event.</summary>
    public const string MsgType = "com.solti.event";

    /// <summary>Builds the content; with <paramref name="validate"/>, the data must match the schema (errors name
    /// <c>data.…</c> paths) and the schema must be known. The <c>formatted_body</c> is the matching body rule's
    /// <c>html</c> template (values escaped, sanitized); where there is none, <paramref name="html"/> adds the escaped
    /// <c>body</c> as one. A <paramref name="correlationId"/> (a deploy's start and complete, a check's retries) is the
    /// envelope's <c>correlation_id</c>. A <paramref name="template"/> of the sender's own replaces the schema's body
    /// rules (<see cref="BodyTemplate.RenderOwn"/>, written in <paramref name="format"/>); a format other than
    /// <c>text</c> without one, or an unknown format, is an <see cref="ArgumentException"/> naming
    /// <paramref name="formatOption"/> (the option as the caller spells it).</summary>
    public static JsonObject Build(SchemaRegistry registry, string schemaName, JsonObject data, string source, bool validate = true, bool html = false, DateTimeOffset? timestamp = null, string? correlationId = null, string? template = null, string format = "text", string formatOption = "format")
    {
        if (!FormattedBody.Formats.Contains(format))
        {
            throw new ArgumentException($"{formatOption}: '{format}' is not a format (one of: {string.Join(", ", FormattedBody.Formats)})");
        }

        if (format != "text" && template is null)
        {
            throw new ArgumentException($"{formatOption}: {format} applies to a template of your own; a schema's event without one has its schema's formatted body");
        }

        if (!SchemaRegistry.IsValidName(schemaName))
        {
            throw new SchemaValidationException([$"schema: '{schemaName}' is not a schema name ({{category}}.{{name}}.v{{N}}, e.g. deploy.start.v1)"]);
        }

        var schema = registry.Get(schemaName);
        if (validate)
        {
            var errors = schema is null
                ? [$"schema: unknown schema '{schemaName}' (known: {string.Join(", ", registry.All.Select(s => s.Name))}); add it to the schema directory or set validate to false"]
                : JsonSchemaValidator.Validate(schema.Document, data, "data");
            if (errors.Count > 0)
            {
                throw new SchemaValidationException(errors);
            }
        }

        var (body, own) = template is null ? (BodyTemplate.Render(schema, schemaName, source, data), null) : BodyTemplate.RenderOwn(template, format, data);
        var content = new JsonObject
        {
            ["msgtype"] = MsgType,
            ["body"] = body,
        };
        if (((template is null ? BodyTemplate.RenderHtml(schema, data) : own) ?? (html ? "<p>" + HtmlSanitizer.Escape(body) + "</p>" : null)) is { } formatted)
        {
            content["format"] = FormattedBody.HtmlFormat;
            content["formatted_body"] = formatted;
        }

        content["solti"] = new JsonObject
        {
            ["schema"] = schemaName,
            ["timestamp"] = (timestamp ?? DateTimeOffset.UtcNow).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
            ["source"] = source,
            ["data"] = data.DeepClone(),
        };
        if (correlationId is not null)
        {
            content["solti"]!["correlation_id"] = correlationId;
        }

        return content;
    }

    /// <summary>The envelope of a received event's content, or null when it is not a SOLTI event.</summary>
    public static (string Schema, string? Timestamp, string? Source, JsonObject Data)? Read(JsonObject? content) =>
        content?["msgtype"]?.GetValue<string>() == MsgType && content["solti"] is JsonObject solti && solti["schema"]?.GetValue<string>() is { } schema
            ? (schema, solti["timestamp"]?.GetValue<string>(), solti["source"]?.GetValue<string>(), solti["data"] as JsonObject ?? [])
            : null;
}

/// <summary>The data does not match its schema; every error names its path.</summary>
public sealed class SchemaValidationException(IReadOnlyList<string> errors)
    : Exception("schema validation failed: " + string.Join("; ", errors))
{
    /// <summary>Every validation error, each naming the path of the data it is about.</summary>
    public IReadOnlyList<string> Errors { get; } = errors;
}
