namespace Solti.Matrix.Config;

/// <summary>What the read phase saw: the acting admin, each listed account (null: unknown), the rate-limit overrides that
/// the input manages, and each listed room by <see cref="DesiredRoom.Key"/> (null: the alias does not resolve).</summary>
public sealed class ServerSnapshot(string adminUserId)
{
    /// <summary>The user the admin session is (whoami).</summary>
    public string AdminUserId { get; } = adminUserId;

    /// <summary>Each user of the input as the account authority has it, or null when the account does not exist.</summary>
    public Dictionary<string, Accounts.Account?> Users { get; } = new(StringComparer.Ordinal);

    /// <summary>The current override per user (<c>{}</c> when none).</summary>
    public Dictionary<string, JsonObject> Ratelimits { get; } = new(StringComparer.Ordinal);

    /// <summary>Each room of the input by its key (alias or id), or null when it does not exist.</summary>
    public Dictionary<string, RoomSnapshot?> Rooms { get; } = new(StringComparer.Ordinal);

    /// <summary>The version a room created without <c>room_version</c> gets (the server's <c>/capabilities</c>), read only
    /// when a room to create sets power levels or creators; null when not read.</summary>
    public string? DefaultRoomVersion { get; set; }
}

/// <summary>One existing room: its id, current state by (type, state key), and directory visibility when it was read.</summary>
public sealed class RoomSnapshot(string roomId, Dictionary<(string Type, string StateKey), JsonObject> state)
{
    /// <summary>The room's id.</summary>
    public string RoomId { get; } = roomId;

    /// <summary>The content of every current state event by type and state key.</summary>
    public IReadOnlyDictionary<(string Type, string StateKey), JsonObject> State { get; } = state;

    /// <summary>Who sent the room's create event (its creator), or null when not read.</summary>
    public string? CreateSender { get; init; }

    /// <summary>The room's version (<c>m.room.create</c>'s <c>room_version</c>; "1" when absent).</summary>
    public string Version => Content("m.room.create")?["room_version"] is JsonValue v && v.TryGetValue<string>(out var version) ? version : "1";

    /// <summary>The users with unlimited power when the room's version privileges its creators (see
    /// <see cref="RoomVersions"/>); else none.</summary>
    public IReadOnlyList<string> Creators => RoomVersions.Creators(CreateSender, Content("m.room.create"));

    /// <summary>The room's directory visibility (<c>public</c> or <c>private</c>), or null when it was not
    /// read.</summary>
    public string? Visibility { get; set; }

    /// <summary>The content of the state event of <paramref name="type"/> and <paramref name="stateKey"/>, or null when
    /// the room has none.</summary>
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
