namespace Solti.Matrix.Config;

/// <summary>What a <see cref="PlanAction"/> does. Typed, so that planners and callers compare kinds rather than strings;
/// <see cref="Name"/> is the <c>action</c> the reports show (<c>create_user</c>, <c>set_state</c>, ...).</summary>
public sealed class PlanActionKind
{
    public static readonly PlanActionKind CreateUser = new("create_user");
    public static readonly PlanActionKind UpdateUser = new("update_user");
    public static readonly PlanActionKind SetRatelimitOverride = new("set_ratelimit_override");
    public static readonly PlanActionKind RemoveRatelimitOverride = new("remove_ratelimit_override");
    public static readonly PlanActionKind DeactivateUser = new("deactivate_user");
    public static readonly PlanActionKind CreateRoom = new("create_room");
    public static readonly PlanActionKind SetState = new("set_state");
    public static readonly PlanActionKind SetVisibility = new("set_visibility");
    public static readonly PlanActionKind JoinMember = new("join_member");
    public static readonly PlanActionKind InviteMember = new("invite_member");
    public static readonly PlanActionKind KickMember = new("kick_member");
    public static readonly PlanActionKind DeleteRoom = new("delete_room");

    private PlanActionKind(string name) => Name = name;

    /// <summary>The name in reports and progress lines.</summary>
    public string Name { get; }

    public override string ToString() => Name;
}
