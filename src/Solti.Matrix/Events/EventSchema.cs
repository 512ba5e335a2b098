namespace Solti.Matrix.Events;

/// <summary>One event schema: its name (<c>{category}.{name}.v{N}</c>), the JSON Schema of its <c>data</c>, where it
/// came from (<c>builtin</c> or a file), and its body rules (<c>x-solti-body</c>: the first rule whose <c>when</c>
/// matches the data gives the template).</summary>
public sealed record EventSchema(string Name, JsonObject Document, string Source)
{
    public string? Description => Document["description"]?.GetValue<string>();

    public JsonArray BodyRules => Document["x-solti-body"] as JsonArray ?? [];
}
