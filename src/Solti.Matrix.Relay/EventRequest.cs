using System.Text.Json.Nodes;
using Solti.Matrix.Events;
using Solti.Matrix.Identifiers;
using Solti.Matrix.Sending;

namespace Solti.Matrix.Relay;

/// <summary>A producer's event, parsed from the body of <c>POST /v1/events</c>: <c>{room, event_type?, content}</c> or
/// <c>{room, schema, data, source?, validate?, html?}</c>, <c>txn_id</c> to make a producer's retry safe, and
/// <c>sender</c> to post as another user than the relay's own (one of its <c>--allow-sender</c> list);
/// <c>correlation_id</c>, <c>thread_root</c>, <c>reply_to</c>, <c>replaces</c> as <c>matrix_event</c> takes them.</summary>
internal sealed record EventRequest(string Room, string EventType, JsonObject Content, string TxnId)
{
    /// <summary>The user to post as; null: the relay's own.</summary>
    public string? Sender { get; init; }

    /// <summary>The conversation it takes part in.</summary>
    public Outbox.ConversationLinks Links { get; init; } = new();

    /// <summary>The event, checked field by field (a wrong type is an <see cref="ArgumentException"/> naming the field;
    /// a schema's refusal a <see cref="SchemaValidationException"/>), with the producer's <c>txn_id</c> or a new one.</summary>
    public static EventRequest Parse(JsonObject body, SchemaRegistry schemas)
    {
        var room = Text(body, "room") ?? throw new ArgumentException("room is required (!id:server or #alias:server)");
        MatrixId.Require(MatrixIdKind.RoomOrAlias, room, "room");
        var eventType = MatrixId.Require(MatrixIdKind.EventType, Text(body, "event_type") ?? "m.room.message", "event_type");
        var txnId = Text(body, "txn_id") is { Length: > 0 } given ? given : TransactionIds.New();
        var sender = Text(body, "sender") is { } named ? MatrixId.Require(MatrixIdKind.User, named, "sender") : null;
        var correlation = Text(body, "correlation_id");
        var links = new Outbox.ConversationLinks(correlation is null ? null : Conversation.Correlation(correlation), Conversation.Relation(name => Text(body, name)));
        if (Text(body, "schema") is { } schema)
        {
            if (body["content"] is not null)
            {
                throw new ArgumentException("give either content or schema and data, not both");
            }

            var data = body["data"] as JsonObject ?? throw new ArgumentException("schema needs data (a JSON object)");
            return new(room, eventType, SoltiEvent.Build(schemas, schema, data, Text(body, "source") ?? Environment.MachineName,
                validate: Flag(body, "validate") ?? true, html: Flag(body, "html") ?? false, correlationId: correlation), txnId) { Sender = sender, Links = links };
        }

        return new(room, eventType, body["content"] as JsonObject ?? throw new ArgumentException("content (a JSON object) or schema and data are required"), txnId) { Sender = sender, Links = links };
    }

    private static string? Text(JsonObject body, string name) => body[name] switch
    {
        null => null,
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        _ => throw new ArgumentException($"{name} must be a string"),
    };

    private static bool? Flag(JsonObject body, string name) => body[name] switch
    {
        null => null,
        JsonValue value when value.TryGetValue<bool>(out var flag) => flag,
        _ => throw new ArgumentException($"{name} must be true or false"),
    };
}
