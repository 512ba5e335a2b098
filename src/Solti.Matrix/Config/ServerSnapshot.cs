namespace Solti.Matrix.Config;

/// <summary>What the read phase saw: the acting admin, each listed account (null: unknown), the rate-limit overrides that
/// the input manages, and each listed room by <see cref="DesiredRoom.Key"/> (null: the alias does not resolve).</summary>
public sealed class ServerSnapshot(string adminUserId)
{
    public string AdminUserId { get; } = adminUserId;

    public Dictionary<string, JsonObject?> Users { get; } = new(StringComparer.Ordinal);

    /// <summary>The current override per user (<c>{}</c> when none).</summary>
    public Dictionary<string, JsonObject> Ratelimits { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, RoomSnapshot?> Rooms { get; } = new(StringComparer.Ordinal);
}

/// <summary>One existing room: its id, current state by (type, state key), and directory visibility when it was read.</summary>
public sealed class RoomSnapshot(string roomId, Dictionary<(string Type, string StateKey), JsonObject> state)
{
    public string RoomId { get; } = roomId;

    public IReadOnlyDictionary<(string Type, string StateKey), JsonObject> State { get; } = state;

    public string? Visibility { get; set; }

    public JsonObject? Content(string type, string stateKey = "") => State.GetValueOrDefault((type, stateKey));

    /// <summary>Membership of a user (<c>join</c>, <c>invite</c>, <c>leave</c>, <c>ban</c>, <c>knock</c>) or null.</summary>
    public string? Membership(string userId) => Content("m.room.member", userId)?["membership"]?.GetValue<string>();

    /// <summary>Users whose membership is join or invite.</summary>
    public IEnumerable<(string UserId, string Membership)> Members() =>
        State.Where(s => s.Key.Type == "m.room.member")
            .Select(s => (s.Key.StateKey, s.Value["membership"]?.GetValue<string>() ?? ""))
            .Where(m => m.Item2 is "join" or "invite")
            .OrderBy(m => m.StateKey, StringComparer.Ordinal);
}
