namespace Solti.Matrix.Homeserver.Configuration;

/// <summary>Synapse's rate limiters with Synapse's defaults.</summary>
public sealed record RateLimits
{
    /// <summary><c>rc_message</c>: sends, state events and room creation, per user.</summary>
    public RateLimitSetting Message { get; init; } = new(0.2, 10);

    /// <summary><c>rc_login.address</c>: login attempts per client address.</summary>
    public RateLimitSetting LoginAddress { get; init; } = new(0.17, 3);

    /// <summary><c>rc_login.account</c>: successful logins per account.</summary>
    public RateLimitSetting LoginAccount { get; init; } = new(0.17, 3);

    /// <summary><c>rc_login.failed_attempts</c>: failed logins per account.</summary>
    public RateLimitSetting LoginFailedAttempts { get; init; } = new(0.17, 3);

    /// <summary><c>rc_joins.local</c>: joins to rooms of this server, per user.</summary>
    public RateLimitSetting JoinsLocal { get; init; } = new(0.1, 10);

    /// <summary><c>rc_invites.per_room</c>: invites sent into one room.</summary>
    public RateLimitSetting InvitesPerRoom { get; init; } = new(0.3, 10);

    /// <summary><c>rc_invites.per_user</c>: invites received by one user.</summary>
    public RateLimitSetting InvitesPerUser { get; init; } = new(0.003, 5);

    /// <summary>Every limiter off: for tests that are not about rate limits.</summary>
    public static RateLimits None { get; } = new()
    {
        Message = RateLimitSetting.Unlimited,
        LoginAddress = RateLimitSetting.Unlimited,
        LoginAccount = RateLimitSetting.Unlimited,
        LoginFailedAttempts = RateLimitSetting.Unlimited,
        JoinsLocal = RateLimitSetting.Unlimited,
        InvitesPerRoom = RateLimitSetting.Unlimited,
        InvitesPerUser = RateLimitSetting.Unlimited,
    };
}
