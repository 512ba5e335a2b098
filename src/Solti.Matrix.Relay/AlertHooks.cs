using Solti.Matrix.Alerts;
using Solti.Matrix.Events;
using Solti.Matrix.Outbox;

namespace Solti.Matrix.Relay;

/// <summary>The webhook intake (<c>POST /v1/hooks/alertmanager</c>, <c>POST /v1/hooks/grafana</c>): a notification is
/// mapped to SOLTI events (<see cref="AlertEvents.Map"/>) against the room's <see cref="SqliteAlertLedger"/>, the
/// events and the ledger's record of them are written in one outbox transaction, synced once
/// (<see cref="SqliteAlertLedger.EnqueueAndRecord"/>). One notification at a time (the
/// ledger's rule), so a repeat arriving while its original is handled finds it recorded. A resolution edits its firing
/// message and replies in its thread (<see cref="AlertThreads"/>), resolved at delivery by the outbox's conversation
/// map.</summary>
internal sealed class AlertHooks(OutboxStore store, MatrixClient client, SchemaRegistry schemas)
{
    private readonly SemaphoreSlim _turn = new(1, 1);

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
    /// returns how many (0 for a repeat).</summary>
    public async Task<int> AcceptAsync(AlertNotification notification, string room)
    {
        await _turn.WaitAsync();
        try
        {
            var ledger = new SqliteAlertLedger(store, room);
            var events = AlertEvents.Map(notification, ledger, schemas);
            var homeserver = client.Homeserver.ToString();
            var posts = AlertThreads.Plan(notification, events, key => store.FindConversation(homeserver, room, key), schemas);
            ledger.EnqueueAndRecord([.. posts.Select(p => SenderIdentity.Item(client, room, "m.room.message", p.Content, TransactionId(room, p)) with { Keys = p.Keys, Relation = p.Relation })], events);
            return events.Count;
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>The same for the same alerts in the same state and room (and the same edit or reply of them): a
    /// sender's retry that the ledger does not stop is the same outbox entry, not a second event.</summary>
    private static string TransactionId(string room, AlertPost post)
    {
        var identity = $"{room}\n{post.Event.Schema}\n{string.Join('\n', post.Event.Keys)}{post.Suffix}";
        return "alert-" + SenderIdentity.Fingerprint(identity)[..32]; // the same SHA-256 in managed code: no OpenSSL loaded
    }
}
