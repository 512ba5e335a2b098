namespace Solti.Matrix.Config;

/// <summary>What a <see cref="PlanAction"/> does. Typed, so that planners and callers compare kinds rather than strings;
/// <see cref="Name"/> is the <c>action</c> the reports show (<c>create_user</c>, <c>set_state</c>, ...).</summary>
public sealed class PlanActionKind
{
    /// <summary>Creates an account.</summary>
    public static readonly PlanActionKind CreateUser = new("create_user");

    /// <summary>Changes fields of an existing account.</summary>
    public static readonly PlanActionKind UpdateUser = new("update_user");

    /// <summary>Sets a user's rate-limit override.</summary>
    public static readonly PlanActionKind SetRatelimitOverride = new("set_ratelimit_override");

    /// <summary>Removes a user's rate-limit override.</summary>
    public static readonly PlanActionKind RemoveRatelimitOverride = new("remove_ratelimit_override");

    /// <summary>Shadow-bans an account or lifts its shadow-ban.</summary>
    public static readonly PlanActionKind SetShadowBan = new("set_shadow_ban");

    /// <summary>Deactivates an account.</summary>
    public static readonly PlanActionKind DeactivateUser = new("deactivate_user");

    /// <summary>Creates a room.</summary>
    public static readonly PlanActionKind CreateRoom = new("create_room");

    /// <summary>Sets one state event of a room.</summary>
    public static readonly PlanActionKind SetState = new("set_state");

    /// <summary>Publishes a room in the room directory or removes it from there.</summary>
    public static readonly PlanActionKind SetVisibility = new("set_visibility");

    /// <summary>Joins a user to a room through the admin API.</summary>
    public static readonly PlanActionKind JoinMember = new("join_member");

    /// <summary>Invites a user to a room.</summary>
    public static readonly PlanActionKind InviteMember = new("invite_member");

    /// <summary>Kicks a member out of a room.</summary>
    public static readonly PlanActionKind KickMember = new("kick_member");

    /// <summary>Deletes a room.</summary>
    public static readonly PlanActionKind DeleteRoom = new("delete_room");

    private PlanActionKind(string name) => Name = name;

    /// <summary>The name in reports and progress lines.</summary>
    public string Name { get; }

    /// <summary>The name as reports spell it (<c>create_user</c>).</summary>
    public override string ToString() => Name;
}
