using System.Text.Json.Nodes;
using Solti.Matrix.Events;
using Solti.Matrix.Formatting;

namespace Solti.Matrix.Tests;

/// <summary>Formatted bodies: the sanitizer keeps only the specification's tags, attributes and URL schemes; Markdown is
/// rendered and sanitized; the plain text beside it; schema events' HTML with every value escaped; severity colours.</summary>
[Trait("tier", "unit")]
public sealed class FormattedBodyTests
{
    private static readonly SchemaRegistry Registry = SchemaRegistry.Load();

    [Theory]
    [InlineData("<p>hi<script>alert(1)</script></p>", "<p>hi</p>")]
    [InlineData("<SCRIPT src=x>alert(1)</SCRIPT>ok", "ok")]
    [InlineData("<style>p{color:red}</style><p style=\"color:red\">x</p>", "<p>x</p>")]
    [InlineData("<b onclick=\"steal()\" onmouseover=x>bold</b>", "<b>bold</b>")]
    [InlineData("<a href=\"javascript:alert(1)\">x</a>", "<a>x</a>")]
    [InlineData("<a href=\" JavaScript:alert(1)\">x</a>", "<a>x</a>")]
    [InlineData("<a href=\"java&#115;cript:alert(1)\">x</a>", "<a>x</a>")]
    [InlineData("<a href=\"/relative\">x</a>", "<a>x</a>")]
    [InlineData("<a href=\"https://example.com/?a=1&amp;b=2\" target=\"_blank\" rel=\"x\">x</a>", "<a href=\"https://example.com/?a=1&amp;b=2\" target=\"_blank\">x</a>")]
    [InlineData("<a href=\"mailto:ops@example.com\">m</a>", "<a href=\"mailto:ops@example.com\">m</a>")]
    [InlineData("<img src=\"https://evil.example/x.png\" onerror=\"alert(1)\">", "")]
    [InlineData("<img src=\"x\" onerror=\"alert(1)\">", "")]
    [InlineData("<img src=\"mxc://example.com/abc\" alt=\"cat\" width=\"20\" height=\"x\" onerror=\"alert(1)\">", "<img src=\"mxc://example.com/abc\" alt=\"cat\" width=\"20\">")]
    [InlineData("<font color=\"#ff0000\" data-mx-color=\"red;x\" face=\"Arial\">r</font>", "<font color=\"#ff0000\">r</font>")]
    [InlineData("<span data-mx-spoiler=\"why\" data-mx-bg-color=\"#00ff00\" class=\"c\">s</span>", "<span data-mx-spoiler=\"why\" data-mx-bg-color=\"#00ff00\">s</span>")]
    [InlineData("<ol start=\"3\" type=\"a\"><li>x</li></ol>", "<ol start=\"3\"><li>x</li></ol>")]
    [InlineData("<code class=\"language-csharp\">x</code><code class=\"evil\">y</code>", "<code class=\"language-csharp\">x</code><code>y</code>")]
    [InlineData("<h1>T</h1><blockquote><p>q</p></blockquote><hr/><br>", "<h1>T</h1><blockquote><p>q</p></blockquote><hr><br>")]
    [InlineData("<table><thead><tr><th>a</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>", "<table><thead><tr><th>a</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>")]
    [InlineData("<details><summary>more</summary>text</details>", "<details><summary>more</summary>text</details>")]
    [InlineData("<iframe src=\"https://x\">in</iframe><object>o</object><custom>c</custom>", "oc")]
    public void The_sanitizer_keeps_only_the_specifications_tags_attributes_and_schemes(string html, string expected) =>
        Assert.Equal(expected, HtmlSanitizer.Sanitize(html));

    [Theory]
    [InlineData("<b><i>x</b></i>", "<b><i>x</i></b>")]
    [InlineData("<p>open <b>never closed", "<p>open <b>never closed</b></p>")]
    [InlineData("</div>stray</p>", "stray")]
    [InlineData("a < b && c > d", "a &lt; b &amp;&amp; c &gt; d")]
    [InlineData("<b title=\"x\"", "")]
    [InlineData("<!-- <script>x</script> -->after", "after")]
    [InlineData("<p>\"quotes\" & 'apostrophes' 🔥</p>", "<p>&quot;quotes&quot; &amp; &#39;apostrophes&#39; 🔥</p>")]
    [InlineData("&lt;script&gt;", "&lt;script&gt;")]
    [InlineData("<a href='https://x.example' href='javascript:y'>d</a>", "<a href=\"https://x.example\">d</a>")]
    public void Nested_and_malformed_html_becomes_well_formed_and_escaped(string html, string expected) =>
        Assert.Equal(expected, HtmlSanitizer.Sanitize(html));

