namespace Solti.Matrix.Events;

/// <summary>One event schema: its name (<c>{category}.{name}.v{N}</c>), the JSON Schema of its <c>data</c>, where it
/// came from (<c>builtin</c> or a file), and its body rules (<c>x-solti-body</c>: the first rule whose <c>when</c>
/// matches the data gives the template).</summary>
public sealed record EventSchema(string Name, JsonObject Document, string Source)
{
    /// <summary>The schema's <c>description</c>, when it has one.</summary>
    public string? Description => Document["description"]?.GetValue<string>();

    /// <summary>The schema's <c>x-solti-body</c> rules for the event's human-readable body (empty when it has
    /// none).</summary>
    public JsonArray BodyRules => Document["x-solti-body"] as JsonArray ?? [];
}
