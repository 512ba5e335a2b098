using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace Solti.Matrix.Outbox;

/// <summary>The durable outbox: SQLite in WAL mode with full sync, so an event is accepted only once its room, type,
/// content and transaction id are on disk. Several processes may share one file (a module spooling, a relay
/// draining). States: <c>pending</c> → <c>delivered</c> (with the event id) or <c>dead</c> (refused for good, kept
/// with the server's error until purged).</summary>
public sealed class OutboxStore : IDisposable
{
    private readonly SqliteConnection _db;
    private readonly Lock _gate = new();

    public OutboxStore(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        var directory = System.IO.Path.GetDirectoryName(Path)!;
        CreatePrivateDirectories(directory);

        SqliteNative.EnsureLoaded();
        _db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
        _db.Open();
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        Execute("""
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = FULL;
            PRAGMA busy_timeout = 10000;
            CREATE TABLE IF NOT EXISTS events (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                homeserver TEXT NOT NULL,
                user_id TEXT,
                room TEXT NOT NULL,
                event_type TEXT NOT NULL,
                content TEXT NOT NULL,
                txn_id TEXT NOT NULL UNIQUE,
                state TEXT NOT NULL DEFAULT 'pending',
                enqueued_at INTEGER NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                last_error TEXT,
                event_id TEXT,
                done_at INTEGER
            );
            CREATE INDEX IF NOT EXISTS events_pending ON events (state, homeserver, id);
            """);
    }

    public string Path { get; }

    /// <summary>Creates every missing level as 0700 (.NET gives only the last level the mode asked for): the outbox
    /// shares <c>$XDG_STATE_HOME/solti-matrix</c> with the credential cache, which refuses a directory others can read.</summary>
    private static void CreatePrivateDirectories(string directory)
    {
        if (Directory.Exists(directory))
        {
            return;
        }

        CreatePrivateDirectories(System.IO.Path.GetDirectoryName(directory)!);
        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary><c>$XDG_STATE_HOME/solti-matrix/outbox/outbox.db</c> (else <c>~/.local/state/…</c>).</summary>
    public static string DefaultPath()
    {
        var state = Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } xdg
            ? xdg
            : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        return System.IO.Path.Combine(state, "solti-matrix", "outbox", "outbox.db");
    }

    /// <summary>Stores the event durably (the call returns after the commit is synced) and returns its id. Enqueuing
    /// a transaction id that is already stored returns the stored entry's id: a producer's retry is not a second event.</summary>
    public long Enqueue(string homeserver, string? userId, string room, string eventType, JsonObject content, string transactionId)
    {
        lock (_gate)
        {
            using var insert = Command("""
                INSERT INTO events (homeserver, user_id, room, event_type, content, txn_id, enqueued_at)
                VALUES ($hs, $user, $room, $type, $content, $txn, $now)
                ON CONFLICT (txn_id) DO NOTHING;
                SELECT id FROM events WHERE txn_id = $txn;
                """);
            insert.Parameters.AddWithValue("$hs", Key(homeserver));
            insert.Parameters.AddWithValue("$user", (object?)userId ?? DBNull.Value);
            insert.Parameters.AddWithValue("$room", room);
            insert.Parameters.AddWithValue("$type", eventType);
            insert.Parameters.AddWithValue("$content", content.ToJsonString());
            insert.Parameters.AddWithValue("$txn", transactionId);
            insert.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            return (long)insert.ExecuteScalar()!;
        }
    }

