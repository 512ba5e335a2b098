using System.Net;

namespace Solti.Matrix.Formatting;

/// <summary>One piece of HTML: text (entities decoded), a start tag (name in lowercase, attributes with decoded values)
/// or an end tag.</summary>
internal readonly record struct HtmlToken(HtmlTokenKind Kind, string Value, IReadOnlyList<KeyValuePair<string, string>> Attributes)
{
    public static HtmlToken Text(string text) => new(HtmlTokenKind.Text, text, []);
}

/// <summary>The kinds of <see cref="HtmlToken"/>.</summary>
internal enum HtmlTokenKind
{
    Text,
    Start,
    End,
}

/// <summary>A forgiving HTML tokenizer for message bodies: comments, doctypes and processing instructions vanish, the
/// content of raw-text elements (<c>script</c>, <c>style</c>, …) is skipped, a tag cut off by the end of the input is
/// dropped, and a <c>&lt;</c> that starts no tag is text.</summary>
internal static class HtmlTokenizer
{
    private static readonly HashSet<string> RawText = new(StringComparer.Ordinal)
    {
        "script", "style", "textarea", "title", "iframe", "noscript", "noembed", "noframes", "xmp", "plaintext", "template",
    };

    /// <summary>The tokens of <paramref name="html"/>, in order.</summary>
    public static IEnumerable<HtmlToken> Tokenize(string html)
    {
        var i = 0;
        while (i < html.Length)
        {
            var lt = html.IndexOf('<', i);
            if (lt < 0)
            {
                yield return HtmlToken.Text(WebUtility.HtmlDecode(html[i..]));
                yield break;
            }

            if (lt > i)
            {
                yield return HtmlToken.Text(WebUtility.HtmlDecode(html[i..lt]));
            }

            var (token, next) = ReadMarkup(html, lt);
            if (token is { } t)
            {
                yield return t;
            }

            i = token is { Kind: HtmlTokenKind.Start } s && RawText.Contains(s.Value) ? SkipRawText(html, next, s.Value) : next;
        }
    }

    /// <summary>The markup at <paramref name="at"/> (a <c>&lt;</c>) and where the input goes on after it.</summary>
    private static (HtmlToken? Token, int Next) ReadMarkup(string html, int at)
    {
        var rest = html.AsSpan(at);
        if (rest.StartsWith("<!--"))
        {
            var end = html.IndexOf("-->", at + 4, StringComparison.Ordinal);
            return (null, end < 0 ? html.Length : end + 3);
        }

        if (rest.Length > 1 && (rest[1] == '!' || rest[1] == '?'))
        {
            return (null, CloseOf(html, at));
        }

        var isEnd = rest.Length > 1 && rest[1] == '/';
        var nameAt = at + (isEnd ? 2 : 1);
        if (nameAt >= html.Length || !char.IsAsciiLetter(html[nameAt]))
        {
            return (HtmlToken.Text("<"), at + 1);
        }

        var i = nameAt;
        while (i < html.Length && (char.IsAsciiLetterOrDigit(html[i]) || html[i] == '-'))
        {
            i++;
        }

        var name = html[nameAt..i].ToLowerInvariant();
        if (isEnd)
        {
            var close = CloseOf(html, i);
            return (close > html.Length ? null : new HtmlToken(HtmlTokenKind.End, name, []), Math.Min(close, html.Length));
        }

        var attributes = new List<KeyValuePair<string, string>>();
        i = ReadAttributes(html, i, attributes);
        return (i > html.Length ? null : new HtmlToken(HtmlTokenKind.Start, name, attributes), Math.Min(i, html.Length));
    }

    /// <summary>Reads attributes up to the tag's <c>&gt;</c>; returns the index after it, or past the end when the input
    /// ends inside the tag.</summary>
    private static int ReadAttributes(string html, int i, List<KeyValuePair<string, string>> attributes)
    {
        while (true)
        {
            while (i < html.Length && (char.IsWhiteSpace(html[i]) || html[i] == '/'))
            {
                i++;
            }

            if (i >= html.Length)
            {
                return html.Length + 1;
            }

            if (html[i] == '>')
            {
                return i + 1;
            }

            var start = i;
            while (i < html.Length && !char.IsWhiteSpace(html[i]) && html[i] is not ('=' or '>' or '/'))
            {
                i++;
            }

            var name = html[start..i].ToLowerInvariant();
            var value = "";
            if (i < html.Length && html[i] == '=')
            {
                (value, i) = ReadValue(html, i + 1);
            }

            attributes.Add(new(name, WebUtility.HtmlDecode(value)));
        }
    }

    private static (string Value, int Next) ReadValue(string html, int i)
    {
        if (i < html.Length && html[i] is '"' or '\'')
        {
            var end = html.IndexOf(html[i], i + 1);
            return end < 0 ? ("", html.Length) : (html[(i + 1)..end], end + 1);
        }

        var start = i;
        while (i < html.Length && !char.IsWhiteSpace(html[i]) && html[i] != '>')
        {
            i++;
        }

        return (html[start..i], i);
    }

    /// <summary>The index after the next <c>&gt;</c>, or past the end when there is none.</summary>
    private static int CloseOf(string html, int from)
    {
        var end = html.IndexOf('>', from);
        return end < 0 ? html.Length + 1 : end + 1;
    }

    private static int SkipRawText(string html, int from, string name)
    {
        var end = html.IndexOf("</" + name, from, StringComparison.OrdinalIgnoreCase);
        return end < 0 ? html.Length : Math.Min(CloseOf(html, end), html.Length);
    }
}
