using Solti.Matrix.Outbox;

namespace Solti.Matrix.Relay;

/// <summary>When the relay refuses new events: at <c>--max-queue</c> pending ones (a 503 with <c>Retry-After</c>).</summary>
internal sealed class Backpressure(OutboxStore store, long maxQueue)
{
    private long _queuedCounted;
    private long _queuedSinceCount;
    private long _countedAt = long.MinValue;

    /// <summary>True when the pending events (<paramref name="pending"/>, the estimate) reach the limit.</summary>
    public bool IsFull(out long pending)
    {
        pending = QueuedEstimate();
        return pending >= maxQueue;
    }

    /// <summary>An event this process accepted: counted until the next look at the outbox.</summary>
    public void Accepted() => Interlocked.Increment(ref _queuedSinceCount);

    /// <summary>Pending events: counted in the outbox at most every 100 ms (counting is proportional to the backlog),
    /// plus what was accepted since; other processes' spooled events show at the next count.</summary>
    private long QueuedEstimate()
    {
        var now = Environment.TickCount64;
        if (now - Interlocked.Read(ref _countedAt) > 100)
        {
            Interlocked.Exchange(ref _queuedSinceCount, 0);
            Interlocked.Exchange(ref _queuedCounted, store.PendingCount());
            Interlocked.Exchange(ref _countedAt, now);
        }

        return Interlocked.Read(ref _queuedCounted) + Interlocked.Read(ref _queuedSinceCount);
    }
}
