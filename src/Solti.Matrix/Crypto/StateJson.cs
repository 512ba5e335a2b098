using System.Globalization;

namespace Solti.Matrix.Crypto;

/// <summary>Our own export format for crypto state (no libolm pickle compatibility): a JSON object naming its
/// <c>kind</c> and <c>version</c>, with keys in unpadded base64. Reading refuses another kind or version with
/// <see cref="CryptoException"/> (<see cref="CryptoFailure.BadState"/>).</summary>
internal static class StateJson
{
    public const int Version = 1;

    public static JsonObject New(string kind) => new() { ["kind"] = kind, ["version"] = Version };

    public static JsonObject Open(JsonNode? state, string kind) =>
        state is JsonObject obj && Text(obj, "kind") == kind && Integer(obj, "version") == Version
            ? obj
            : throw Bad($"not a {kind} of version {Version}");

    public static string Text(JsonObject obj, string name) =>
        obj[name] is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : throw Bad($"no text '{name}'");

    public static byte[] Bytes(JsonObject obj, string name, int length) =>
        UnpaddedBase64.TryDecode(Text(obj, name), out var bytes) && bytes.Length == length ? bytes : throw Bad($"'{name}' is not {length} bytes");

    public static long Integer(JsonObject obj, string name) =>
        obj[name] is JsonValue value && long.TryParse(value.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer)
            ? integer
            : throw Bad($"no integer '{name}'");

    public static uint Index(JsonObject obj, string name) =>
        Integer(obj, name) is >= 0 and <= uint.MaxValue and var index ? (uint)index : throw Bad($"'{name}' is not an index");

    public static bool Flag(JsonObject obj, string name) => obj[name] is JsonValue value
        ? value.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Bad($"'{name}' is not a boolean"),
        }
        : throw Bad($"no boolean '{name}'");

    public static IEnumerable<JsonObject> Objects(JsonObject obj, string name) =>
        obj[name] is JsonArray array ? array.Select(item => item as JsonObject ?? throw Bad($"'{name}' holds a non-object")) : throw Bad($"no list '{name}'");

    public static JsonObject? OptionalObject(JsonObject obj, string name) => obj[name] switch
    {
        null => null,
        JsonObject child => child,
        _ => throw Bad($"'{name}' is not an object"),
    };

    public static CryptoException Bad(string why) => new(CryptoFailure.BadState, "crypto state: " + why);
}
