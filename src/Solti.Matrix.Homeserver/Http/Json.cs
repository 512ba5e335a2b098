using System.Text.Json;

namespace Solti.Matrix.Homeserver.Http;

/// <summary>Typed access to request bodies with Synapse's 400s for wrong types.</summary>
public static class Json
{
    public static JsonObject ParseObject(ReadOnlySpan<byte> raw)
    {
        try
        {
            return JsonNode.Parse(raw) is JsonObject obj ? obj : throw Errors.BadJson("Content must be a JSON object.");
        }
        catch (JsonException)
        {
            throw Errors.NotJson();
        }
    }

    public static string? OptionalString(JsonObject body, string key) => body[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => throw Errors.BadJson($"'{key}' must be a string"),
    };

    public static string RequiredString(JsonObject body, string key) =>
        OptionalString(body, key) ?? throw Errors.MissingParam(key);

    public static bool? OptionalBool(JsonObject body, string key) => body[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        _ => throw Errors.BadJson($"'{key}' must be a boolean"),
    };

    public static long? OptionalLong(JsonObject body, string key) => body[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out var n) => n,
        _ => throw Errors.BadJson($"'{key}' must be an integer"),
    };

    /// <summary>A JSON number as an integer, whether the node was parsed or built in code (a built
    /// <c>JsonValue</c> of <c>int</c> does not answer <c>TryGetValue&lt;long&gt;</c>).</summary>
    public static bool TryGetInteger(JsonNode? node, out long value)
    {
        value = 0;
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.Number)
        {
            return false;
        }

        if (!double.TryParse(v.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d) || d != Math.Floor(d))
        {
            return false;
        }

        value = (long)Math.Clamp(d, long.MinValue, long.MaxValue);
        return true;
    }

    public static JsonObject? OptionalObject(JsonObject body, string key) => body[key] switch
    {
        null => null,
        JsonObject o => (JsonObject)o.DeepClone(),
        _ => throw Errors.BadJson($"'{key}' must be an object"),
    };
}
