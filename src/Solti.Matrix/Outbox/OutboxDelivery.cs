namespace Solti.Matrix.Outbox;

/// <summary>Counters of a delivery loop (read by <c>/metrics</c>).</summary>
public sealed class DeliveryMetrics
{
    private long _delivered;
    private long _retries;
    private long _dead;

    /// <summary>Events delivered so far.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Delivery attempts that failed and will be tried again.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>Events given up on (dead-lettered) so far.</summary>
    public long Dead => Interlocked.Read(ref _dead);

    internal void AddDelivered() => Interlocked.Increment(ref _delivered);

    internal void AddRetry() => Interlocked.Increment(ref _retries);

    internal void AddDead() => Interlocked.Increment(ref _dead);
}

/// <summary>Drains the outbox: every entry in <paramref name="scope"/> goes to its own homeserver as its own sender,
/// with that sender's self-healing session (<see cref="OutboxSenders"/>), never as anyone else. Per lane (homeserver,
/// sender, room), events go one at a time in the order they were accepted, each with its stored transaction id (so a
/// retry after any crash is de-duplicated by the server); lanes do not wait for each other. An event the server refuses
/// for good (4xx other than 429 and token errors) is marked dead with the server's error and the lane moves on;
/// anything else is retried in place. A sender without a session keeps its events pending.</summary>
public sealed class OutboxDelivery(OutboxStore store, OutboxSenders senders, OutboxScope? scope = null, int maxLanesInParallel = 8)
{
    /// <summary>How a lane backs off between passes (<see cref="RetryRule.Backoff"/>, with its jitter): from 200 ms,
    /// doubling, up to 30 s.</summary>
    private static readonly RetryOptions LaneBackoff = new() { BaseDelay = TimeSpan.FromMilliseconds(200), MaxDelay = TimeSpan.FromSeconds(30) };
    private const int MarkBatch = 64;
    private const int PerLane = 500; // events read per lane and pass: enough to keep each room busy, little memory
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<OutboxLane, (DateTimeOffset Until, int Failures)> _blocked = new();
    private readonly OutboxScope _scope = scope ?? OutboxScope.All;

    /// <summary>Delivers <paramref name="client"/>'s own events only (its homeserver and user).</summary>
    public OutboxDelivery(OutboxStore store, MatrixClient client)
        : this(store, OutboxSenders.Of(client), new OutboxScope(client.Homeserver.ToString(), client.Session.UserId))
    {
    }

    /// <summary>The session of each homeserver and sender that events are delivered as.</summary>
    public OutboxSenders Senders => senders;

    /// <summary>Counts of what delivery has done.</summary>
    public DeliveryMetrics Metrics { get; } = new();

    /// <summary>Tells a waiting loop that there is something new.</summary>
    public void Wake() => _wake.Release();

