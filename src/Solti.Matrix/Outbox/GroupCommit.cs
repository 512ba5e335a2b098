namespace Solti.Matrix.Outbox;

/// <summary>Durable enqueues from many concurrent callers with one disk sync per batch: one writer at a time takes
/// every item waiting, writes them in one transaction, and goes on while more arrive. Each caller's task completes only once its own event is synced, as with
/// <see cref="OutboxStore.Enqueue(IReadOnlyList{OutboxItem})"/> alone. A caller's items stay together and in order,
/// with what it writes beside them in the same transaction (the alert ledger's record).</summary>
public sealed class GroupCommit(OutboxStore store)
{
    private readonly Lock _gate = new();
    private List<(IReadOnlyList<OutboxItem> Items, Action<Microsoft.Data.Sqlite.SqliteTransaction>? Also, TaskCompletionSource<long[]> Done)> _waiting = [];
    private bool _writing;

    /// <summary>Queues one item durably; the task completes with its outbox id once the batch it was written in is
    /// synced to disk.</summary>
    public async Task<long> EnqueueAsync(OutboxItem item) => (await EnqueueAsync([item], null))[0];

    /// <summary>Queues <paramref name="items"/> durably, with <paramref name="also"/> written in the same transaction;
    /// the task completes with their outbox ids once the batch is synced. With <paramref name="inline"/> false the
    /// batch is written on a pool thread even when nobody is writing: the caller returns at once, its place in the
    /// order taken (a caller that maps its items under a lock of its own).</summary>
    internal Task<long[]> EnqueueAsync(IReadOnlyList<OutboxItem> items, Action<Microsoft.Data.Sqlite.SqliteTransaction>? also, bool inline = true)
    {
        var done = new TaskCompletionSource<long[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _waiting.Add((items, also, done));
            if (_writing)
            {
                return done.Task;
            }

            _writing = true;
        }

        // The caller writes its own batch (no thread hop when producers take turns); should more have arrived meanwhile,
        // a pool thread goes on writing, so no caller's answer waits for other callers' batches.
        if (!inline)
        {
            _ = Task.Run(WriteAll);
        }
        else if (WriteBatch())
        {
            _ = Task.Run(WriteAll);
        }

        return done.Task;
    }

    private void WriteAll()
    {
        while (WriteBatch())
        {
        }
    }

    /// <summary>Writes what is waiting; true when more arrived meanwhile (the caller remains the writer).</summary>
    private bool WriteBatch()
    {
        List<(IReadOnlyList<OutboxItem> Items, Action<Microsoft.Data.Sqlite.SqliteTransaction>? Also, TaskCompletionSource<long[]> Done)> batch;
        lock (_gate)
        {
            (batch, _waiting) = (_waiting, []);
        }

        try
        {
            var also = batch.Select(b => b.Also).OfType<Action<Microsoft.Data.Sqlite.SqliteTransaction>>().ToList();
            var ids = store.Enqueue([.. batch.SelectMany(b => b.Items)], also.Count == 0 ? null : transaction => also.ForEach(a => a(transaction)));
            var at = 0;
            foreach (var (items, _, done) in batch)
            {
                done.SetResult(ids[at..(at + items.Count)]);
                at += items.Count;
            }
        }
        catch (Exception e)
        {
            foreach (var (_, _, done) in batch)
            {
                done.SetException(e);
            }
        }

        lock (_gate)
        {
            _writing = _waiting.Count > 0;
            return _writing;
        }
    }
}
