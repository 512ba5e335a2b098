using System.Collections.Concurrent;

namespace Solti.Matrix.Homeserver.Faults;

/// <summary>Requests seen per endpoint label (<c>login</c>, <c>rooms.send</c>, …), so tests can assert "exactly one login".</summary>
public sealed class RequestCounters
{
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);

    private long _writes;

    public void Increment(string name) => _counts.AddOrUpdate(name, 1, (_, n) => n + 1);

    /// <summary>Requests that may change something (any method but GET, HEAD and OPTIONS), control endpoints excluded.</summary>
    public long Writes => Interlocked.Read(ref _writes);

    public void IncrementWrites() => Interlocked.Increment(ref _writes);

    public IReadOnlyDictionary<string, long> Snapshot() =>
        _counts.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => p.Value);

    public void Reset()
    {
        _counts.Clear();
        Interlocked.Exchange(ref _writes, 0);
    }
}