    [Fact]
    public void A_template_of_ones_own_replaces_the_schemas_body_in_each_format_with_values_escaped()
    {
        var data = new JsonObject { ["service"] = "api", ["host"] = "web<1>", ["playbook"] = "site.yml", ["operator"] = "ops" };
        var text = SoltiEvent.Build(Registry, "deploy.start.v1", data, "ci", template: "{service} on {host}");
        Assert.Equal(("api on web<1>", null), (text["body"]!.GetValue<string>(), text["formatted_body"]));
        var markdown = SoltiEvent.Build(Registry, "deploy.start.v1", data, "ci", template: "*{service}* on `{host}`", format: "markdown");
        Assert.Equal("<p><em>api</em> on <code>web&lt;1&gt;</code></p>", markdown["formatted_body"]!.GetValue<string>());
        Assert.Equal("api on web<1>", markdown["body"]!.GetValue<string>());
        var html = SoltiEvent.Build(Registry, "deploy.start.v1", data, "ci", template: "<b>{service}</b><script>x</script> on {host}", format: "html");
        Assert.Equal("<b>api</b> on web&lt;1&gt;", html["formatted_body"]!.GetValue<string>());
        Assert.Equal("deploy.start.v1", html["solti"]!["schema"]!.GetValue<string>());
    }

    [Fact]
    public void Tags_nested_past_the_limit_keep_only_their_text()
    {
        var html = string.Concat(Enumerable.Repeat("<b>", 150)) + "deep";
        var sanitized = HtmlSanitizer.Sanitize(html);
        Assert.Equal(HtmlSanitizer.MaxDepth, sanitized.Split("<b>").Length - 1);
        Assert.Contains("deep", sanitized, StringComparison.Ordinal);
    }

