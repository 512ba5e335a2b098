namespace Solti.Matrix.Commands;

/// <summary>Prints a result as one JSON object (<c>--output json</c>) or as <c>key: value</c> lines (a list of
/// sentences as one <c>  - sentence</c> line each).</summary>
public static class CliOutput
{
    public static void Write(ParseResult parse, JsonObject result)
    {
        if (parse.GetValue(CliSettings.Output) == "json")
        {
            Console.Out.WriteLine(Compact(result));
            return;
        }

        foreach (var (key, value) in result)
        {
            if (value is JsonArray { Count: > 0 } lines && lines.All(l => l is JsonValue v && v.TryGetValue<string>(out _)))
            {
                Console.Out.WriteLine($"{key}:");
                foreach (var line in lines)
                {
                    Console.Out.WriteLine($"  - {line!.GetValue<string>()}");
                }

                continue;
            }

            Console.Out.WriteLine($"{key}: {(value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value?.ToJsonString() ?? "null")}");
        }
    }

    /// <summary>One-line JSON, non-ASCII text kept as it is.</summary>
    public static string Compact(JsonNode node) => Serialize(node, indented: false);

    /// <summary>Indented JSON, non-ASCII text kept as it is.</summary>
    public static string Indented(JsonNode node) => Serialize(node, indented: true);

    private static string Serialize(JsonNode node, bool indented)
    {
        using var buffer = new MemoryStream();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer, new System.Text.Json.JsonWriterOptions { Indented = indented, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            node.WriteTo(writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static void Error(ParseResult parse, Exception e, int exitCode)
    {
        if (parse.GetValue(CliSettings.Output) == "json")
        {
            var error = new JsonObject { ["failed"] = true, ["msg"] = e.Message, ["exit_code"] = exitCode };
            if (e is Errors.MatrixException m)
            {
                error["errcode"] = m.Errcode;
                error["status"] = m.Status;
            }

            Console.Out.WriteLine(Compact(error));
        }

        Console.Error.WriteLine($"solti-matrix: {e.Message}");
    }
}
