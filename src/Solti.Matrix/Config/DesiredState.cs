namespace Solti.Matrix.Config;

/// <summary>What a homeserver must have: the parsed, validated input of <c>matrix_config</c> and <c>solti-matrix config</c>,
/// or the one account or room of <c>synapse_user</c> and <c>synapse_room</c>. Every id is already full
/// (<c>@bot:domain</c>, <c>#ops:domain</c>).</summary>
public sealed record DesiredState(string Domain, IReadOnlyList<DesiredUser> Users, IReadOnlyList<DesiredRoom> Rooms, bool Tokens);

/// <summary>One account. <see cref="Fields"/> holds only the account fields the input sets (displayname, admin,
/// user_type, deactivated, avatar_url), as the admin API spells them; the rest is left as the server has it. The
/// password is sent on create, and on an existing account only with <paramref name="AlwaysUpdatePassword"/>.</summary>
public sealed record DesiredUser(string Path, string UserId, bool Present, JsonObject Fields, string? Password, bool AlwaysUpdatePassword)
{
    /// <summary><c>{messages_per_second, burst_count}</c>, <c>{}</c> to remove the override, null when not managed
    /// (see <see cref="RatelimitOverrides"/>).</summary>
    public JsonObject? RatelimitOverride { get; init; }

    /// <summary>With a password update on an existing account, Synapse also logs out every device of the user.</summary>
    public bool LogoutDevices { get; init; }

    /// <summary>With <c>state: absent</c>, the deactivation also erases the account's profile and messages (GDPR erase).</summary>
    public bool Erase { get; init; }

    /// <summary>Whether the account is shadow-banned (Synapse's <c>shadow_banned</c>, set through its own endpoint), null
    /// when not managed.</summary>
    public bool? ShadowBanned { get; init; }
}

/// <summary>One room, by alias (or by <see cref="RoomId"/> when the caller knows it). Only what the input sets is compared
/// and converged; the settings kept in state events are listed in <see cref="ManagedRoomState"/>.</summary>
public sealed record DesiredRoom(string Path, string Alias, bool Present)
{
    /// <summary>The room's id when it is known to exist (then the alias is not resolved, and may be empty).</summary>
    public string? RoomId { get; init; }

    /// <summary>What identifies the room in the snapshot: the alias, else the room id.</summary>
    public string Key => Alias.Length > 0 ? Alias : RoomId ?? "";

    /// <summary>The room's name (<c>m.room.name</c>), or null when not managed.</summary>
    public string? Name { get; init; }

    /// <summary>The room's topic (<c>m.room.topic</c>), or null when not managed.</summary>
    public string? Topic { get; init; }

    /// <summary>Whether the room is encrypted (<c>m.room.encryption</c>; encryption cannot be turned off), or null when
    /// not managed.</summary>
    public bool? Encrypted { get; init; }

    /// <summary>The whole <c>m.room.retention</c> content (milliseconds), or null when not managed.</summary>
    public JsonObject? Retention { get; init; }

    /// <summary>Used only when the room is created.</summary>
    public string? Preset { get; init; }

    /// <summary>The version a new room is created with (else the server's default); an existing room of another version
    /// is an error (upgrades are not done).</summary>
    public string? RoomVersion { get; init; }

    /// <summary>Users who are creators too (<c>creation_content.additional_creators</c>, room version 12): set when the
    /// room is created; an existing room must already have them.</summary>
    public IReadOnlyList<string> AdditionalCreators { get; init; } = [];

    /// <summary>The join rule (<c>public</c>, <c>invite</c>, …), or null when not managed.</summary>
    public string? JoinRule { get; init; }

    /// <summary>Who may read the history (<c>shared</c>, <c>invited</c>, <c>joined</c>, <c>world_readable</c>), or null
    /// when not managed.</summary>
    public string? HistoryVisibility { get; init; }

    /// <summary>Whether guests may join (<c>can_join</c> or <c>forbidden</c>), or null when not managed.</summary>
    public string? GuestAccess { get; init; }

    /// <summary>Room directory: <c>public</c> or <c>private</c>.</summary>
    public string? Visibility { get; init; }

    /// <summary>Null when the input does not manage membership.</summary>
    public IReadOnlyList<DesiredMember>? Members { get; init; }

    /// <summary>Keys merged into <c>m.room.power_levels</c> (<c>users</c> and <c>events</c> per entry), see
    /// <see cref="Config.PowerLevels.Merge"/>.</summary>
    public JsonObject? PowerLevels { get; init; }

    /// <summary>Power levels used only when the room is created, under <see cref="PowerLevels"/> (<c>synapse_room</c>'s
    /// <c>power_level_content_override</c>).</summary>
    public JsonObject? CreationPowerLevels { get; init; }

    /// <summary>Users invited by the <c>createRoom</c> request itself; used only when the room is created.</summary>
    public IReadOnlyList<string> CreationInvites { get; init; } = [];

    /// <summary>The options of the deletion for <c>state: absent</c> (Synapse's v2 delete API).</summary>
    public JsonObject DeleteOptions { get; init; } = new() { ["purge"] = true };

    /// <summary>Further state events the room must have, each compared and set whole.</summary>
    public IReadOnlyList<DesiredStateEvent> ExtraState { get; init; } = [];

    /// <summary>Joined or invited users not in <see cref="Members"/> are kicked.</summary>
    public bool ExclusiveMembers { get; init; }
}

/// <summary>A member: <c>join</c> force-joins a local user through the admin API, <c>invite</c> invites.</summary>
public sealed record DesiredMember(string Path, string UserId, long? PowerLevel, string Membership);

/// <summary>Any other state event, compared by its whole content.</summary>
public sealed record DesiredStateEvent(string Path, string Type, string StateKey, JsonObject Content);