    [Fact]
    public void Markdown_renders_headings_lists_code_tables_and_links()
    {
        var html = FormattedBody.FromMarkdown("""
            # Deploy

            * **nginx** on `web1`
            * [docs](https://example.com/d)

            1. one
            2. two

            ```bash
            echo <hi>
            ```

            | host | state |
            |------|-------|
            | web1 | ok    |
            """);
        Assert.Contains("<h1>Deploy</h1>", html, StringComparison.Ordinal);
        Assert.Contains("<ul>\n<li><strong>nginx</strong> on <code>web1</code></li>", html, StringComparison.Ordinal);
        Assert.Contains("<a href=\"https://example.com/d\">docs</a>", html, StringComparison.Ordinal);
        Assert.Contains("<ol>\n<li>one</li>", html, StringComparison.Ordinal);
        Assert.Contains("<pre><code class=\"language-bash\">echo &lt;hi&gt;\n</code></pre>", html, StringComparison.Ordinal);
        Assert.Contains("<table>", html, StringComparison.Ordinal);
        Assert.Contains("<th>host</th>", html, StringComparison.Ordinal);
        Assert.Contains("<td>web1</td>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Raw_html_in_markdown_passes_only_through_the_sanitizer()
    {
        var html = FormattedBody.FromMarkdown("hi <script>alert(1)</script> <font data-mx-color=\"#ff0000\" onclick=\"x\">red</font> [x](javascript:alert(1))");
        Assert.DoesNotContain("script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("onclick", html, StringComparison.Ordinal);
        Assert.DoesNotContain("javascript", html, StringComparison.Ordinal);
        Assert.Contains("<font data-mx-color=\"#ff0000\">red</font>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void The_plain_text_of_html_keeps_its_shape()
    {
        var html = FormattedBody.FromMarkdown("# Title\n\nSome *text*\nwrapped.\n\n- a\n- b\n\n3. three\n4. four\n\n| h | v |\n|---|---|\n| x | 1 |\n\n[docs](https://example.com) and <https://example.com>");
        Assert.Equal("Title\n\nSome text wrapped.\n\n- a\n- b\n\n3. three\n4. four\n\nh | v\nx | 1\n\ndocs (https://example.com) and https://example.com", HtmlText.ToPlainText(html));
    }

    [Theory]
    [InlineData("text", "**hi**", "**hi**", null)]
    [InlineData("markdown", "**hi** <script>x</script>", "hi", "<p><strong>hi</strong> </p>")]
    [InlineData("html", "<b>hi</b><img src=\"http://x\">", "hi", "<b>hi</b>")]
    public void A_free_body_is_formatted_as_asked(string format, string body, string plain, string? formatted)
    {
        var content = new JsonObject { ["msgtype"] = "m.text", ["body"] = body };
        FormattedBody.Apply(content, format, "--format");
        Assert.Equal(plain, content["body"]!.GetValue<string>());
        Assert.Equal(formatted, content["formatted_body"]?.GetValue<string>());
        Assert.Equal(formatted is null ? null : "org.matrix.custom.html", content["format"]?.GetValue<string>());
    }

    [Fact]
    public void A_bad_format_or_a_missing_body_is_an_error_naming_the_option()
    {
        var bad = Assert.Throws<ArgumentException>(() => FormattedBody.Apply(new JsonObject { ["body"] = "x" }, "rtf", "--format"));
        Assert.Equal("--format: 'rtf' is not a format (one of: text, markdown, html)", bad.Message);
        var none = Assert.Throws<ArgumentException>(() => FormattedBody.Apply(new JsonObject { ["msgtype"] = "m.text" }, "markdown", "format"));
        Assert.Equal("format: markdown needs a body (a string) to format", none.Message);
    }

    [Fact]
    public void Schema_values_are_escaped_in_the_formatted_body()
    {
        var data = JsonNode.Parse("""{"service": "<script>alert(1)</script>", "host": "a&b\"", "playbook": "p", "operator": "o"}""")!.AsObject();
        var content = SoltiEvent.Build(Registry, "deploy.start.v1", data, "ci");
        Assert.Equal("🚀 Deployment STARTED: <script>alert(1)</script> on a&b\"", content["body"]!.GetValue<string>());
        Assert.Equal("org.matrix.custom.html", content["format"]!.GetValue<string>());
        Assert.Equal("🚀 <b>Deployment STARTED</b>: <code>&lt;script&gt;alert(1)&lt;/script&gt;</code> on <code>a&amp;b&quot;</code>",
            content["formatted_body"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("critical", "#d32f2f")]
    [InlineData("warning", "#f57c00")]
    [InlineData("info", "#1976d2")]
    [InlineData("none", "#757575")]
    [InlineData("mixed", "#757575")]
    public void Firing_alerts_are_coloured_by_severity(string severity, string colour)
    {
        var firing = SoltiEvent.Build(Registry, "alert.firing.v1", Alert(severity, "firing"), "relay", validate: false);
        Assert.Equal($"<font data-mx-color=\"{colour}\">🔥 <b>FIRING [{severity}] Disk&lt;Full&gt;</b></font>: 95% on /", firing["formatted_body"]!.GetValue<string>());
        var group = SoltiEvent.Build(Registry, "alert.group.v1", Group(severity, "firing"), "relay", validate: false);
        Assert.StartsWith($"<font data-mx-color=\"{colour}\">🔥 <b>FIRING: 12 alerts [{severity}]</b></font>: ", group["formatted_body"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void Resolved_alerts_are_green()
    {
        var resolved = SoltiEvent.Build(Registry, "alert.resolved.v1", Alert("critical", "resolved"), "relay", validate: false);
        Assert.Equal("<font data-mx-color=\"#2e7d32\">✅ <b>RESOLVED [critical] Disk&lt;Full&gt;</b></font>: 95% on /", resolved["formatted_body"]!.GetValue<string>());
        var group = SoltiEvent.Build(Registry, "alert.group.v1", Group("critical", "resolved"), "relay", validate: false);
        Assert.StartsWith("<font data-mx-color=\"#2e7d32\">✅ <b>RESOLVED: 12 alerts", group["formatted_body"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("verify.pass.v1")]
    [InlineData("verify.fail.v1")]
    [InlineData("deploy.start.v1")]
    [InlineData("deploy.complete.v1")]
    [InlineData("test.v1")]
    [InlineData("alert.firing.v1")]
    [InlineData("alert.resolved.v1")]
    [InlineData("alert.group.v1")]
    public void Every_shipped_schema_has_an_html_template_whose_text_is_its_body(string schema)
    {
        foreach (var rule in Registry.Get(schema)!.BodyRules.OfType<JsonObject>())
        {
            var html = rule["html"]!.GetValue<string>().Replace("{severity|colour}", "#000000", StringComparison.Ordinal);
            Assert.Equal(HtmlSanitizer.Sanitize(html), html);
            Assert.Equal(rule["template"]!.GetValue<string>(), HtmlText.ToPlainText(html));
        }
    }

    [Fact]
    public void An_unknown_schema_has_a_formatted_body_only_with_html()
    {
        var data = new JsonObject { ["x"] = "<b>" };
        Assert.False(SoltiEvent.Build(Registry, "backup.done.v1", data, "ci", validate: false).ContainsKey("formatted_body"));
        Assert.Equal("<p>📋 backup.done.v1 event from ci</p>", SoltiEvent.Build(Registry, "backup.done.v1", data, "ci", validate: false, html: true)["formatted_body"]!.GetValue<string>());
    }

    private static JsonObject Alert(string severity, string status) => new()
    {
        ["alertname"] = "Disk<Full>",
        ["status"] = status,
        ["severity"] = severity,
        ["summary"] = "95% on /",
    };

    private static JsonObject Group(string severity, string status) => new()
    {
        ["status"] = status,
        ["count"] = 12,
        ["severity"] = severity,
        ["alertnames"] = new JsonArray("A", "B"),
    };
}
