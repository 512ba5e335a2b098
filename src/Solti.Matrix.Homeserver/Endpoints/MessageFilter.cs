using System.Text.Json;

namespace Solti.Matrix.Homeserver.Endpoints;

/// <summary>The part of a RoomEventFilter that <c>/messages</c> honours: <c>types</c>, <c>not_types</c>, <c>senders</c>.</summary>
public sealed record MessageFilter(IReadOnlyList<string>? Types, IReadOnlyList<string> NotTypes, IReadOnlyList<string>? Senders)
{
    public static MessageFilter Parse(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return new MessageFilter(null, [], null);
        }

        JsonObject filter;
        try
        {
            filter = JsonNode.Parse(json) as JsonObject ?? throw Errors.BadJson("filter must be a JSON object");
        }
        catch (JsonException)
        {
            throw Errors.NotJson();
        }

        return new MessageFilter(Strings(filter, "types"), Strings(filter, "not_types") ?? [], Strings(filter, "senders"));
    }

    public bool Accepts(EventRecord e) =>
        (Types is null || Types.Contains(e.Type)) && !NotTypes.Contains(e.Type) && (Senders is null || Senders.Contains(e.Sender));

    private static List<string>? Strings(JsonObject filter, string key) =>
        filter[key] is JsonArray array ? [.. array.Select(n => n?.GetValue<string>() ?? "")] : null;
}
