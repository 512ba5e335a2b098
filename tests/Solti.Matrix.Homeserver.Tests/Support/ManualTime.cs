namespace Solti.Matrix.Homeserver.Tests.Support;

/// <summary>A clock that stands still until the test moves it: rate-limit tests then depend on what they say, not on
/// how fast the machine answers.</summary>
public sealed class ManualTime : TimeProvider
{
    private DateTimeOffset _now = DateTimeOffset.UtcNow;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
