using System.Text;
using System.Text.RegularExpressions;

namespace Solti.Matrix.Formatting;

/// <summary>The plain text of an HTML body, for the <c>body</c> beside a <c>formatted_body</c>: blocks on their own
/// lines (paragraphs, headings, lists, tables and code blocks followed by an empty line), list items as <c>- </c> or
/// <c>1. </c>, table cells separated by <c> | </c>, a link's address after its text when they differ, an image's
/// <c>alt</c>; whitespace collapsed except in <c>pre</c>.</summary>
public static partial class HtmlText
{
    private static readonly HashSet<string> Paragraphs = new(StringComparer.Ordinal)
    {
        "p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "table", "ul", "ol", "blockquote", "details",
    };

    private static readonly HashSet<string> Lines = new(StringComparer.Ordinal)
    {
        "div", "li", "tr", "summary", "caption", "thead", "tbody",
    };

    /// <summary>The plain text of <paramref name="html"/>.</summary>
    public static string ToPlainText(string html)
    {
        var state = new Writer();
        foreach (var token in HtmlTokenizer.Tokenize(html))
        {
            switch (token.Kind)
            {
                case HtmlTokenKind.Text:
                    state.Text(token.Value);
                    break;
                case HtmlTokenKind.Start:
                    state.Start(token);
                    break;
                case HtmlTokenKind.End:
                    state.End(token.Value);
                    break;
            }
        }

        return BlankLines().Replace(TrailingSpaces().Replace(state.Output.ToString(), "\n"), "\n\n").Trim();
    }

    private sealed class Writer
    {
        private readonly Stack<int?> _lists = new();
        private readonly Stack<(int At, string? Href)> _links = new();
        private int _pre;
        private bool _firstCell;

        public StringBuilder Output { get; } = new();

        public void Text(string text)
        {
            if (_pre > 0)
            {
                Output.Append(text);
                return;
            }

            var collapsed = Spaces().Replace(text, " ");
            Output.Append(AtLineStart() ? collapsed.TrimStart() : collapsed);
        }

        public void Start(HtmlToken tag)
        {
            var name = tag.Value;
            if (Paragraphs.Contains(name) || Lines.Contains(name))
            {
                NewLine();
            }

            switch (name)
            {
                case "br":
                    Output.Append('\n');
                    break;
                case "hr":
                    NewLine();
                    Output.Append("---\n");
                    break;
                case "pre":
                    _pre++;
                    break;
                case "ul" or "ol":
                    _lists.Push(name == "ol" ? int.TryParse(Attribute(tag, "start"), out var start) ? start : 1 : null);
                    break;
                case "li":
                    Item();
                    break;
                case "tr":
                    _firstCell = true;
                    break;
                case "td" or "th":
                    while (Output.Length > 0 && Output[^1] == ' ')
                    {
                        Output.Length--;
                    }

                    Output.Append(_firstCell ? "" : " | ");
                    _firstCell = false;
                    break;
                case "a":
                    _links.Push((Output.Length, Attribute(tag, "href")));
                    break;
                case "img":
                    Output.Append(Attribute(tag, "alt"));
                    break;
            }
        }

        public void End(string name)
        {
            if (name == "pre" && _pre > 0)
            {
                _pre--;
            }
            else if (name is "ul" or "ol" && _lists.Count > 0)
            {
                _lists.Pop();
            }
            else if (name == "a" && _links.TryPop(out var link))
            {
                Address(link.At, link.Href);
            }

            if (Paragraphs.Contains(name))
            {
                NewLine();
                Output.Append('\n');
            }
            else if (Lines.Contains(name))
            {
                NewLine();
            }
        }

        /// <summary>A link's address after its text, unless the text already says it.</summary>
        private void Address(int textAt, string? href)
        {
            var text = Output.ToString(textAt, Output.Length - textAt).Trim();
            if (href is { Length: > 0 } && text != href && "mailto:" + text != href)
            {
                Output.Append(" (").Append(href).Append(')');
            }
        }

        private void Item()
        {
            var indent = new string(' ', 2 * Math.Max(0, _lists.Count - 1));
            if (_lists.TryPop(out var number) && number is { } n)
            {
                _lists.Push(n + 1);
                Output.Append(indent).Append(n).Append(". ");
            }
            else
            {
                _lists.Push(null);
                Output.Append(indent).Append("- ");
            }
        }

        private void NewLine()
        {
            if (!AtLineStart())
            {
                Output.Append('\n');
            }
        }

        private bool AtLineStart() => Output.Length == 0 || Output[^1] == '\n';

        private static string? Attribute(HtmlToken tag, string name) =>
            tag.Attributes.FirstOrDefault(a => a.Key == name).Value;
    }

    [GeneratedRegex("\\s+")]
    private static partial Regex Spaces();

    [GeneratedRegex("[ \\t]+\\n")]
    private static partial Regex TrailingSpaces();

    [GeneratedRegex("\\n{3,}")]
    private static partial Regex BlankLines();
}
