namespace Solti.Matrix.Alerts;

/// <summary>Remembers which (alert key, state) pairs were already accepted, so that Alertmanager's repeat
/// notifications (<c>repeat_interval</c>) and its retries of a call that failed yield no new event.
/// <see cref="AlertEvents.Map"/> asks <see cref="Contains"/>; the caller calls <see cref="Record"/> only once the
/// events it got are committed (the relay: after the outbox's commit), so a crash in between loses nothing — the
/// sender's retry maps them again. Callers handle one notification at a time per ledger.</summary>
public interface IAlertLedger
{
    /// <summary>True when <paramref name="key"/> in <paramref name="status"/> was already accepted.</summary>
    bool Contains(AlertKey key, AlertStatus status);

    /// <summary>Remembers every key of <paramref name="accepted"/> in its event's state.</summary>
    void Record(IEnumerable<AlertEvent> accepted);
}

/// <summary>A ledger in memory (tests); thread-safe. It grows with every alert occurrence and forgets everything at a
/// restart: the relay's is <see cref="SqliteAlertLedger"/>, durable and forgetting old keys.</summary>
public sealed class MemoryAlertLedger : IAlertLedger
{
    private readonly HashSet<(AlertKey, AlertStatus)> _accepted = [];
    private readonly Lock _lock = new();

    /// <summary>How many (key, state) pairs are remembered.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _accepted.Count;
            }
        }
    }

    /// <inheritdoc/>
    public bool Contains(AlertKey key, AlertStatus status)
    {
        lock (_lock)
        {
            return _accepted.Contains((key, status));
        }
    }

    /// <inheritdoc/>
    public void Record(IEnumerable<AlertEvent> accepted)
    {
        lock (_lock)
        {
            foreach (var item in accepted)
            {
                _accepted.UnionWith(item.Keys.Select(key => (key, item.Status)));
            }
        }
    }
}
