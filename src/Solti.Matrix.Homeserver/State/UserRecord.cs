namespace Solti.Matrix.Homeserver.State;

public sealed class UserRecord
{
    public required string UserId { get; set; }
    public string? PasswordHash { get; set; }
    public string? DisplayName { get; set; }
    public string? AvatarUrl { get; set; }
    public bool Admin { get; set; }
    public bool Deactivated { get; set; }
    public bool Erased { get; set; }
    public bool Locked { get; set; }
    public bool ShadowBanned { get; set; }
    public string? UserType { get; set; }
    public long CreationTsMs { get; set; }
    public JsonArray ThreePids { get; set; } = [];
    public JsonArray ExternalIds { get; set; } = [];
    public RatelimitOverride? RatelimitOverride { get; set; }

    /// <summary>When the account expires (ms since the epoch), set by the account validity admin API while
    /// <c>account_validity</c> is enabled; null: never.</summary>
    public long? ExpirationTsMs { get; set; }
}
