using Solti.Matrix.Homeserver.Configuration;

namespace Solti.Matrix.Homeserver.RateLimiting;

/// <summary>Synapse's ratelimiter: per key, a count of actions that drains at <c>per_second</c>;
/// an action is allowed while the count stays within <c>burst_count</c>.</summary>
public sealed class LeakyBucket
{
    private readonly Dictionary<string, (double Count, double AtSeconds)> _buckets = [];

    /// <summary>Returns 0 when the action is allowed (and counts it), else the wait in ms.</summary>
    public long TryAcquire(string key, RateLimitSetting setting, double nowSeconds, bool update = true)
    {
        if (setting.IsUnlimited)
        {
            return 0;
        }

        var (count, at) = _buckets.GetValueOrDefault(key, (0, nowSeconds));
        count = Math.Max(0, count - ((nowSeconds - at) * setting.PerSecond));
        if (count + 1 > setting.BurstCount)
        {
            var waitSeconds = (count + 1 - setting.BurstCount) / setting.PerSecond;
            _buckets[key] = (count, nowSeconds);
            return Math.Max(1, (long)Math.Ceiling(waitSeconds * 1000));
        }

        if (update)
        {
            _buckets[key] = (count + 1, nowSeconds);
        }

        return 0;
    }

    /// <summary>Counts an action without checking (e.g. a failed login after it happened).</summary>
    public void Record(string key, RateLimitSetting setting, double nowSeconds)
    {
        if (setting.IsUnlimited)
        {
            return;
        }

        var (count, at) = _buckets.GetValueOrDefault(key, (0, nowSeconds));
        count = Math.Max(0, count - ((nowSeconds - at) * setting.PerSecond));
        _buckets[key] = (count + 1, nowSeconds);
    }

    public void Clear() => _buckets.Clear();
}
