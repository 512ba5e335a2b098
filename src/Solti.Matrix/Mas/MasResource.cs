namespace Solti.Matrix.Mas;

/// <summary>One resource of MAS's admin API, from its JSON:API envelope: <c>type</c>, <c>id</c> (a ULID) and
/// <c>attributes</c>.</summary>
/// <param name="Type">The resource type: <c>user</c>, <c>compat-session</c>, <c>personal-session</c>, …</param>
/// <param name="Id">The resource's ULID.</param>
/// <param name="Attributes">Its attributes as MAS answered them.</param>
public sealed record MasResource(string Type, string Id, JsonObject Attributes)
{
    /// <summary>An attribute as a string, or null when absent or null.</summary>
    public string? Text(string name) => Attributes[name] is JsonValue v && v.TryGetValue<string>(out var text) ? text : null;

    /// <summary>An attribute as a boolean (false when absent).</summary>
    public bool Flag(string name) => Attributes[name] is JsonValue v && v.TryGetValue<bool>(out var flag) && flag;

    /// <summary>A time attribute (RFC 3339), or null when absent or null.</summary>
    public DateTimeOffset? Time(string name) =>
        Text(name) is { } text && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind, out var time) ? time : null;

    /// <summary>Reads one resource object (<c>{"type","id","attributes"}</c>).</summary>
    internal static MasResource From(JsonNode? node) =>
        node is JsonObject { } obj && obj["id"] is JsonValue id && obj["type"] is JsonValue type
            ? new MasResource(type.GetValue<string>(), id.GetValue<string>(), obj["attributes"] as JsonObject is { } attributes ? (JsonObject)attributes.DeepClone() : [])
            : throw new MatrixException(200, MatrixErrorCodes.BadResponse, "MAS's admin API answered a resource without type and id");
}
