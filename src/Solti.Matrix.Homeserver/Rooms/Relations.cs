using Solti.Matrix.Homeserver.Configuration;

namespace Solti.Matrix.Homeserver.Rooms;

/// <summary>Events that relate to another through <c>content["m.relates_to"]</c> with a <c>rel_type</c>, and the
/// aggregations Synapse bundles into the parent's <c>unsigned.m.relations</c> (<c>synapse/handlers/relations.py</c>).
/// Replies (<c>m.in_reply_to</c> without <c>rel_type</c>) are no relation, as in Synapse's relations table.</summary>
public static class Relations
{
    /// <summary>(parent event id, rel_type) of an event, or null.</summary>
    public static (string Parent, string RelType)? Of(EventRecord e) =>
        e.Content["m.relates_to"] is JsonObject relates
        && relates["event_id"] is JsonValue parent && parent.TryGetValue<string>(out var parentId)
        && relates["rel_type"] is JsonValue rel && rel.TryGetValue<string>(out var relType)
            ? (parentId, relType)
            : null;

    /// <summary>The room's events relating to <paramref name="parentId"/>, oldest first.</summary>
    public static IEnumerable<EventRecord> Children(ServerState state, RoomRecord room, string parentId, string? relType = null) =>
        room.Timeline.Select(id => state.Data.Events[id])
            .Where(e => Of(e) is { } r && r.Parent == parentId && (relType is null || r.RelType == relType));

    /// <summary>Adds <c>unsigned.m.relations</c> to a rendered event: <c>m.thread</c> (latest event, count, whether the
    /// viewer took part) and <c>m.replace</c> (the latest edit by the sender; per
    /// <see cref="Compatibility.LegacyRelations"/>).</summary>
    public static JsonObject Bundle(ServerContext server, EventRecord e, JsonObject rendered, string viewerUserId, string? viewerScope)
    {
        var room = server.State.Data.Rooms[e.RoomId];
        var aggregations = new JsonObject();
        if (Thread(server, room, e, viewerUserId, viewerScope) is { } thread)
        {
            aggregations["m.thread"] = thread;
        }

        if (LatestEdit(server.State, room, e) is { } edit)
        {
            aggregations["m.replace"] = Replace(server, edit, rendered, viewerScope);
        }

        if (aggregations.Count > 0)
        {
            rendered["unsigned"]!.AsObject()["m.relations"] = aggregations;
        }

        return rendered;
    }

    private static JsonObject? Thread(ServerContext server, RoomRecord room, EventRecord root, string viewerUserId, string? viewerScope)
    {
        var replies = Children(server.State, room, root.EventId, "m.thread").ToList();
        if (replies.Count == 0)
        {
            return null;
        }

        return new JsonObject
        {
            ["latest_event"] = server.Events.Render(replies[^1], viewerScope),
            ["count"] = replies.Count,
            ["current_user_participated"] = root.Sender == viewerUserId || replies.Any(r => r.Sender == viewerUserId),
        };
    }

    /// <summary>As Synapse: only an edit by the original sender, of the same type, that is not itself an edit; the
    /// latest by <c>origin_server_ts</c>, then event id.</summary>
    private static EventRecord? LatestEdit(ServerState state, RoomRecord room, EventRecord original) =>
        Of(original)?.RelType == "m.replace"
            ? null
            : Children(state, room, original.EventId, "m.replace")
                .Where(edit => edit.Sender == original.Sender && edit.Type == original.Type && edit.Content["m.new_content"] is JsonObject)
                .OrderBy(edit => edit.OriginServerTs).ThenBy(edit => edit.EventId, StringComparer.Ordinal)
                .LastOrDefault();

    private static JsonObject Replace(ServerContext server, EventRecord edit, JsonObject rendered, string? viewerScope)
    {
        if (!server.State.Options.Compatibility.LegacyRelations)
        {
            return server.Events.Render(edit, viewerScope);
        }

        var content = edit.Content["m.new_content"]!.DeepClone().AsObject(); // 1.67 applies the edit to the content
        content.Remove("m.relates_to");
        if (rendered["content"]?["m.relates_to"] is { } relatesTo)
        {
            content["m.relates_to"] = relatesTo.DeepClone();
        }

        rendered["content"] = content;
        return new JsonObject { ["event_id"] = edit.EventId, ["origin_server_ts"] = edit.OriginServerTs, ["sender"] = edit.Sender };
    }
}
