namespace Solti.Matrix.Homeserver.Configuration;

/// <summary>Synapse's <c>server_notices</c> section: the system user notices come from (its local part is what enables
/// them; without it Synapse's <c>send_server_notice</c> answers "Server notices are not enabled on this server"), its
/// display name, and the name, topic and auto-join of each user's notices room.</summary>
public sealed record ServerNoticesSettings(string SystemMxidLocalpart)
{
    public string? SystemMxidDisplayName { get; init; }

    public string? SystemMxidAvatarUrl { get; init; }

    /// <summary>Synapse's default: "Server Notices".</summary>
    public string RoomName { get; init; } = "Server Notices";

    public string? RoomTopic { get; init; }

    /// <summary>Join the user to the room instead of inviting only (Synapse 1.98 and later).</summary>
    public bool AutoJoin { get; init; }
}
