using System.Text.Json.Nodes;

namespace Solti.Matrix.Homeserver.Tests.Support;

/// <summary>One exchange from <c>Recordings/recordings-synapse-1.67.md</c>: a titled request and the real Synapse response.</summary>
public sealed record RecordedExchange(string Title, string Method, string Path, JsonNode? RequestBody, int Status, JsonNode? ResponseBody)
{
    public static string RecordingsPath => System.IO.Path.Combine(AppContext.BaseDirectory, "Recordings", "recordings-synapse-1.67.md");

    /// <summary>Reads every <c>### title</c> section whose code block has a <c>&gt; METHOD path</c> line and a <c>&lt; HTTP n</c> line.</summary>
    public static IReadOnlyDictionary<string, RecordedExchange> Load()
    {
        var exchanges = new Dictionary<string, RecordedExchange>(StringComparer.Ordinal);
        string? title = null;
        string? method = null, path = null;
        JsonNode? requestBody = null, responseBody = null;
        int? status = null;
        foreach (var line in File.ReadLines(RecordingsPath))
        {
            if (line.StartsWith("### ", StringComparison.Ordinal))
            {
                Flush();
                title = line[4..].Trim();
                continue;
            }

            if (title is null)
            {
                continue;
            }

            if (line.StartsWith("> ", StringComparison.Ordinal))
            {
                var text = line[2..];
                if (method is null && text.Split(' ') is [var m, var p] && m.All(char.IsUpper))
                {
                    (method, path) = (m, p);
                }
                else if (text.StartsWith('{'))
                {
                    requestBody = JsonNode.Parse(text);
                }
            }
            else if (line.StartsWith("< HTTP ", StringComparison.Ordinal))
            {
                status = int.Parse(line[7..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("< {", StringComparison.Ordinal))
            {
                responseBody = JsonNode.Parse(line[2..]);
            }
        }

        Flush();
        return exchanges;

        void Flush()
        {
            if (title is not null && method is not null && path is not null && status is not null)
            {
                exchanges[title] = new RecordedExchange(title, method, path, requestBody, status.Value, responseBody);
            }

            method = path = null;
            requestBody = responseBody = null;
            status = null;
        }
    }
}
