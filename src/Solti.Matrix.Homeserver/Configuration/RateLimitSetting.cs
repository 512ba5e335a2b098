namespace Solti.Matrix.Homeserver.Configuration;

/// <summary>One Synapse <c>rc_*</c> limiter: a leaky bucket of <paramref name="BurstCount"/> actions
/// draining at <paramref name="PerSecond"/>.</summary>
public sealed record RateLimitSetting(double PerSecond, double BurstCount)
{
    public static RateLimitSetting Unlimited { get; } = new(0, 0);

    public bool IsUnlimited => PerSecond <= 0 || BurstCount <= 0;
}
