using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Solti.Matrix.Commands;

/// <summary>Reads a YAML file into JSON with YAML's core schema for plain scalars (null, true/false, numbers); quoted
/// scalars stay strings. Errors name the file, line and column.</summary>
public static class YamlInput
{
    /// <param name="path">The file.</param>
    /// <param name="keys">What the mapping holds, for the error when the file holds something else.</param>
    public static JsonObject ReadMapping(string path, string keys = "domain, users, rooms")
    {
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            stream.Load(reader);
        }
        catch (YamlException e)
        {
            throw new FormatException($"{path}: line {e.Start.Line}, column {e.Start.Column}: {e.InnerException?.Message ?? e.Message}");
        }

        return stream.Documents.Count == 1 && Convert(stream.Documents[0].RootNode) is JsonObject root
            ? root
            : throw new FormatException($"{path}: expected one YAML document holding a mapping ({keys})");
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(p => KeyValuePair.Create(((YamlScalarNode)p.Key).Value ?? "", Convert(p.Value)))),
        YamlSequenceNode list => new JsonArray([.. list.Children.Select(Convert)]),
        YamlScalarNode scalar => Scalar(scalar),
        _ => null,
    };

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style is not ScalarStyle.Plain)
        {
            return text;
        }

        return text switch
        {
            "" or "~" or "null" or "Null" or "NULL" => null,
            "true" or "True" or "TRUE" => true,
            "false" or "False" or "FALSE" => false,
            _ when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer) => integer,
            _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && text.Any(char.IsDigit) => number,
            _ => text,
        };
    }
}
