using System.Text;
using System.Text.RegularExpressions;

namespace Solti.Matrix.Formatting;

/// <summary>Keeps of an HTML <c>formatted_body</c> only what the client-server specification says clients should allow
/// (<c>m.room.message</c>, <c>org.matrix.custom.html</c>): its tags, its attributes per tag, links to <c>http</c>,
/// <c>https</c>, <c>ftp</c>, <c>mailto</c> and <c>magnet</c>, images from <c>mxc://</c> only, at most 100 levels deep.
/// Any other tag is removed with its content kept as text (the content of <c>script</c>, <c>style</c> and the like is
/// removed too); text and attribute values are always escaped; tags left open are closed.</summary>
public static partial class HtmlSanitizer
{
    /// <summary>How deep tags may nest (the specification's suggestion); deeper tags are removed, their text kept.</summary>
    public const int MaxDepth = 100;

    private static readonly HashSet<string> Tags = new(StringComparer.Ordinal)
    {
        "font", "del", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "p", "a", "ul", "ol", "sup", "sub", "li", "b", "i",
        "u", "strong", "em", "strike", "code", "hr", "br", "div", "table", "thead", "tbody", "tr", "th", "td", "caption",
        "pre", "span", "img", "details", "summary",
    };

    /// <summary>Elements that have no end tag.</summary>
    internal static readonly HashSet<string> Void = new(StringComparer.Ordinal) { "br", "hr", "img" };

    private static readonly string[] LinkSchemes = ["http", "https", "ftp", "mailto", "magnet"];

    /// <summary>The sanitized HTML of <paramref name="html"/>.</summary>
    public static string Sanitize(string html)
    {
        var output = new StringBuilder();
        var open = new List<string>();
        foreach (var token in HtmlTokenizer.Tokenize(html))
        {
            switch (token.Kind)
            {
                case HtmlTokenKind.Text:
                    output.Append(Escape(token.Value));
                    break;
                case HtmlTokenKind.Start when Tags.Contains(token.Value) && open.Count < MaxDepth && StartTag(token) is { } tag:
                    output.Append(tag);
                    if (!Void.Contains(token.Value))
                    {
                        open.Add(token.Value);
                    }

                    break;
                case HtmlTokenKind.End when open.LastIndexOf(token.Value) is var at and >= 0:
                    Close(output, open, at);
                    break;
            }
        }

        Close(output, open, 0);
        return output.ToString();
    }

    /// <summary>Text escaped for HTML content and attribute values (<c>&amp; &lt; &gt; " '</c>; nothing else, so emoji and
    /// accents stay as they are).</summary>
    public static string Escape(string text)
    {
        var output = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            output.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => c.ToString(),
            });
        }

        return output.ToString();
    }

    /// <summary>The start tag with its allowed attributes, or null when the tag is not kept (an image not from
    /// <c>mxc://</c>).</summary>
    private static string? StartTag(HtmlToken token)
    {
        var tag = new StringBuilder("<").Append(token.Value);
        var hasSource = false;
        foreach (var (name, value) in token.Attributes.DistinctBy(a => a.Key))
        {
            if (Allowed(token.Value, name, value.Trim()) is { } kept)
            {
                tag.Append(' ').Append(name).Append("=\"").Append(Escape(kept)).Append('"');
                hasSource |= name == "src";
            }
        }

        return token.Value == "img" && !hasSource ? null : tag.Append('>').ToString();
    }

    /// <summary>The value an attribute keeps, or null when it is removed.</summary>
    private static string? Allowed(string tag, string name, string value) => (tag, name) switch
    {
        ("font", "color") or ("font" or "span", "data-mx-color" or "data-mx-bg-color") => Colour().IsMatch(value) ? value : null,
        ("span", "data-mx-spoiler") or ("a", "name" or "target") or ("img", "alt" or "title") => value,
        ("a", "href") => LinkSchemes.Contains(SchemeOf(value)) ? value : null,
        ("img", "src") => value.StartsWith("mxc://", StringComparison.Ordinal) ? value : null,
        ("img", "width" or "height") or ("ol", "start") => Number().IsMatch(value) ? value : null,
        ("code", "class") => Language().IsMatch(value) ? value : null,
        _ => null,
    };

    /// <summary>The URL's scheme in lowercase, or empty when it has none.</summary>
    private static string SchemeOf(string url)
    {
        var colon = url.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 ? url[..colon].ToLowerInvariant() : "";
    }

    private static void Close(StringBuilder output, List<string> open, int downTo)
    {
        for (var i = open.Count - 1; i >= downTo; i--)
        {
            output.Append("</").Append(open[i]).Append('>');
            open.RemoveAt(i);
        }
    }

    [GeneratedRegex("^#[0-9A-Fa-f]{6}$")]
    private static partial Regex Colour();

    [GeneratedRegex("^-?[0-9]{1,9}$")]
    private static partial Regex Number();

    [GeneratedRegex("^language-[A-Za-z0-9_+#.-]+$")]
    private static partial Regex Language();
}
