namespace Solti.Matrix.Testing;

/// <summary>A clock that stands still until the test moves it: rate limits and token expiry are then tested by
/// moving it, not by sleeping: they depend on what the test says, not on how fast the machine answers.</summary>
public sealed class ManualTime : TimeProvider
{
    private DateTimeOffset _now = DateTimeOffset.UtcNow;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
