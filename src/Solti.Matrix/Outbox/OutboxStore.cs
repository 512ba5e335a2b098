using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Solti.Matrix.Outbox;

/// <summary>The durable outbox: SQLite in WAL mode with full sync, so an event is accepted only once its room, type,
/// content and transaction id are on disk. Several processes may share one file (a module spooling, a relay
/// draining). Every entry records its homeserver and its sender (user and device), and is delivered to that
/// homeserver as that sender only (<see cref="OutboxDelivery"/>). States: <c>pending</c> → <c>delivered</c> (with the
/// event id) or <c>dead</c> (refused for good, kept with the server's error until purged).</summary>
public sealed partial class OutboxStore : IDisposable
{
    private readonly SqliteConnection _db;
    private readonly Lock _gate = new();

    /// <summary>Opens (creating when missing) the outbox database at <paramref name="path"/>; its directory is made
    /// private.</summary>
    public OutboxStore(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        var directory = System.IO.Path.GetDirectoryName(Path)!;
        Storage.PrivateDirectory.Create(directory);

        SqliteNative.EnsureLoaded();
        _db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
        _db.Open();
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path, Storage.PrivateDirectory.FileMode);
        }

        Execute("""
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = FULL;
            PRAGMA busy_timeout = 10000;
            PRAGMA cache_size = -512;
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
            """);
        Migrate();
    }

    /// <summary>The file's layout version (<c>PRAGMA user_version</c>): 2 records each sender's device and, while
    /// its user is unknown, its token's fingerprint, and indexes pending events by sender; 3 records whether an event
    /// must go out encrypted (<c>encryption: required</c>); 4 adds the alert ledger (<c>alert_ledger</c>:
    /// <see cref="Alerts.SqliteAlertLedger"/>); 5 the conversation map (<c>conversation</c>), each event's
    /// <c>relation</c> and its <c>attachment</c> (a file beside the outbox: <see cref="OutboxAttachment"/>).</summary>
    public const int Version = 5;

    /// <summary>Brings a file written by an earlier version up to <see cref="Version"/>, in place and in one
    /// transaction: its events keep their ids, states and transaction ids.</summary>
    private void Migrate()
    {
        lock (_gate)
        {
            using var version = Command("PRAGMA user_version");
            if ((long)version.ExecuteScalar()! >= Version)
            {
                return;
            }

            using var transaction = _db.BeginTransaction();
            var columns = new HashSet<string>(StringComparer.Ordinal);
            using (var info = Command("SELECT name FROM pragma_table_info('events')"))
            {
                info.Transaction = transaction;
                using var reader = info.ExecuteReader();
                while (reader.Read())
                {
                    columns.Add(reader.GetString(0));
                }
            }

            var steps = new List<string>();
            if (!columns.Contains("device_id"))
            {
                steps.Add("ALTER TABLE events ADD COLUMN device_id TEXT");
            }

            if (!columns.Contains("token_fp"))
            {
                steps.Add("ALTER TABLE events ADD COLUMN token_fp TEXT");
            }

            if (!columns.Contains("encryption"))
            {
                steps.Add("ALTER TABLE events ADD COLUMN encryption TEXT");
            }

            if (!columns.Contains("relation"))
            {
                steps.Add("ALTER TABLE events ADD COLUMN relation TEXT");
            }

            if (!columns.Contains("attachment"))
            {
                steps.Add("ALTER TABLE events ADD COLUMN attachment TEXT");
            }

            steps.Add("DROP INDEX IF EXISTS events_pending");
            steps.Add("CREATE INDEX IF NOT EXISTS events_pending_by_sender ON events (state, homeserver, user_id, room, id)");
            steps.AddRange(LedgerSchema);
            steps.AddRange(ConversationSchema);
            steps.Add($"PRAGMA user_version = {Version}");
            foreach (var step in steps)
            {
                using var command = Command(step);
                command.Transaction = transaction;
                command.ExecuteNonQuery();
            }

            transaction.Commit();
        }
    }

    /// <summary>The database file's full path.</summary>
    public string Path { get; }

    /// <summary><see cref="Storage.StatePaths.Outbox"/>: beside the credential cache, whose directory rule
    /// (<see cref="Storage.PrivateDirectory"/>) also makes the outbox's missing directories. An existing directory that
    /// bots share on purpose is used as it is.</summary>
    public static string DefaultPath() => Storage.StatePaths.Outbox();

    /// <summary>Stores the event durably (the call returns after the commit is synced) and returns its id. Enqueuing
    /// a transaction id that is already stored returns the stored entry's id: a producer's retry is not a second event.</summary>
    public long Enqueue(string homeserver, string? userId, string room, string eventType, JsonObject content, string transactionId) =>
        Enqueue([new OutboxItem(homeserver, userId, room, eventType, content, transactionId)])[0];

    /// <summary>Stores one event durably and returns its id (see <see cref="Enqueue(IReadOnlyList{OutboxItem})"/>).</summary>
    public long Enqueue(OutboxItem item) => Enqueue([item])[0];

    /// <summary>Stores several events in one transaction, synced once (group commit), and returns their ids in order.</summary>
    public long[] Enqueue(IReadOnlyList<OutboxItem> items) => Enqueue(items, null);

    /// <summary>As <see cref="Enqueue(IReadOnlyList{OutboxItem})"/>, with <paramref name="also"/> written in the same
    /// transaction (the alert ledger's record of what the events report: one synced commit for both).</summary>
    internal long[] Enqueue(IReadOnlyList<OutboxItem> items, Action<SqliteTransaction>? also)
    {
        lock (_gate)
        {
            using var transaction = _db.BeginTransaction();
            using var insert = Command("""
                INSERT INTO events (homeserver, user_id, device_id, token_fp, room, event_type, content, txn_id, enqueued_at, encryption, attachment)
                VALUES ($hs, $user, $device, $fp, $room, $type, $content, $txn, $now, $encryption, $attachment)
                ON CONFLICT (txn_id) DO NOTHING;
                SELECT id FROM events WHERE txn_id = $txn;
                """);
            insert.Transaction = transaction;
            var ids = new long[items.Count];
            for (var i = 0; i < items.Count; i++)
            {
                var item = items[i];
                insert.Parameters.Clear();
                insert.Parameters.AddWithValue("$hs", Key(item.Homeserver));
                insert.Parameters.AddWithValue("$user", (object?)item.UserId ?? DBNull.Value);
                insert.Parameters.AddWithValue("$device", (object?)item.DeviceId ?? DBNull.Value);
                insert.Parameters.AddWithValue("$fp", (object?)(item.UserId is null ? item.TokenFingerprint : null) ?? DBNull.Value);
                insert.Parameters.AddWithValue("$room", item.Room);
                insert.Parameters.AddWithValue("$type", item.EventType);
                insert.Parameters.AddWithValue("$content", item.Content.ToJsonString());
                insert.Parameters.AddWithValue("$txn", item.TransactionId);
                insert.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                insert.Parameters.AddWithValue("$encryption", item.EncryptionRequired ? "required" : DBNull.Value);
                insert.Parameters.AddWithValue("$attachment", (object?)item.Attachment?.ToJson() ?? DBNull.Value);
                ids[i] = item.Converses ? EnqueueConversing(transaction, insert, item) : (long)insert.ExecuteScalar()!;
            }

            also?.Invoke(transaction);
            transaction.Commit();
            return ids;
        }
    }

    /// <summary>Undelivered events of known senders in <paramref name="scope"/>, oldest first: at most
    /// <paramref name="perLane"/> of each lane (homeserver, sender, room: the unit whose order delivery keeps), so a busy
    /// room does not crowd the others out of a pass, leaving out <paramref name="skipLanes"/> (lanes backing off: their
    /// events are not read until they may go again). Events whose sender is not known yet are not delivered.</summary>
    public List<OutboxEntry> Pending(OutboxScope scope, int perLane, IReadOnlyCollection<OutboxLane>? skipLanes = null)
    {
        lock (_gate)
        {
            var skip = skipLanes?.ToList() ?? [];
            using var select = Command($"""
                SELECT id, homeserver, user_id, room, event_type, content, txn_id, enqueued_at, attempts, last_error, device_id, encryption, relation, attachment FROM (
                  SELECT *, ROW_NUMBER() OVER (PARTITION BY homeserver, user_id, room ORDER BY id) AS place
                  FROM events WHERE state = 'pending' AND user_id IS NOT NULL{Where(scope)}
                  {(skip.Count == 0 ? "" : "AND (homeserver || char(10) || user_id || char(10) || room) NOT IN (" + string.Join(", ", skip.Select((_, i) => "$skip" + i)) + ")")})
                WHERE place <= $limit ORDER BY id
                """);
            Bind(select, scope);
            select.Parameters.AddWithValue("$limit", perLane);
            foreach (var (lane, i) in skip.Select((lane, i) => (lane, i)))
            {
                select.Parameters.AddWithValue("$skip" + i, Key(lane.Homeserver) + "\n" + lane.UserId + "\n" + lane.Room);
            }

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
                    DeviceId = reader.IsDBNull(10) ? null : reader.GetString(10),
                    EncryptionRequired = !reader.IsDBNull(11) && reader.GetString(11) == "required",
                    Relation = Sending.RelationTarget.FromJson(reader.IsDBNull(12) ? null : reader.GetString(12)),
                    Attachment = OutboxAttachment.FromJson(reader.IsDBNull(13) ? null : reader.GetString(13)),
                });
            }

            return entries;
        }
    }

    /// <summary>The pending events of <paramref name="homeserver"/>, every sender (see <see cref="Pending(OutboxScope, int, IReadOnlyCollection{OutboxLane}?)"/>).</summary>
    public List<OutboxEntry> Pending(string homeserver, int perLane) => Pending(new OutboxScope(homeserver), perLane);

    /// <summary>Who has events waiting in <paramref name="scope"/>: one row per homeserver and sender (a null
    /// <see cref="OutboxSender.UserId"/> for the events whose sender is not known yet), oldest first.</summary>
    public List<OutboxSender> Senders(OutboxScope scope)
    {
        lock (_gate)
        {
            using var select = Command($"""
                SELECT homeserver, user_id, COUNT(*), MIN(enqueued_at) FROM events
                WHERE state = 'pending'{Where(scope with { UserId = null })}{(scope.UserId is null ? "" : " AND (user_id = $user OR user_id IS NULL)")}
                GROUP BY homeserver, user_id ORDER BY MIN(id)
                """);
            Bind(select, scope);
            using var reader = select.ExecuteReader();
            var senders = new List<OutboxSender>();
            var now = DateTimeOffset.UtcNow;
            while (reader.Read())
            {
                senders.Add(new OutboxSender(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetInt64(2), now - DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3))));
            }

            return senders;
        }
    }

    /// <summary>Pending events on <paramref name="homeserver"/> whose sender is not known: those queued with the access
    /// token of <paramref name="tokenFingerprint"/>, or (null) all of them.</summary>
    public long UnattributedCount(string homeserver, string? tokenFingerprint)
    {
        lock (_gate)
        {
            using var count = Command("SELECT COUNT(*) FROM events WHERE state = 'pending' AND user_id IS NULL AND homeserver = $hs AND ($fp IS NULL OR token_fp = $fp)");
            count.Parameters.AddWithValue("$hs", Key(homeserver));
            count.Parameters.AddWithValue("$fp", (object?)tokenFingerprint ?? DBNull.Value);
            return (long)count.ExecuteScalar()!;
        }
    }

    /// <summary>Records <paramref name="userId"/> (and its device) as the sender of the pending events on
    /// <paramref name="homeserver"/> whose sender is not known: those queued with the access token of
    /// <paramref name="tokenFingerprint"/> (the session that holds that token has said whose it is), or, when null, all
    /// of them (an operator's explicit choice). Returns how many.</summary>
    public int Attribute(string homeserver, string? tokenFingerprint, string userId, string? deviceId)
    {
        lock (_gate)
        {
            using var update = Command("""
                UPDATE events SET user_id = $user, device_id = COALESCE(device_id, $device), token_fp = NULL
                WHERE state = 'pending' AND user_id IS NULL AND homeserver = $hs AND ($fp IS NULL OR token_fp = $fp)
                """);
            update.Parameters.AddWithValue("$hs", Key(homeserver));
            update.Parameters.AddWithValue("$fp", (object?)tokenFingerprint ?? DBNull.Value);
            update.Parameters.AddWithValue("$user", userId);
            update.Parameters.AddWithValue("$device", (object?)deviceId ?? DBNull.Value);
            return update.ExecuteNonQuery();
        }
    }

    private static string Where(OutboxScope scope) =>
        (scope.Homeserver is null ? "" : " AND homeserver = $hs") + (scope.UserId is null ? "" : " AND user_id = $user") + (scope.Room is null ? "" : " AND room = $room");

    private static void Bind(SqliteCommand command, OutboxScope scope)
    {
        if (scope.Homeserver is not null)
        {
            command.Parameters.AddWithValue("$hs", Key(scope.Homeserver));
        }

        if (scope.UserId is not null)
        {
            command.Parameters.AddWithValue("$user", scope.UserId);
        }

        if (scope.Room is not null)
        {
            command.Parameters.AddWithValue("$room", scope.Room);
        }
    }

    /// <summary>Marks events delivered, in one transaction that is not synced now (the next durable commit syncs it):
    /// should the marks be lost in a crash, the events are sent again with their stored transaction ids and the server
    /// answers with the events it already has.</summary>
    public void MarkDelivered(IReadOnlyCollection<(long Id, string EventId)> delivered)
    {
        if (delivered.Count == 0)
        {
            return;
        }

        lock (_gate)
        {
            Execute("PRAGMA synchronous = NORMAL");
            try
            {
                using var transaction = _db.BeginTransaction();
                using var update = Command("UPDATE events SET state = 'delivered', event_id = $event, attempts = attempts + 1, done_at = $now WHERE id = $id");
                update.Transaction = transaction;
                var id = update.Parameters.Add("$id", SqliteType.Integer);
                var eventId = update.Parameters.Add("$event", SqliteType.Text);
                update.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                foreach (var (rowId, evt) in delivered)
                {
                    id.Value = rowId;
                    eventId.Value = evt;
                    update.ExecuteNonQuery();
                }

                transaction.Commit();
            }
            finally
            {
                Execute("PRAGMA synchronous = FULL");
            }
        }
    }

    /// <summary>Undelivered events, of one homeserver or all (an index range: the relay checks it for every event it accepts).</summary>
    public long PendingCount(string? homeserver = null)
    {
        lock (_gate)
        {
            return Count("pending", homeserver);
        }
    }

    /// <summary>Refused for good: kept, with the server's error, until purged.</summary>
    public void MarkDead(long id, string error)
    {
        lock (_gate)
        {
            using var update = Command("UPDATE events SET state = 'dead', last_error = $error, attempts = attempts + 1, done_at = $now WHERE id = $id");
            update.Parameters.AddWithValue("$id", id);
            update.Parameters.AddWithValue("$error", error);
            update.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            update.ExecuteNonQuery();
        }
    }

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

    /// <summary>Counts by state and the oldest undelivered event's age, each an index range (states first, then
    /// homeserver): cheap enough to serve every <c>/metrics</c> scrape however many delivered events are kept.</summary>
    public OutboxStats Stats(string? homeserver = null)
    {
        lock (_gate)
        {
            var (pending, oldest) = PendingSummary(homeserver);
            return new OutboxStats(pending, Count("delivered", homeserver), Count("dead", homeserver), oldest);
        }
    }

    /// <summary>How many events wait, and how long the oldest has waited.</summary>
    public (long Count, TimeSpan? OldestAge) PendingSummary(string? homeserver = null)
    {
        lock (_gate)
        {
            using var select = Command(homeserver is null
                ? "SELECT enqueued_at FROM events WHERE state = 'pending' ORDER BY id LIMIT 1"
                : "SELECT enqueued_at FROM events WHERE state = 'pending' AND homeserver = $hs ORDER BY id LIMIT 1");
            if (homeserver is not null)
            {
                select.Parameters.AddWithValue("$hs", Key(homeserver));
            }

            TimeSpan? age = select.ExecuteScalar() is long enqueued ? DateTimeOffset.UtcNow - DateTimeOffset.FromUnixTimeMilliseconds(enqueued) : null;
            return (age is null ? 0 : Count("pending", homeserver), age);
        }
    }

    private long Count(string state, string? homeserver)
    {
        using var count = Command(homeserver is null
            ? "SELECT COUNT(*) FROM events WHERE state = $state"
            : "SELECT COUNT(*) FROM events WHERE state = $state AND homeserver = $hs");
        count.Parameters.AddWithValue("$state", state);
        if (homeserver is not null)
        {
            count.Parameters.AddWithValue("$hs", Key(homeserver));
        }

        return (long)count.ExecuteScalar()!;
    }

    /// <summary>The dead events (refused for good), with the server's error, for <c>outbox status</c>.</summary>
    public List<OutboxEntry> Dead(int limit)
    {
        lock (_gate)
        {
            using var select = Command("SELECT id, homeserver, user_id, room, event_type, txn_id, attempts, last_error, device_id FROM events WHERE state = 'dead' ORDER BY id LIMIT $limit");
            select.Parameters.AddWithValue("$limit", limit);
            using var reader = select.ExecuteReader();
            var entries = new List<OutboxEntry>();
            while (reader.Read())
            {
                entries.Add(new OutboxEntry(reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3), reader.GetString(4), [], reader.GetString(5))
                {
                    Attempts = reader.GetInt32(6),
                    LastError = reader.IsDBNull(7) ? null : reader.GetString(7),
                    DeviceId = reader.IsDBNull(8) ? null : reader.GetString(8),
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
            var before = (DateTimeOffset.UtcNow - olderThan).ToUnixTimeMilliseconds();
            using var transaction = _db.BeginTransaction();
            KeepConversationEvents(transaction, before);
            var files = new List<OutboxAttachment>();
            using (var attached = Command("SELECT attachment FROM events WHERE attachment IS NOT NULL AND (state = 'delivered' OR ($dead AND state = 'dead')) AND done_at <= $before"))
            {
                attached.Transaction = transaction;
                attached.Parameters.AddWithValue("$dead", includeDead);
                attached.Parameters.AddWithValue("$before", before);
                using var reader = attached.ExecuteReader();
                while (reader.Read())
                {
                    files.Add(OutboxAttachment.FromJson(reader.GetString(0))!);
                }
            }

            using var delete = Command("DELETE FROM events WHERE (state = 'delivered' OR ($dead AND state = 'dead')) AND done_at <= $before");
            delete.Transaction = transaction;
            delete.Parameters.AddWithValue("$dead", includeDead);
            delete.Parameters.AddWithValue("$before", before);
            var purged = delete.ExecuteNonQuery();
            transaction.Commit();
            files.ForEach(ForgetAttachment);
            return purged;
        }
    }

    /// <summary>Homeservers are compared without a trailing slash.</summary>
    public static string Key(string homeserver) => homeserver.TrimEnd('/');

    /// <summary>Closes the database.</summary>
    public void Dispose()
    {
        _db.Dispose();
        _reader?.Dispose();
    }

    /// <summary>A second connection for the lookups a writer must not hold up (the alert ledger's and the conversation
    /// map's): in WAL mode it reads the last commit while the main connection writes and syncs the next. Opened on
    /// first use, under <see cref="_readGate"/>.</summary>
    private SqliteConnection? _reader;
    private readonly Lock _readGate = new();

    private SqliteCommand ReadCommand(string sql)
    {
        if (_reader is null)
        {
            _reader = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString());
            _reader.Open();
            using var pragmas = _reader.CreateCommand();
            pragmas.CommandText = "PRAGMA busy_timeout = 10000; PRAGMA cache_size = -256;";
            pragmas.ExecuteNonQuery();
        }

        var command = _reader.CreateCommand();
        command.CommandText = sql;
        return command;
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
