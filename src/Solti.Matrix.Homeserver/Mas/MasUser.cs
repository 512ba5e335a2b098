namespace Solti.Matrix.Homeserver.Mas;

/// <summary>An MAS user: its localpart, state and password (a salted hash). Times are ms since the epoch.</summary>
public sealed class MasUser
{
    public required string Id { get; set; }
    public required string Username { get; set; }
    public long CreatedAtMs { get; set; }
    public long? LockedAtMs { get; set; }
    public long? DeactivatedAtMs { get; set; }

    /// <summary>MAS's <c>admin</c> (formerly <c>can_request_admin</c>): may ask for <c>urn:synapse:admin:*</c>.</summary>
    public bool Admin { get; set; }

    public bool LegacyGuest { get; set; }
    public string? PasswordHash { get; set; }

    /// <summary>Neither locked nor deactivated (MAS's <c>is_valid</c>).</summary>
    public bool IsValid => LockedAtMs is null && DeactivatedAtMs is null;

    public string MatrixId(string serverName) => $"@{Username}:{serverName}";
}
