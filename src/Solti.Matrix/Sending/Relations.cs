namespace Solti.Matrix.Sending;

/// <summary>How an event relates to an earlier one: in its thread (<c>m.thread</c>), as a reply
/// (<c>m.in_reply_to</c>), or as its new content (<c>m.replace</c>, an edit).</summary>
public enum RelationKind
{
    /// <summary>In the thread whose root is the target (<c>m.thread</c>, with the reply fallback for clients without
    /// threads).</summary>
    Thread,

    /// <summary>A reply to the target (<c>m.in_reply_to</c>).</summary>
    Reply,

    /// <summary>The target's new content (<c>m.replace</c>): the room shows the edited message; only the target's own
    /// sender may send it.</summary>
    Replace,
}

/// <summary>The event an event relates to: an event id, or the key of a conversation (<see cref="Conversation"/>) that
/// the outbox's map turns into the event id of its first event, once that is delivered.</summary>
public sealed record RelationTarget(RelationKind Kind, string? EventId, string? Key)
{
    /// <summary>To the event <paramref name="eventId"/>.</summary>
    public static RelationTarget ToEvent(RelationKind kind, string eventId) => new(kind, eventId, null);

    /// <summary>To the first event of the conversation <paramref name="key"/>.</summary>
    public static RelationTarget ToKey(RelationKind kind, string key) => new(kind, null, key);

    /// <summary>As the parameter that names it: <c>thread_root</c>, <c>reply_to</c>, <c>replaces</c>.</summary>
    public string Parameter => Kind switch
    {
        RelationKind.Thread => "thread_root",
        RelationKind.Reply => "reply_to",
        _ => "replaces",
    };

    /// <summary>Stored with an outbox entry.</summary>
    public string ToJson() => new JsonObject { ["kind"] = Kind.ToString(), ["event_id"] = EventId, ["key"] = Key }.ToJsonString();

    /// <summary>Read from an outbox entry.</summary>
    public static RelationTarget? FromJson(string? json) =>
        json is null || JsonNode.Parse(json) is not JsonObject o
            ? null
            : new(Enum.Parse<RelationKind>(o["kind"]!.GetValue<string>()), o["event_id"]?.GetValue<string>(), o["key"]?.GetValue<string>());
}

/// <summary>Conversation keys: what the outbox's map knows events by, per homeserver and room. A SOLTI event's
/// <c>correlation_id</c> is <c>corr:</c>… (its first event is the root of the others' thread); an alert's occurrence is
/// <c>alert:</c>fingerprint@startsAt (its firing message is edited and replied to when it resolves).</summary>
public static class Conversation
{
    /// <summary>The key of a correlation id.</summary>
    public static string Correlation(string correlationId) => "corr:" + correlationId;

    /// <summary>The parameters that name a relation (<c>thread_root</c>, <c>reply_to</c>, <c>replaces</c>; the command
    /// line writes them <c>--thread-root</c>…) and their kinds.</summary>
    public static readonly IReadOnlyList<(string Parameter, RelationKind Kind)> Parameters =
        [("thread_root", RelationKind.Thread), ("reply_to", RelationKind.Reply), ("replaces", RelationKind.Replace)];

    /// <summary>The relation the parameters give (<paramref name="valueOf"/> answers for each name of
    /// <see cref="Parameters"/>), or null; more than one is an <see cref="ArgumentException"/> naming them as
    /// <paramref name="spell"/> writes them.</summary>
    public static RelationTarget? Relation(Func<string, string?> valueOf, Func<string, string>? spell = null)
    {
        var given = Parameters.Select(p => (p.Parameter, p.Kind, Value: valueOf(p.Parameter))).Where(p => !string.IsNullOrEmpty(p.Value)).ToList();
        return given.Count switch
        {
            0 => null,
            1 => Target(given[0].Kind, given[0].Value!),
            _ => throw new ArgumentException($"give at most one of {string.Join(", ", Parameters.Select(p => spell?.Invoke(p.Parameter) ?? p.Parameter))}"),
        };
    }

    /// <summary>A parameter's value as a relation: an event id (<c>$…</c>) as it is, anything else a correlation id.</summary>
    public static RelationTarget Target(RelationKind kind, string value) =>
        value.StartsWith('$') ? RelationTarget.ToEvent(kind, value) : RelationTarget.ToKey(kind, Correlation(value));
}

/// <summary>The content of a related event, per the specification's relations: the relation goes in
/// <c>m.relates_to</c> (which an encrypted event keeps in the clear); an edit carries the new content in
/// <c>m.new_content</c> and a <c>* </c> fallback.</summary>
public static class Relations
{
    /// <summary>The <c>m.relates_to</c> of an event in the thread of <paramref name="eventId"/> (with the reply fallback
    /// for clients without threads), of a reply to it, or of an edit of it.</summary>
    public static JsonObject RelatesTo(RelationKind kind, string eventId) => kind switch
    {
        RelationKind.Thread => new JsonObject
        {
            ["rel_type"] = "m.thread",
            ["event_id"] = eventId,
            ["is_falling_back"] = true,
            ["m.in_reply_to"] = new JsonObject { ["event_id"] = eventId },
        },
        RelationKind.Reply => new JsonObject { ["m.in_reply_to"] = new JsonObject { ["event_id"] = eventId } },
        _ => new JsonObject { ["rel_type"] = "m.replace", ["event_id"] = eventId },
    };

    /// <summary>A copy of <paramref name="content"/> related to <paramref name="eventId"/> as <paramref name="kind"/> says.</summary>
    public static JsonObject Apply(JsonObject content, RelationKind kind, string eventId)
    {
        var related = (JsonObject)content.DeepClone();
        switch (kind)
        {
            case RelationKind.Thread or RelationKind.Reply:
                related["m.relates_to"] = RelatesTo(kind, eventId);
                return related;
            default:
                related.Remove("m.relates_to");
                var edit = new JsonObject();
                foreach (var name in (ReadOnlySpan<string>)["msgtype", "body", "format", "formatted_body"])
                {
                    if (related[name] is JsonValue value)
                    {
                        edit[name] = name is "body" or "formatted_body" ? "* " + value.GetValue<string>() : value.DeepClone();
                    }
                }

                edit["m.new_content"] = related;
                edit["m.relates_to"] = RelatesTo(kind, eventId);
                return edit;
        }
    }

    /// <summary>A copy of <paramref name="content"/> that says it was meant to relate to an event that was never
    /// delivered (<paramref name="why"/>): posted on its own, with a line saying so and
    /// <c>com.solti.relation_lost</c>.</summary>
    public static JsonObject Lost(JsonObject content, RelationTarget target, string why)
    {
        var alone = (JsonObject)content.DeepClone();
        var note = $"(not {Verb(target.Kind)}: {why})";
        if (alone["body"] is JsonValue body)
        {
            alone["body"] = body.GetValue<string>() + "\n" + note;
        }

        if (alone["formatted_body"] is JsonValue html)
        {
            alone["formatted_body"] = html.GetValue<string>() + "<p><em>" + Formatting.HtmlSanitizer.Escape(note) + "</em></p>";
        }

        alone["com.solti.relation_lost"] = new JsonObject { ["rel"] = target.Parameter, ["key"] = target.Key, ["reason"] = why };
        return alone;
    }

    private static string Verb(RelationKind kind) => kind switch
    {
        RelationKind.Thread => "threaded",
        RelationKind.Reply => "a reply",
        _ => "an edit",
    };
}
