using System.CommandLine;
using System.Text.Json.Nodes;

namespace Solti.Matrix.Cli;

/// <summary>Prints a result as one JSON object (<c>--output json</c>) or as <c>key: value</c> lines.</summary>
public static class CliOutput
{
    public static void Write(ParseResult parse, JsonObject result)
    {
        if (parse.GetValue(CliSettings.Output) == "json")
        {
            Console.Out.WriteLine(result.ToJsonString());
            return;
        }

        foreach (var (key, value) in result)
        {
            Console.Out.WriteLine($"{key}: {(value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value?.ToJsonString() ?? "null")}");
        }
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

            Console.Out.WriteLine(error.ToJsonString());
        }

        Console.Error.WriteLine($"solti-matrix: {e.Message}");
    }
}
