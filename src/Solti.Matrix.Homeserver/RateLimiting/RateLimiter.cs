using Solti.Matrix.Homeserver.Configuration;

namespace Solti.Matrix.Homeserver.RateLimiting;

/// <summary>Applies Synapse's limiters with its override rules: an admin override of 0/0 exempts a user
/// from every per-user limiter, a non-zero one replaces only the message limiter, and none covers login.</summary>
public sealed class RateLimiter(ServerState state)
{
    private readonly LeakyBucket _messages = new();
    private readonly LeakyBucket _loginAddress = new();
    private readonly LeakyBucket _loginAccount = new();
    private readonly LeakyBucket _loginFailed = new();
    private readonly LeakyBucket _joins = new();
    private readonly LeakyBucket _invitesPerRoom = new();
    private readonly LeakyBucket _invitesPerUser = new();

    private RateLimits Limits => state.Options.RateLimits;

    private double Now => state.Time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;

    /// <summary><c>rc_message</c>: sends, state events, room creation.</summary>
    public void Message(string userId)
    {
        var overridden = state.FindUser(userId)?.RatelimitOverride;
        if (IsExempt(overridden))
        {
            return;
        }

        var setting = overridden is null ? Limits.Message : new RateLimitSetting(overridden.MessagesPerSecond, overridden.BurstCount);
        Throw(_messages.TryAcquire(userId, setting, Now));
    }

    public void Join(string userId)
    {
        if (!IsExempt(state.FindUser(userId)?.RatelimitOverride))
        {
            Throw(_joins.TryAcquire(userId, Limits.JoinsLocal, Now));
        }
    }

    public void Invite(string inviter, string roomId, string invitee)
    {
        if (IsExempt(state.FindUser(inviter)?.RatelimitOverride))
        {
            return;
        }

        Throw(_invitesPerRoom.TryAcquire(roomId, Limits.InvitesPerRoom, Now));
        Throw(_invitesPerUser.TryAcquire(invitee, Limits.InvitesPerUser, Now));
    }

    /// <summary>Every login attempt, before credentials are checked.</summary>
    public void LoginAttempt(string address, string? userId)
    {
        Throw(_loginAddress.TryAcquire(address, Limits.LoginAddress, Now));
        if (userId is not null)
        {
            Throw(_loginFailed.TryAcquire(userId, Limits.LoginFailedAttempts, Now, update: false));
        }
    }

    public void LoginFailed(string userId) => _loginFailed.Record(userId, Limits.LoginFailedAttempts, Now);

    public void LoginSucceeded(string userId) => Throw(_loginAccount.TryAcquire(userId, Limits.LoginAccount, Now));

    private static bool IsExempt(RatelimitOverride? value) => value is { MessagesPerSecond: 0, BurstCount: 0 };

    private static void Throw(long waitMs)
    {
        if (waitMs > 0)
        {
            throw Errors.LimitExceeded(waitMs);
        }
    }
}