    /// <summary>One pass over every lane that is not backing off: its pending events in order, until one fails in a
    /// way worth retrying (the lane then backs off as <see cref="RetryRule.Backoff"/> says: doubling up to 30 s, with jitter; other lanes go on). First, events queued with a
    /// bare token are attributed to their sender once a given session can say whose the token is. Returns how many were
    /// delivered, whether some lane is blocked, and when the earliest blocked lane may try again. A lane whose sender
    /// has no session is skipped (and counts as blocked).</summary>
    public async Task<(int Delivered, bool Blocked, DateTimeOffset? RetryAt)> DeliverPendingAsync(CancellationToken cancellationToken)
    {
        await senders.AttributeAsync(store, cancellationToken);
        var now = DateTimeOffset.UtcNow;
        var waiting = _blocked.Where(b => b.Value.Until > now).Select(b => b.Key).ToList();
        var lanes = store.Pending(_scope, PerLane, waiting)
            .GroupBy(OutboxLane.Of)
            .ToList();
        var delivered = 0;
        var withoutSession = 0;
        await Parallel.ForEachAsync(lanes, new ParallelOptions { MaxDegreeOfParallelism = maxLanesInParallel, CancellationToken = cancellationToken }, async (lane, ct) =>
        {
            var first = lane.First();
            var client = await senders.ForAsync(first.Homeserver, first.UserId!, first.DeviceId, ct);
            if (client is null)
            {
                Interlocked.Increment(ref withoutSession); // never sent as anyone else: it waits for its sender's session
                return;
            }

            // Delivered marks are written in batches, not synced one by one: a mark lost in a crash only means the
            // event is sent again with its stored transaction id, which the server answers with the event it has.
            var marks = new List<(long Id, string EventId)>();
            var files = new List<OutboxAttachment>(); // deleted once their entries' marks are written
            void Mark()
            {
                store.MarkDelivered(marks);
                marks.Clear();
                files.ForEach(OutboxStore.ForgetAttachment);
                files.Clear();
            }

            var batch = new Batch(client, [.. lane], store, id => marks.FirstOrDefault(m => m.Id == id).EventId);
            try
            {
                foreach (var entry in lane)
                {
                    if (batch.WaitsFor(entry) is not null)
                    {
                        // Its target (a thread's root, the message it edits) is still pending in another lane or behind a
                        // retry: the lane waits, briefly, without counting an attempt against the event.
                        _blocked[lane.Key] = (DateTimeOffset.UtcNow + RetryRule.Backoff(0, LaneBackoff, Random.Shared.NextDouble()), 0);
                        return;
                    }

                    var outcome = await DeliverAsync(client, entry, marks, () => entry.Attachment is null ? batch.SendAsync(entry, ct) : batch.SendAttachmentAsync(entry, ct), ct);
                    if (outcome == Outcome.Retry)
                    {
                        var failures = _blocked.TryGetValue(lane.Key, out var b) ? b.Failures : 0;
                        _blocked[lane.Key] = (DateTimeOffset.UtcNow + RetryRule.Backoff(failures, LaneBackoff, Random.Shared.NextDouble()), failures + 1);
                        return; // keep this lane's order: nothing after it goes first
                    }

                    _blocked.TryRemove(lane.Key, out _);
                    if (outcome == Outcome.Delivered)
                    {
                        Interlocked.Increment(ref delivered);
                        if (entry.Attachment is { } file)
                        {
                            files.Add(file);
                        }
                    }

                    if (marks.Count >= MarkBatch)
                    {
                        Mark();
                    }
                }
            }
            finally
            {
                Mark();
            }
        });
        DateTimeOffset? retryAt = _blocked.IsEmpty ? null : _blocked.Values.Min(b => b.Until);
        return (delivered, !_blocked.IsEmpty || withoutSession > 0, retryAt);
    }

