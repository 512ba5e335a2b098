namespace Solti.Matrix.Outbox;

/// <summary>Durable enqueues from many concurrent callers with one disk sync per batch: one writer at a time takes
/// every item waiting, writes them in one transaction, and goes on while more arrive. Each caller's task completes only once its own event is synced, as with
/// <see cref="OutboxStore.Enqueue(IReadOnlyList{OutboxItem})"/> alone.</summary>
public sealed class GroupCommit(OutboxStore store)
{
    private readonly Lock _gate = new();
    private List<(OutboxItem Item, TaskCompletionSource<long> Done)> _waiting = [];
    private bool _writing;

    /// <summary>Queues one item durably; the task completes with its outbox id once the batch it was written in is
    /// synced to disk.</summary>
    public Task<long> EnqueueAsync(OutboxItem item)
    {
        var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _waiting.Add((item, done));
            if (_writing)
            {
                return done.Task;
            }

            _writing = true;
        }

        // The caller writes its own batch (no thread hop when producers take turns); should more have arrived meanwhile,
        // a pool thread goes on writing, so no caller's answer waits for other callers' batches.
        if (WriteBatch())
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
        List<(OutboxItem Item, TaskCompletionSource<long> Done)> batch;
        lock (_gate)
        {
            (batch, _waiting) = (_waiting, []);
        }

        try
        {
            var ids = store.Enqueue([.. batch.Select(b => b.Item)]);
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Done.SetResult(ids[i]);
            }
        }
        catch (Exception e)
        {
            foreach (var (_, done) in batch)
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
