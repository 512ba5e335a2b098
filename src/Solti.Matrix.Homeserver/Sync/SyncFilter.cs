using System.Text.Json;

namespace Solti.Matrix.Homeserver.Sync;

/// <summary>One event filter of a sync filter: <c>types</c>, <c>not_types</c>, <c>senders</c>, <c>not_senders</c> (a
/// trailing <c>*</c> matches a prefix, as Synapse matches), <c>limit</c> and, for room state, <c>lazy_load_members</c>.</summary>
public sealed record EventFilter(
    IReadOnlyList<string>? Types,
    IReadOnlyList<string> NotTypes,
    IReadOnlyList<string>? Senders,
    IReadOnlyList<string> NotSenders,
    int Limit,
    bool LazyLoadMembers)
{
    public static EventFilter Parse(JsonNode? node, int defaultLimit = 10)
    {
        if (node is not JsonObject filter)
        {
            return new EventFilter(null, [], null, [], defaultLimit, false);
        }

        var limit = Json.TryGetInteger(filter["limit"], out var n) ? (int)Math.Clamp(n, 1, SyncFilter.MaxTimelineLimit) : defaultLimit;
        return new EventFilter(Strings(filter, "types"), Strings(filter, "not_types") ?? [], Strings(filter, "senders"), Strings(filter, "not_senders") ?? [], limit,
            filter["lazy_load_members"] is JsonValue v && v.GetValueKind() == JsonValueKind.True);
    }

    public bool Accepts(string type, string? sender) =>
        (Types is null || Types.Any(t => Matches(type, t))) && !NotTypes.Any(t => Matches(type, t))
        && (sender is null || ((Senders is null || Senders.Contains(sender)) && !NotSenders.Contains(sender)));

    private static bool Matches(string value, string pattern) =>
        pattern.EndsWith('*') ? value.StartsWith(pattern[..^1], StringComparison.Ordinal) : value == pattern;

    public static List<string>? Strings(JsonObject filter, string key) => filter[key] switch
    {
        null => null,
        JsonArray array when array.All(i => i is JsonValue v && v.GetValueKind() == JsonValueKind.String) => [.. array.Select(i => i!.GetValue<string>())],
        _ => throw Errors.BadJson($"'{key}' must be a list of strings"),
    };
}

/// <summary>A sync filter (<c>POST /user/{userId}/filter</c>, or inline in <c>/sync?filter=</c>): what <c>/sync</c> honours of
/// it: the rooms, <c>include_leave</c>, the timeline (limit, types, senders), state (incl. <c>lazy_load_members</c>), and
/// the account-data filters.</summary>
public sealed record SyncFilter(
    IReadOnlyList<string>? Rooms,
    IReadOnlyList<string> NotRooms,
    bool IncludeLeave,
    EventFilter Timeline,
    EventFilter State,
    EventFilter RoomAccountData,
    EventFilter AccountData)
{
    /// <summary>Synapse's <c>filter_timeline_limit</c> default.</summary>
    public const int MaxTimelineLimit = 100;

    public static SyncFilter Default { get; } = Parse([]);

    public static SyncFilter Parse(JsonObject filter)
    {
        var room = filter["room"] as JsonObject ?? [];
        return new SyncFilter(
            EventFilter.Strings(room, "rooms"),
            EventFilter.Strings(room, "not_rooms") ?? [],
            room["include_leave"] is JsonValue v && v.GetValueKind() == JsonValueKind.True,
            EventFilter.Parse(room["timeline"]),
            EventFilter.Parse(room["state"]),
            EventFilter.Parse(room["account_data"]),
            EventFilter.Parse(filter["account_data"]));
    }

    public bool AcceptsRoom(string roomId) => (Rooms is null || Rooms.Contains(roomId)) && !NotRooms.Contains(roomId);
}
