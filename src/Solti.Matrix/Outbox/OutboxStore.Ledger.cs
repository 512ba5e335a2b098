using Microsoft.Data.Sqlite;

namespace Solti.Matrix.Outbox;

/// <summary>The alert ledger's table, in the outbox's file so that the events and the record of the alerts they report
/// live and are backed up together: one row per (scope, alert fingerprint, start as RFC 3339 UTC with seven fractional digits, state),
/// with when it was last seen (unix milliseconds).</summary>
public sealed partial class OutboxStore
{
    /// <summary>The table and its index (migration to <see cref="Version"/> 4).</summary>
    private static readonly string[] LedgerSchema =
    [
        """
        CREATE TABLE IF NOT EXISTS alert_ledger (
            scope TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            starts_at TEXT NOT NULL,
            status TEXT NOT NULL,
            seen_at INTEGER NOT NULL,
            PRIMARY KEY (scope, fingerprint, starts_at, status)
        ) WITHOUT ROWID
        """,
        "CREATE INDEX IF NOT EXISTS alert_ledger_seen ON alert_ledger (seen_at)",
    ];

    /// <summary>When the ledger last saw the alert (unix milliseconds), or null when it never accepted it.</summary>
    internal long? AlertSeenAt(string scope, string fingerprint, string startsAt, string status)
    {
        lock (_readGate)
        {
            using var select = ReadCommand("SELECT seen_at FROM alert_ledger WHERE scope = $scope AND fingerprint = $fp AND starts_at = $start AND status = $status");
            BindAlert(select, scope, fingerprint, startsAt, status);
            return select.ExecuteScalar() as long?;
        }
    }

    /// <summary>Records the alerts as seen at <paramref name="now"/> (inserted, or their time moved forward) and forgets
    /// those last seen before <paramref name="forgetBefore"/>, in one transaction.</summary>
    internal void RecordAlerts(string scope, IEnumerable<(string Fingerprint, string StartsAt, string Status)> alerts, long now, long forgetBefore)
    {
        lock (_gate)
        {
            using var transaction = _db.BeginTransaction();
            RecordAlerts(transaction, scope, alerts, now, forgetBefore);
            transaction.Commit();
        }
    }

    /// <summary>The same, in <paramref name="transaction"/> (an enqueue's: <see cref="Enqueue(IReadOnlyList{OutboxItem}, Action{SqliteTransaction}?)"/>).</summary>
    internal void RecordAlerts(SqliteTransaction transaction, string scope, IEnumerable<(string Fingerprint, string StartsAt, string Status)> alerts, long now, long forgetBefore)
    {
        using var upsert = Command("""
            INSERT INTO alert_ledger (scope, fingerprint, starts_at, status, seen_at) VALUES ($scope, $fp, $start, $status, $now)
            ON CONFLICT (scope, fingerprint, starts_at, status) DO UPDATE SET seen_at = excluded.seen_at
            """);
        upsert.Transaction = transaction;
        foreach (var (fingerprint, startsAt, status) in alerts)
        {
            upsert.Parameters.Clear();
            BindAlert(upsert, scope, fingerprint, startsAt, status);
            upsert.Parameters.AddWithValue("$now", now);
            upsert.ExecuteNonQuery();
        }

        using var forget = Command("DELETE FROM alert_ledger WHERE seen_at < $before");
        forget.Transaction = transaction;
        forget.Parameters.AddWithValue("$before", forgetBefore);
        forget.ExecuteNonQuery();
    }

    private static void BindAlert(SqliteCommand command, string scope, string fingerprint, string startsAt, string status)
    {
        command.Parameters.AddWithValue("$scope", scope);
        command.Parameters.AddWithValue("$fp", fingerprint);
        command.Parameters.AddWithValue("$start", startsAt);
        command.Parameters.AddWithValue("$status", status);
    }
}
