namespace Solti.Matrix.Homeserver.Mas;

/// <summary>A user registration token of MAS.</summary>
public sealed class MasRegistrationToken
{
    public required string Id { get; set; }
    public required string Token { get; set; }
    public int? UsageLimit { get; set; }
    public int TimesUsed { get; set; }
    public long CreatedAtMs { get; set; }
    public long? LastUsedAtMs { get; set; }
    public long? ExpiresAtMs { get; set; }
    public long? RevokedAtMs { get; set; }

    public bool IsExpired(long nowMs) => ExpiresAtMs is { } at && at <= nowMs;

    public bool IsValid(long nowMs) => RevokedAtMs is null && !IsExpired(nowMs) && (UsageLimit is not { } limit || TimesUsed < limit);
}
