using System.Text;

namespace Solti.Matrix.Homeserver.Rooms;

/// <summary>Appends events to rooms and renders them as the client API returns them.</summary>
public sealed class RoomEvents(ServerState state)
{
    /// <summary>Synapse rejects events whose JSON exceeds 65,536 bytes.</summary>
    public const int MaxEventBytes = 65536;

    /// <summary>Appends an event; <paramref name="eventId"/> and <paramref name="originServerTs"/> are given only for a
    /// version 12 room's create event, whose id is its reference hash.</summary>
    public EventRecord Append(RoomRecord room, string type, string sender, JsonObject content, string? stateKey, string? eventId = null, long? originServerTs = null)
    {
        var record = new EventRecord
        {
            EventId = eventId ?? Identifiers.EventId(),
            RoomId = room.RoomId,
            Type = type,
            Sender = sender,
            StateKey = stateKey,
            Content = content,
            OriginServerTs = originServerTs ?? state.NowMs,
        };
        if (Encoding.UTF8.GetByteCount(Render(record, viewerScope: null).ToJsonString()) > MaxEventBytes)
        {
            throw Errors.TooLarge();
        }

        record.StreamOrdering = state.NextPosition();
        state.Data.Events[record.EventId] = record;
        room.Timeline.Add(record.EventId);
        if (stateKey is not null)
        {
            room.CurrentState[ServerState.StateKey(type, stateKey)] = record.EventId;
        }

        return record;
    }

    public EventRecord? StateEvent(RoomRecord room, string type, string stateKey) =>
        room.CurrentState.TryGetValue(ServerState.StateKey(type, stateKey), out var id) ? state.Data.Events[id] : null;

    public IEnumerable<EventRecord> CurrentState(RoomRecord room) =>
        room.CurrentState.Values.Select(id => state.Data.Events[id]).OrderBy(e => e.StreamOrdering);

    /// <summary>The room's state as it was before stream position <paramref name="position"/> (events are a linear
    /// timeline here), or the current state when null: <c>type\u001fstate_key</c> → event.</summary>
    public Dictionary<string, EventRecord> StateAt(RoomRecord room, long? position)
    {
        if (position is null)
        {
            return room.CurrentState.ToDictionary(p => p.Key, p => state.Data.Events[p.Value]);
        }

        var result = new Dictionary<string, EventRecord>(StringComparer.Ordinal);
        foreach (var id in room.Timeline)
        {
            var e = state.Data.Events[id];
            if (e.StreamOrdering >= position)
            {
                break;
            }

            if (e.StateKey is not null)
            {
                result[ServerState.StateKey(e.Type, e.StateKey)] = e;
            }
        }

        return result;
    }

    /// <summary>Every user's membership (join, invite, leave, ban) now or before <paramref name="position"/>.</summary>
    public Dictionary<string, string> MembershipsAt(RoomRecord room, long? position)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        IEnumerable<EventRecord> members = position is null
            ? room.CurrentState.Where(p => p.Key.StartsWith("m.room.member\u001f", StringComparison.Ordinal)).Select(p => state.Data.Events[p.Value])
            : StateAt(room, position).Values.Where(e => e.Type == "m.room.member");
        foreach (var e in members)
        {
            if (e.Content["membership"] is JsonValue v && v.TryGetValue<string>(out var membership))
            {
                result[e.StateKey!] = membership;
            }
        }

        return result;
    }

    /// <summary>The client-API form; <c>unsigned.transaction_id</c> only for the sending device (or token).</summary>
    public JsonObject Render(EventRecord e, string? viewerScope)
    {
        var unsigned = new JsonObject { ["age"] = Math.Max(0, state.NowMs - e.OriginServerTs) };
        if (viewerScope is not null && e.TxnId is not null && e.TxnScope == viewerScope)
        {
            unsigned["transaction_id"] = e.TxnId;
        }

        var json = new JsonObject
        {
            ["type"] = e.Type,
            ["room_id"] = e.RoomId,
            ["sender"] = e.Sender,
            ["content"] = e.Content.DeepClone(),
            ["origin_server_ts"] = e.OriginServerTs,
            ["unsigned"] = unsigned,
            ["event_id"] = e.EventId,
        };
        if (e.StateKey is not null)
        {
            json["state_key"] = e.StateKey;
        }

        if (e.Redacts is not null)
        {
            json["redacts"] = e.Redacts;
        }

        if (e.RedactedBy is { } redaction && state.Data.Events.TryGetValue(redaction, out var because))
        {
            unsigned["redacted_because"] = Render(because, viewerScope: null);
        }

        return json;
    }
}
