using Solti.Matrix.Alerts;
using Solti.Matrix.Events;
using Solti.Matrix.Outbox;

namespace Solti.Matrix.Relay;

/// <summary>The webhook intake (<c>POST /v1/hooks/alertmanager</c>, <c>POST /v1/hooks/grafana</c>): a notification is
/// mapped to SOLTI events (<see cref="AlertEvents.Map"/>) against the room's <see cref="SqliteAlertLedger"/>, the
/// events and the ledger's record of them are written in one outbox transaction
/// (<see cref="SqliteAlertLedger.EnqueueAndRecordAsync"/>), together with whatever else the relay's group commit holds.
/// Notifications are mapped one at a time (the ledger's rule), each seeing what those before it accepted even while
/// they are still being committed, so a repeat arriving while its original is handled finds it. A resolution edits its firing
/// message and replies in its thread (<see cref="AlertThreads"/>), resolved at delivery by the outbox's conversation
/// map.</summary>
internal sealed class AlertHooks(OutboxStore store, MatrixClient client, SchemaRegistry schemas, GroupCommit commits)
{
    private readonly SemaphoreSlim _turn = new(1, 1);

    /// <summary>What notifications mapped but not yet committed accepted: the next one's mapping sees them before the
    /// outbox does (the ledger's (key, state) pairs, the conversation keys with how many alerts each message covers).
    /// Each entry goes once its batch is committed (then the outbox answers) or failed (then the sender's retry maps it
    /// again).</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Room, AlertKey Key, AlertStatus Status), byte> _accepting = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Room, string Key), int> _posting = new();

    /// <summary>The sender a hook path names (<c>alertmanager</c>, <c>grafana</c>), or null for another path.</summary>
    public static AlertSource? SourceOf(string path) => path switch
    {
        "/v1/hooks/alertmanager" => AlertSource.Alertmanager,
        "/v1/hooks/grafana" => AlertSource.Grafana,
        _ => null,
    };

    /// <summary>Reads the body as <paramref name="source"/>'s payload; a malformed one is an
    /// <see cref="AlertPayloadException"/> naming the field.</summary>
    public static AlertNotification Parse(AlertSource source, string body) =>
        source == AlertSource.Alertmanager ? AlertmanagerPayload.Parse(body) : GrafanaPayload.Parse(body);

    /// <summary>Enqueues the events <paramref name="notification"/> adds for <paramref name="room"/>, durably, and
    /// returns how many (0 for a repeat). Notifications are mapped one at a time, each seeing what the ones before it
    /// accepted, and committed together (<see cref="GroupCommit"/>): the task completes once this one's events and
    /// the ledger's record of them are synced.</summary>
    public async Task<int> AcceptAsync(AlertNotification notification, string room)
    {
        Task<long[]> committed;
        List<(string, AlertKey, AlertStatus)> accepting;
        List<(string, string)> posting;
        int count;
        await _turn.WaitAsync();
        try
        {
            var ledger = new SqliteAlertLedger(store, room);
            var events = AlertEvents.Map(notification, new Pending(ledger, room, _accepting), schemas);
            if (events.Count == 0)
            {
                return 0;
            }

            var homeserver = client.Homeserver.ToString();
            var posts = AlertThreads.Plan(notification, events, key => _posting.TryGetValue((room, key), out var covers)
                ? new ConversationEntry(null, null, null, covers, "pending", null)
                : store.FindConversation(homeserver, room, key), schemas);
            committed = ledger.EnqueueAndRecordAsync(commits, [.. posts.Select(p => SenderIdentity.Item(client, room, "m.room.message", p.Content, TransactionId(room, p)) with { Keys = p.Keys, Relation = p.Relation })], events);
            accepting = [.. events.SelectMany(e => e.Keys.Select(k => (room, k, e.Status)))];
            accepting.ForEach(a => _accepting[a] = 0);
            var covering = posts.SelectMany(p => p.Keys.Select(k => (Key: (room, k), Covers: p.Keys.Count))).ToList();
            covering.ForEach(c => _posting[c.Key] = c.Covers);
            posting = [.. covering.Select(c => c.Key)];

            count = events.Count;
        }
        finally
        {
            _turn.Release();
        }

        return await Finish(committed, accepting, posting, count);
    }

    private async Task<int> Finish(Task<long[]> committed, List<(string, AlertKey, AlertStatus)> accepting, List<(string, string)> posting, int count)
    {
        try
        {
            await committed;
            return count;
        }
        finally
        {
            accepting.ForEach(a => _accepting.TryRemove(a, out _));
            posting.ForEach(p => _posting.TryRemove(p, out _));
        }
    }

    /// <summary>The room's ledger, with what notifications still being committed accepted.</summary>
    private sealed class Pending(IAlertLedger ledger, string room, System.Collections.Concurrent.ConcurrentDictionary<(string Room, AlertKey Key, AlertStatus Status), byte> accepting) : IAlertLedger
    {
        public bool Contains(AlertKey key, AlertStatus status) => accepting.ContainsKey((room, key, status)) || ledger.Contains(key, status);

        public void Record(IEnumerable<AlertEvent> accepted) => ledger.Record(accepted);
    }

    /// <summary>The same for the same alerts in the same state and room (and the same edit or reply of them): a
    /// sender's retry that the ledger does not stop is the same outbox entry, not a second event.</summary>
    private static string TransactionId(string room, AlertPost post)
    {
        var identity = $"{room}\n{post.Event.Schema}\n{string.Join('\n', post.Event.Keys)}{post.Suffix}";
        return "alert-" + SenderIdentity.Fingerprint(identity)[..32]; // the same SHA-256 in managed code: no OpenSSL loaded
    }
}