    /// <summary>Undelivered events for a homeserver, oldest first.</summary>
    public List<OutboxEntry> Pending(string homeserver, int limit)
    {
        lock (_gate)
        {
            using var select = Command("""
                SELECT id, homeserver, user_id, room, event_type, content, txn_id, enqueued_at, attempts, last_error
                FROM events WHERE state = 'pending' AND homeserver = $hs ORDER BY id LIMIT $limit
                """);
            select.Parameters.AddWithValue("$hs", Key(homeserver));
            select.Parameters.AddWithValue("$limit", limit);
            using var reader = select.ExecuteReader();
            var entries = new List<OutboxEntry>();
            while (reader.Read())
            {
                entries.Add(new OutboxEntry(reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3), reader.GetString(4),
                    (JsonObject)JsonNode.Parse(reader.GetString(5))!, reader.GetString(6))
                {
                    EnqueuedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)),
                    Attempts = reader.GetInt32(8),
                    LastError = reader.IsDBNull(9) ? null : reader.GetString(9),
                });
            }

            return entries;
        }
    }

    public void MarkDelivered(long id, string eventId) => Update(id, "delivered", eventId, null);

    public void MarkDead(long id, string error) => Update(id, "dead", null, error);

    /// <summary>A failed attempt that will be retried: the event stays pending, in its place.</summary>
    public void MarkRetry(long id, string error)
    {
        lock (_gate)
        {
            using var update = Command("UPDATE events SET attempts = attempts + 1, last_error = $error WHERE id = $id");
            update.Parameters.AddWithValue("$id", id);
            update.Parameters.AddWithValue("$error", error);
            update.ExecuteNonQuery();
        }
    }

    public OutboxStats Stats(string? homeserver = null)
    {
        lock (_gate)
        {
            using var select = Command("""
                SELECT
                  COALESCE(SUM(state = 'pending'), 0), COALESCE(SUM(state = 'delivered'), 0), COALESCE(SUM(state = 'dead'), 0),
                  MIN(CASE WHEN state = 'pending' THEN enqueued_at END)
                FROM events WHERE $hs IS NULL OR homeserver = $hs
                """);
            select.Parameters.AddWithValue("$hs", homeserver is null ? DBNull.Value : Key(homeserver));
            using var reader = select.ExecuteReader();
            reader.Read();
            TimeSpan? age = reader.IsDBNull(3) ? null : DateTimeOffset.UtcNow - DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3));
            return new OutboxStats(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), age);
        }
    }

    /// <summary>The dead events (refused for good), with the server's error, for <c>outbox status</c>.</summary>
    public List<OutboxEntry> Dead(int limit)
    {
        lock (_gate)
        {
            using var select = Command("SELECT id, homeserver, user_id, room, event_type, txn_id, attempts, last_error FROM events WHERE state = 'dead' ORDER BY id LIMIT $limit");
            select.Parameters.AddWithValue("$limit", limit);
            using var reader = select.ExecuteReader();
            var entries = new List<OutboxEntry>();
            while (reader.Read())
            {
                entries.Add(new OutboxEntry(reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3), reader.GetString(4), [], reader.GetString(5))
                {
                    Attempts = reader.GetInt32(6),
                    LastError = reader.IsDBNull(7) ? null : reader.GetString(7),
                });
            }

            return entries;
        }
    }

    /// <summary>Removes delivered events (and dead ones when asked) that finished before <paramref name="olderThan"/> ago.
    /// Pending events are never purged.</summary>
    public int Purge(bool includeDead, TimeSpan olderThan)
    {
        lock (_gate)
        {
            using var delete = Command("DELETE FROM events WHERE (state = 'delivered' OR ($dead AND state = 'dead')) AND done_at <= $before");
            delete.Parameters.AddWithValue("$dead", includeDead);
            delete.Parameters.AddWithValue("$before", (DateTimeOffset.UtcNow - olderThan).ToUnixTimeMilliseconds());
            return delete.ExecuteNonQuery();
        }
    }

    /// <summary>Homeservers are compared without a trailing slash.</summary>
    public static string Key(string homeserver) => homeserver.TrimEnd('/');

    public void Dispose() => _db.Dispose();

    private void Update(long id, string state, string? eventId, string? error)
    {
        lock (_gate)
        {
            using var update = Command("UPDATE events SET state = $state, event_id = $event, last_error = COALESCE($error, last_error), attempts = attempts + 1, done_at = $now WHERE id = $id");
            update.Parameters.AddWithValue("$id", id);
            update.Parameters.AddWithValue("$state", state);
            update.Parameters.AddWithValue("$event", (object?)eventId ?? DBNull.Value);
            update.Parameters.AddWithValue("$error", (object?)error ?? DBNull.Value);
            update.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            update.ExecuteNonQuery();
        }
    }

    private void Execute(string sql)
    {
        using var command = Command(sql);
        command.ExecuteNonQuery();
    }

    private SqliteCommand Command(string sql)
    {
        var command = _db.CreateCommand();
        command.CommandText = sql;
        return command;
    }
}
