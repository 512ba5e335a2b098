namespace Solti.Matrix.Outbox;

/// <summary>Counters of a delivery loop (read by <c>/metrics</c>).</summary>
public sealed class DeliveryMetrics
{
    private long _delivered;
    private long _retries;
    private long _dead;

    public long Delivered => Interlocked.Read(ref _delivered);

    public long Retries => Interlocked.Read(ref _retries);

    public long Dead => Interlocked.Read(ref _dead);

    internal void AddDelivered() => Interlocked.Increment(ref _delivered);

    internal void AddRetry() => Interlocked.Increment(ref _retries);

    internal void AddDead() => Interlocked.Increment(ref _dead);
}

/// <summary>Drains the outbox for one homeserver through one self-healing session. Per room, events go one at a time
/// in the order they were accepted, each with its stored transaction id (so a retry after any crash is de-duplicated
/// by the server); rooms do not wait for each other. An event the server refuses for good (4xx other than 429 and
/// token errors) is marked dead with the server's error and the room moves on; anything else is retried in place.</summary>
public sealed class OutboxDelivery(OutboxStore store, MatrixClient client, string homeserver, int maxRoomsInParallel = 8)
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    private const int MarkBatch = 64;
    private const int PerRoom = 500; // events read per room and pass: enough to keep each room busy, little memory
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (DateTimeOffset Until, TimeSpan Backoff)> _blocked = new(StringComparer.Ordinal);

    public DeliveryMetrics Metrics { get; } = new();

    /// <summary>Tells a waiting loop that there is something new.</summary>
    public void Wake() => _wake.Release();

    /// <summary>One pass over every room that is not backing off: its pending events in order, until one fails in a
    /// way worth retrying (the room then backs off, doubling up to 30 s; other rooms go on). Returns how many were
    /// delivered, whether some room is blocked, and when the earliest blocked room may try again.</summary>
    public async Task<(int Delivered, bool Blocked, DateTimeOffset? RetryAt)> DeliverPendingAsync(CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        var waiting = _blocked.Where(b => b.Value.Until > now).Select(b => b.Key).ToList();
        var rooms = store.Pending(homeserver, PerRoom, waiting)
            .GroupBy(e => e.Room, StringComparer.Ordinal)
            .ToList();
        var delivered = 0;
        await Parallel.ForEachAsync(rooms, new ParallelOptions { MaxDegreeOfParallelism = maxRoomsInParallel, CancellationToken = cancellationToken }, async (room, ct) =>
        {
            // Delivered marks are written in batches, not synced one by one: a mark lost in a crash only means the
            // event is sent again with its stored transaction id, which the server answers with the event it has.
            var marks = new List<(long Id, string EventId)>();
            try
            {
                foreach (var entry in room)
                {
                    var outcome = await DeliverAsync(entry, marks, ct);
                    if (outcome == Outcome.Retry)
                    {
                        var backoff = _blocked.TryGetValue(room.Key, out var b) ? TimeSpan.FromTicks(Math.Min(b.Backoff.Ticks * 2, MaxBackoff.Ticks)) : FirstBackoff;
                        _blocked[room.Key] = (DateTimeOffset.UtcNow + backoff, backoff);
                        return; // keep this room's order: nothing after it goes first
                    }

                    _blocked.TryRemove(room.Key, out _);
                    if (outcome == Outcome.Delivered)
                    {
                        Interlocked.Increment(ref delivered);
                    }

                    if (marks.Count >= MarkBatch)
                    {
                        store.MarkDelivered(marks);
                        marks.Clear();
                    }
                }
            }
            finally
            {
                store.MarkDelivered(marks);
            }
        });
        DateTimeOffset? retryAt = _blocked.IsEmpty ? null : _blocked.Values.Min(b => b.Until);
        return (delivered, !_blocked.IsEmpty, retryAt);
    }

    /// <summary>Delivers until cancelled: drains, then waits for <see cref="Wake"/>, the next blocked room's retry time,
    /// or <paramref name="poll"/> (events another process queued), whichever comes first. A pass that fails for a
    /// reason no event is to blame for (the outbox file, a bug) is reported to <paramref name="onError"/> and tried
    /// again after <paramref name="poll"/>: the loop never dies quietly while the service looks alive.</summary>
    public async Task RunAsync(TimeSpan poll, CancellationToken cancellationToken, Action<Exception>? onError = null)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            (int Delivered, bool Blocked, DateTimeOffset? RetryAt) round;
            try
            {
                round = await DeliverPendingAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                onError?.Invoke(e);
                await Wait(poll, cancellationToken);
                continue;
            }

            if (round.Delivered > 0)
            {
                continue;
            }

            var wait = round.RetryAt is { } at ? at - DateTimeOffset.UtcNow : poll;
            await Wait(wait < TimeSpan.Zero ? TimeSpan.Zero : wait > poll ? poll : wait, cancellationToken);
        }
    }

    private async Task Wait(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            if (await _wake.WaitAsync(delay, cancellationToken))
            {
                while (_wake.Wait(0, CancellationToken.None))
                {
                    // one pass serves every wake-up that came in meanwhile
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private enum Outcome
    {
        Delivered,
        Dead,
        Retry,
    }
    private async Task<Outcome> DeliverAsync(OutboxEntry entry, List<(long Id, string EventId)> marks, CancellationToken cancellationToken)
    {
        try
        {
            var sent = await client.SendEventAsync(entry.Room, entry.EventType, entry.Content, entry.TransactionId, cancellationToken: cancellationToken);
            marks.Add((entry.Id, sent.EventId));
            Metrics.AddDelivered();
            return Outcome.Delivered;
        }
        catch (MatrixException e) when (IsFinal(e))
        {
            store.MarkDead(entry.Id, $"HTTP {e.Status} {e.Errcode}: {e.Error}");
            Metrics.AddDead();
            return Outcome.Dead;
        }
        catch (Exception e) when (FailureClassification.Of(e) is not null && !(e is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            store.MarkRetry(entry.Id, e is MatrixException m ? $"HTTP {m.Status} {m.Errcode}: {m.Error}" : e.Message);
            Metrics.AddRetry();
            return Outcome.Retry;
        }
    }

    /// <summary>Refused for good (<see cref="FailureKind.Final"/>: 403 not in the room, 400 bad content, 404 unknown room,
    /// 413 too large). A session that cannot heal is a token problem and is retried: the server may be coming back.</summary>
    private static bool IsFinal(MatrixException e) => e.Kind == FailureKind.Final;
}
