using Markdig;

namespace Solti.Matrix.Formatting;

/// <summary>Formatted message bodies (<c>format: org.matrix.custom.html</c>): a free body given as text, Markdown or HTML
/// becomes a sanitized <c>formatted_body</c> with its plain-text rendering as <c>body</c>; the colours of alert
/// severities.</summary>
public static class FormattedBody
{
    /// <summary>The <c>format</c> of an HTML <c>formatted_body</c>.</summary>
    public const string HtmlFormat = "org.matrix.custom.html";

    /// <summary>The formats a free body may be given in: <c>text</c> (sent as it is), <c>markdown</c>, <c>html</c>.</summary>
    public static readonly IReadOnlyList<string> Formats = ["text", "markdown", "html"];

    /// <summary>Green: an alert resolved.</summary>
    public const string ResolvedColour = "#2e7d32";

    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UsePipeTables().Build();

    /// <summary>The sanitized HTML of CommonMark <paramref name="markdown"/> with pipe tables (raw HTML in it is kept
    /// only as far as <see cref="HtmlSanitizer"/> allows).</summary>
    public static string FromMarkdown(string markdown) => FromMarkdown(markdown, html => html);

    /// <summary>As <see cref="FromMarkdown(string)"/>, with <paramref name="rendered"/> applied to Markdig's HTML before
    /// it is sanitized (a template's values put in after the Markdown is rendered).</summary>
    public static string FromMarkdown(string markdown, Func<string, string> rendered) => HtmlSanitizer.Sanitize(rendered(Markdown.ToHtml(markdown, Pipeline))).TrimEnd();

    /// <summary>Gives <paramref name="content"/>'s string <c>body</c> in <paramref name="format"/> a
    /// <c>formatted_body</c> (and <c>format</c>) and makes <c>body</c> its plain text; <c>text</c> leaves the content as
    /// it is. <paramref name="option"/> names the option in errors: an unknown format, or no string body.</summary>
    public static void Apply(JsonObject content, string format, string option)
    {
        if (!Formats.Contains(format))
        {
            throw new ArgumentException($"{option}: '{format}' is not a format (one of: {string.Join(", ", Formats)})");
        }

        if (format == "text")
        {
            return;
        }

        if (content["body"] is not JsonValue body || body.GetValueKind() != System.Text.Json.JsonValueKind.String)
        {
            throw new ArgumentException($"{option}: {format} needs a body (a string) to format");
        }

        var html = format == "markdown" ? FromMarkdown(body.GetValue<string>()) : HtmlSanitizer.Sanitize(body.GetValue<string>());
        content["body"] = HtmlText.ToPlainText(html);
        content["format"] = HtmlFormat;
        content["formatted_body"] = html;
    }

    /// <summary>The colour of an alert severity: <c>critical</c> red, <c>warning</c> orange, <c>info</c> blue, any other
    /// (<c>none</c>, <c>mixed</c>, …) grey.</summary>
    public static string SeverityColour(string severity) => severity.ToLowerInvariant() switch
    {
        "critical" => "#d32f2f",
        "warning" => "#f57c00",
        "info" => "#1976d2",
        _ => "#757575",
    };
}
