using Solti.Matrix.Outbox;

namespace Solti.Matrix.Alerts;

/// <summary>A durable ledger in the outbox's database (table <c>alert_ledger</c>), so that a sender's repeats after a
/// restart post nothing new. One ledger per <paramref name="scope"/> (the relay's: the room), so the same alert sent to
/// two rooms is posted in each. An entry is forgotten once it was last seen more than <see cref="Retention"/> ago; an
/// alert the sender keeps repeating (Alertmanager's <c>repeat_interval</c>, 4 h by default) is seen again at every
/// repeat, so it is not forgotten while it fires. Not thread-safe for one scope: callers handle one notification at a
/// time (as <see cref="IAlertLedger"/> asks).</summary>
public sealed class SqliteAlertLedger(OutboxStore store, string scope, TimeSpan? retention = null, TimeProvider? time = null) : IAlertLedger
{
    /// <summary>How long an entry is kept after it was last seen: 7 days.</summary>
    public static readonly TimeSpan DefaultRetention = TimeSpan.FromDays(7);

    /// <summary>A known entry's time is moved forward when it is older than this (so a repeat costs a write at most
    /// hourly).</summary>
    private static readonly TimeSpan RefreshAfter = TimeSpan.FromHours(1);

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly List<(string, string, string)> _stale = [];

    /// <summary>See <see cref="DefaultRetention"/>.</summary>
    public TimeSpan Retention { get; } = retention ?? DefaultRetention;

    /// <inheritdoc/>
    public bool Contains(AlertKey key, AlertStatus status)
    {
        var row = Row(key, status);
        if (store.AlertSeenAt(scope, row.Fingerprint, row.StartsAt, row.Status) is not { } seen)
        {
            return false;
        }

        if (Now() - seen > (long)RefreshAfter.TotalMilliseconds)
        {
            _stale.Add(row);
        }

        return true;
    }

    /// <summary>Remembers every key of <paramref name="accepted"/> in its event's state, and the entries
    /// <see cref="Contains"/> found stale, in one transaction that also forgets entries past <see cref="Retention"/>.</summary>
    public void Record(IEnumerable<AlertEvent> accepted)
    {
        var rows = Rows(accepted);
        if (rows.Count > 0)
        {
            var now = Now();
            store.RecordAlerts(scope, rows, now, now - (long)Retention.TotalMilliseconds);
        }
    }

    /// <summary>Enqueues <paramref name="items"/> (the events of <paramref name="accepted"/>) through
    /// <paramref name="commits"/> and records <paramref name="accepted"/> as <see cref="Record"/> does, in the same
    /// transaction: the events and the record of them are durable together, synced with whatever else that batch
    /// holds.</summary>
    public Task<long[]> EnqueueAndRecordAsync(GroupCommit commits, IReadOnlyList<OutboxItem> items, IEnumerable<AlertEvent> accepted)
    {
        var rows = Rows(accepted);
        var now = Now();
        return commits.EnqueueAsync(items, rows.Count == 0 ? null : transaction => store.RecordAlerts(transaction, scope, rows, now, now - (long)Retention.TotalMilliseconds), inline: false);
    }

    /// <summary>The rows to write: every key of <paramref name="accepted"/> in its state, and the stale ones
    /// <see cref="Contains"/> found (taken: written once).</summary>
    private List<(string, string, string)> Rows(IEnumerable<AlertEvent> accepted)
    {
        var rows = accepted.SelectMany(e => e.Keys.Select(key => Row(key, e.Status))).Concat(_stale).ToList();
        _stale.Clear();
        return rows;
    }

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private static (string Fingerprint, string StartsAt, string Status) Row(AlertKey key, AlertStatus status) =>
        (key.Fingerprint, AlertTime.Format(key.StartsAt), AlertData.StatusName(status));
}