    /// <summary>Delivers until cancelled: drains, then waits for <see cref="Wake"/>, the next blocked lane's retry time,
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
    private async Task<Outcome> DeliverAsync(MatrixClient client, OutboxEntry entry, List<(long Id, string EventId)> marks, Func<Task<Sending.SendResult>> send, CancellationToken cancellationToken)
    {
        try
        {
            var sent = await send();
            marks.Add((entry.Id, sent.EventId));
            await client.Session.TryKeepAsync(cancellationToken); // once per session: what a relay given a token queues stays deliverable without it
            Metrics.AddDelivered();
            return Outcome.Delivered;
        }
        catch (MatrixException e) when (IsFinal(e))
        {
            store.MarkDead(entry.Id, $"HTTP {e.Status} {e.Errcode}: {e.Error}");
            Metrics.AddDead();
            return Outcome.Dead;
        }
        catch (ArgumentException e) when (entry.Attachment is not null)
        {
            // Its file is gone or unreadable: it can never go.
            store.MarkDead(entry.Id, e.Message);
            Metrics.AddDead();
            return Outcome.Dead;
        }
        catch (Encryption.EncryptionException e)
        {
            // It can never go out as asked (required and the room is not encrypted, or no store for the device's keys):
            // never in plaintext, so it stays, dead, with why.
            store.MarkDead(entry.Id, e.Message);
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

    /// <summary>A lane's events, prepared together as they are reached (one read of the room, its members and devices,
    /// one key share for many events: <see cref="MatrixClient.PrepareEventsAsync"/>), then sent one by one in order.
    /// When the batch cannot be prepared for a reason of one event's own (<c>encryption: required</c> into a room that
    /// is not encrypted), that event is prepared alone, so the refusal is its own. An event that relates to another is
    /// prepared at its turn, once its target's event id is known (<see cref="OutboxStore.Resolve"/>; <paramref name="delivered"/>
    /// answers for this lane's events delivered but not yet marked).</summary>
    private sealed class Batch(MatrixClient client, List<OutboxEntry> entries, OutboxStore store, Func<long, string?> delivered)
    {
        private readonly Queue<Encryption.PreparedEvent> _prepared = new();
        private readonly Dictionary<long, JsonObject> _related = [];
        private int _next;
        private string? _roomId;

        /// <summary>The entry whose delivery <paramref name="entry"/>'s relation waits for, or null when it may go now (its
        /// content then related, or on its own saying why).</summary>
        public long? WaitsFor(OutboxEntry entry)
        {
            if (entry.Relation is not { } target)
            {
                return null;
            }

            RelationResolution resolved;
            try
            {
                resolved = store.Resolve(entry.Homeserver, entry.Room, target, entry.UserId, delivered);
            }
            catch (ConversationException e)
            {
                resolved = new(null, null, e.Message); // forgotten since it was queued: it goes on its own
            }

            if (resolved.WaitingFor is { } waiting)
            {
                return waiting;
            }

            _related[entry.Id] = resolved.Apply(entry.Content, target);
            return null;
        }

        public async Task<Sending.SendResult> SendAsync(OutboxEntry entry, CancellationToken cancellationToken)
        {
            _roomId ??= await client.ResolveRoomAsync(entry.Room, cancellationToken);
            var at = entries.IndexOf(entry);
            if (_prepared.Count == 0 || at != _next)
            {
                _prepared.Clear();
                var rest = entries.Skip(at).TakeWhile((e, i) => i == 0 || e.Relation is null).Select(Outgoing).ToList();
                IReadOnlyList<Encryption.PreparedEvent> ready;
                try
                {
                    ready = await client.PrepareEventsAsync(_roomId, rest, cancellationToken);
                }
                catch (Encryption.EncryptionException) when (rest.Count > 1)
                {
                    ready = await client.PrepareEventsAsync(_roomId, [rest[0]], cancellationToken);
                }

                foreach (var prepared in ready)
                {
                    _prepared.Enqueue(prepared);
                }

                _next = at;
            }

            _next++;
            return await client.SendPreparedAsync(_roomId, entry.EventType, _prepared.Dequeue(), entry.TransactionId, cancellationToken);
        }

        /// <summary>An entry's file (<see cref="MatrixClient.SendAttachmentAsync"/>: encrypted first in an encrypted
        /// room), with its relation resolved as <see cref="WaitsFor"/> resolved it.</summary>
        public async Task<Sending.SendResult> SendAttachmentAsync(OutboxEntry entry, CancellationToken cancellationToken)
        {
            var file = entry.Attachment!;
            var relatesTo = _related.GetValueOrDefault(entry.Id)?["m.relates_to"] as JsonObject;
            var sent = await client.SendAttachmentAsync(entry.Room, Media.Attachment.FromFile(file.File, file.Name, file.Mimetype), (JsonObject?)relatesTo?.DeepClone(), entry.TransactionId, entry.Encryption, cancellationToken);
            return sent.Event;
        }

        private Encryption.OutgoingEvent Outgoing(OutboxEntry entry) =>
            new(entry.EventType, _related.GetValueOrDefault(entry.Id) ?? entry.Content, entry.Encryption);
    }
}
