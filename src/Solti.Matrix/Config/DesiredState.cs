using System.Text.Json.Nodes;

namespace Solti.Matrix.Config;

/// <summary>What a homeserver must have: the parsed, validated input of <c>matrix_config</c> and <c>solti-matrix config</c>.
/// Every id is already full (<c>@bot:domain</c>, <c>#ops:domain</c>).</summary>
public sealed record DesiredState(string Domain, IReadOnlyList<DesiredUser> Users, IReadOnlyList<DesiredRoom> Rooms, bool Tokens);

/// <summary>One account. <see cref="Fields"/> holds only the account fields the input sets (displayname, admin,
/// user_type, deactivated, avatar_url), as the admin API spells them; the rest is left as the server has it.</summary>
public sealed record DesiredUser(string Path, string UserId, bool Present, JsonObject Fields, string? Password, bool AlwaysUpdatePassword)
{
    /// <summary><c>{messages_per_second, burst_count}</c>, <c>{}</c> to remove the override, null when not managed.</summary>
    public JsonObject? RatelimitOverride { get; init; }
}

/// <summary>One room, by alias. Only what the input sets is compared and converged.</summary>
public sealed record DesiredRoom(string Path, string Alias, bool Present)
{
    public string? Name { get; init; }

    public string? Topic { get; init; }

    public bool? Encrypted { get; init; }

    /// <summary>The whole <c>m.room.retention</c> content (milliseconds), or null when not managed.</summary>
    public JsonObject? Retention { get; init; }

    /// <summary>Used only when the room is created.</summary>
    public string? Preset { get; init; }

    public string? JoinRule { get; init; }

    public string? HistoryVisibility { get; init; }

    public string? GuestAccess { get; init; }

    /// <summary>Room directory: <c>public</c> or <c>private</c>.</summary>
    public string? Visibility { get; init; }

    /// <summary>Null when the input does not manage membership.</summary>
    public IReadOnlyList<DesiredMember>? Members { get; init; }

    /// <summary>Keys merged into <c>m.room.power_levels</c> (<c>users</c> and <c>events</c> per entry).</summary>
    public JsonObject? PowerLevels { get; init; }

    public IReadOnlyList<DesiredStateEvent> ExtraState { get; init; } = [];

    /// <summary>Joined or invited users not in <see cref="Members"/> are kicked.</summary>
    public bool ExclusiveMembers { get; init; }
}

/// <summary>A member: <c>join</c> force-joins a local user through the admin API, <c>invite</c> invites.</summary>
public sealed record DesiredMember(string Path, string UserId, long? PowerLevel, string Membership);

/// <summary>Any other state event, compared by its whole content.</summary>
public sealed record DesiredStateEvent(string Path, string Type, string StateKey, JsonObject Content);
