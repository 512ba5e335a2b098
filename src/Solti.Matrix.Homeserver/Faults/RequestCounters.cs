using System.Collections.Concurrent;

namespace Solti.Matrix.Homeserver.Faults;

/// <summary>Requests seen per endpoint label (<c>login</c>, <c>rooms.send</c>, …), so tests can assert "exactly one login".</summary>
public sealed class RequestCounters
{
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);

    private long _writes;

    private long _inFlight;

    public void Increment(string name) => _counts.AddOrUpdate(name, 1, (_, n) => n + 1);

    /// <summary>Requests that may change something (any method but GET, HEAD and OPTIONS), control endpoints excluded.</summary>
    public long Writes => Interlocked.Read(ref _writes);

    public void IncrementWrites() => Interlocked.Increment(ref _writes);

    /// <summary>Requests (control endpoints excluded) that have arrived and not yet been answered or dropped, so a test can
    /// wait for an abandoned slow attempt to finish instead of sleeping.</summary>
    public long InFlight => Interlocked.Read(ref _inFlight);

    public void Arrived() => Interlocked.Increment(ref _inFlight);

    public void Finished() => Interlocked.Decrement(ref _inFlight);

    public IReadOnlyDictionary<string, long> Snapshot() =>
        _counts.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => p.Value);

    public void Reset()
    {
        _counts.Clear();
        Interlocked.Exchange(ref _writes, 0);
    }
}
