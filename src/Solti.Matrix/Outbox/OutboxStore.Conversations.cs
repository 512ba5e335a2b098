using Microsoft.Data.Sqlite;
using Solti.Matrix.Sending;

namespace Solti.Matrix.Outbox;

/// <summary>Where a related event is known: a conversation key (a correlation id, an alert occurrence) in a room of a
/// homeserver, with the outbox entry that carries its first event and, once delivered, that event's id.</summary>
/// <param name="OutboxId">The entry, when the event went through the outbox.</param>
/// <param name="EventId">The event id, once known.</param>
/// <param name="Sender">Who sent (or sends) it.</param>
/// <param name="Covers">How many keys that event covers (an alert group's message covers several alerts).</param>
/// <param name="State">The entry's state (<c>pending</c>, <c>delivered</c>, <c>dead</c>); null when it is not, or no
/// longer, in the outbox.</param>
/// <param name="Error">Why the entry went dead.</param>
/// <param name="Relation">The entry's own relation (a thread reply's root, so that what goes in its thread goes in the
/// same one: a thread has one root).</param>
public sealed record ConversationEntry(long? OutboxId, string? EventId, string? Sender, int Covers, string? State, string? Error, RelationTarget? Relation = null);

/// <summary>What a relation comes to now: the target's event id, the entry it waits for, or why it is lost.</summary>
public sealed record RelationResolution(string? EventId, long? WaitingFor, string? Lost)
{
    /// <summary>The content to send: related to the target, or on its own and saying why.</summary>
    public JsonObject Apply(JsonObject content, RelationTarget target) =>
        EventId is not null ? Relations.Apply(content, target.Kind, EventId) : Relations.Lost(content, target, Lost ?? "its target is unknown");
}

/// <summary>A relation that cannot be made as asked: a key no event is known by, or an edit of another sender's
/// message. The message names the parameter.</summary>
public sealed class ConversationException(string parameter, string problem) : ArgumentException($"{parameter}: {problem}")
{
    /// <summary>The parameter at fault (<c>thread_root</c>, <c>reply_to</c>, <c>replaces</c>).</summary>
    public string Parameter { get; } = parameter;
}

/// <summary>The conversation map (format 5): <c>conversation</c> rows from a key to the entry or event that carries it,
/// and each entry's <c>relation</c>, resolved at delivery.</summary>
public sealed partial class OutboxStore
{
    /// <summary>How long a conversation's key is remembered after its first event was accepted.</summary>
    public static readonly TimeSpan ConversationMemory = TimeSpan.FromDays(90);

    private static readonly string[] ConversationSchema =
    [
        """
        CREATE TABLE IF NOT EXISTS conversation (
            homeserver TEXT NOT NULL,
            room TEXT NOT NULL,
            key TEXT NOT NULL,
            outbox_id INTEGER,
            event_id TEXT,
            sender TEXT,
            covers INTEGER NOT NULL DEFAULT 1,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (homeserver, room, key)
        ) WITHOUT ROWID
        """,
        "CREATE INDEX IF NOT EXISTS conversation_outbox ON conversation (outbox_id)",
    ];

    /// <summary>The event known by <paramref name="key"/> in <paramref name="room"/>, or null.</summary>
    public ConversationEntry? FindConversation(string homeserver, string room, string key)
    {
        lock (_readGate)
        {
            return Find(homeserver, room, key, null);
        }
    }

    /// <summary>What <paramref name="target"/> comes to now, for an event of <paramref name="sender"/>:
    /// <paramref name="delivered"/> answers for entries delivered but not yet marked. A key no event is known by is a
    /// <see cref="ConversationException"/>, and so is an edit of another sender's message.</summary>
    public RelationResolution Resolve(string homeserver, string room, RelationTarget target, string? sender, Func<long, string?>? delivered = null)
    {
        if (target.EventId is { } eventId)
        {
            return new(eventId, null, null);
        }

        var found = Check(homeserver, room, target, sender)!;
        if (target.Kind == RelationKind.Thread && found.Relation is { Kind: RelationKind.Thread } parent)
        {
            return Resolve(homeserver, room, parent, sender, delivered); // in a thread reply's thread, which is its root's
        }

        return found switch
        {
            { EventId: { } id } => new(id, null, null),
            { OutboxId: { } outbox } when delivered?.Invoke(outbox) is { } id => new(id, null, null),
            { State: "pending", OutboxId: { } outbox } => new(null, outbox, null),
            { State: "dead" } => new(null, null, $"its target was refused by the homeserver ({found.Error})"),
            _ => new(null, null, "its target was never delivered"),
        };
    }

    /// <summary>Refuses (<see cref="ConversationException"/>) a relation by a key no event is known by, or an edit of
    /// another sender's message; returns the target's entry (null for a target given by event id). Asked before an
    /// event is queued: the queue itself stores any relation and delivery posts an unresolvable one on its own.</summary>
    public ConversationEntry? Check(string homeserver, string room, RelationTarget target, string? sender)
    {
        if (target.Key is not { } key)
        {
            return null;
        }

        ConversationEntry? found;
        lock (_readGate)
        {
            found = Find(homeserver, room, key, null);
        }

        if (found is null)
        {
            throw new ConversationException(target.Parameter, $"no event is known by {Describe(key)} in {room} on this host (give its event id instead)");
        }

        if (target.Kind == RelationKind.Replace && found.Sender is { } author && sender is not null && author != sender)
        {
            throw new ConversationException(target.Parameter, $"{Describe(key)} was sent by {author}; only its sender may edit it (this event's sender is {sender})");
        }

        return found;
    }

    /// <summary>Remembers that the event <paramref name="eventId"/>, sent without the outbox, is the first known by
    /// <paramref name="keys"/> (a key already known keeps its first event).</summary>
    public void RememberConversation(string homeserver, string room, IReadOnlyList<string> keys, string eventId, string? sender)
    {
        lock (_gate)
        {
            using var transaction = _db.BeginTransaction();
            Register(transaction, homeserver, room, keys, null, eventId, sender);
            transaction.Commit();
        }
    }

    /// <summary>Stores a conversing item in <paramref name="transaction"/>: a correlation already known makes it a reply
    /// in the first event's thread, its keys are registered, its relation stored (never refused here, where one item
    /// would fail a whole group commit: <see cref="Check"/> is asked before). The same transaction id twice is the stored
    /// entry.</summary>
    private long EnqueueConversing(SqliteTransaction transaction, SqliteCommand insert, OutboxItem item)
    {
        using (var existing = Command("SELECT id FROM events WHERE txn_id = $txn"))
        {
            existing.Transaction = transaction;
            existing.Parameters.AddWithValue("$txn", item.TransactionId);
            if (existing.ExecuteScalar() is long id)
            {
                return id;
            }
        }

        var relation = item.Relation;
        if (relation is null && item.Correlation is { } correlation && Find(item.Homeserver, item.Room, correlation, transaction) is not null)
        {
            relation = RelationTarget.ToKey(RelationKind.Thread, correlation);
        }

        var row = (long)insert.ExecuteScalar()!;
        using (var update = Command("UPDATE events SET relation = $relation WHERE id = $id"))
        {
            update.Transaction = transaction;
            update.Parameters.AddWithValue("$relation", (object?)relation?.ToJson() ?? DBNull.Value);
            update.Parameters.AddWithValue("$id", row);
            update.ExecuteNonQuery();
        }

        var keys = item.Correlation is { } own && relation is null ? [own, .. item.Keys] : item.Keys;
        Register(transaction, item.Homeserver, item.Room, keys, row, null, item.UserId);
        return row;
    }

    /// <summary>Before delivered entries are purged, the rows that name them keep their event ids; keys older than
    /// <see cref="ConversationMemory"/> are forgotten.</summary>
    private void KeepConversationEvents(SqliteTransaction transaction, long before)
    {
        using var keep = Command("""
            UPDATE conversation SET event_id = (SELECT event_id FROM events WHERE events.id = conversation.outbox_id)
            WHERE event_id IS NULL AND outbox_id IN (SELECT id FROM events WHERE state = 'delivered' AND done_at <= $before);
            DELETE FROM conversation WHERE created_at < $forget;
            """);
        keep.Transaction = transaction;
        keep.Parameters.AddWithValue("$before", before);
        keep.Parameters.AddWithValue("$forget", (DateTimeOffset.UtcNow - ConversationMemory).ToUnixTimeMilliseconds());
        keep.ExecuteNonQuery();
    }

    private static string Describe(string key) => key.StartsWith("corr:", StringComparison.Ordinal) ? $"correlation id '{key[5..]}'" : $"'{key}'";

    private void Register(SqliteTransaction transaction, string homeserver, string room, IReadOnlyList<string> keys, long? outboxId, string? eventId, string? sender)
    {
        using var register = Command("""
            INSERT INTO conversation (homeserver, room, key, outbox_id, event_id, sender, covers, created_at)
            VALUES ($hs, $room, $key, $outbox, $event, $sender, $covers, $now)
            ON CONFLICT (homeserver, room, key) DO NOTHING
            """);
        register.Transaction = transaction;
        foreach (var key in keys)
        {
            register.Parameters.Clear();
            register.Parameters.AddWithValue("$hs", Key(homeserver));
            register.Parameters.AddWithValue("$room", room);
            register.Parameters.AddWithValue("$key", key);
            register.Parameters.AddWithValue("$outbox", (object?)outboxId ?? DBNull.Value);
            register.Parameters.AddWithValue("$event", (object?)eventId ?? DBNull.Value);
            register.Parameters.AddWithValue("$sender", (object?)sender ?? DBNull.Value);
            register.Parameters.AddWithValue("$covers", keys.Count(k => !k.StartsWith("corr:", StringComparison.Ordinal)) is var n and > 0 ? n : 1);
            register.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            register.ExecuteNonQuery();
        }
    }

    /// <summary>The row of <paramref name="key"/>: in <paramref name="transaction"/> on the main connection (under
    /// <see cref="_gate"/>), or, without one, on the reading connection (under <see cref="_readGate"/>).</summary>
    private ConversationEntry? Find(string homeserver, string room, string key, SqliteTransaction? transaction)
    {
        using var select = transaction is null ? ReadCommand(Lookup) : Command(Lookup);
        select.Transaction = transaction;
        select.Parameters.AddWithValue("$hs", Key(homeserver));
        select.Parameters.AddWithValue("$room", room);
        select.Parameters.AddWithValue("$key", key);
        using var reader = select.ExecuteReader();
        return reader.Read()
            ? new(reader.IsDBNull(0) ? null : reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetInt32(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                RelationTarget.FromJson(reader.IsDBNull(6) ? null : reader.GetString(6)))
            : null;
    }

    private const string Lookup = """
        SELECT c.outbox_id, COALESCE(c.event_id, e.event_id), c.sender, c.covers, e.state, e.last_error, e.relation
        FROM conversation c LEFT JOIN events e ON e.id = c.outbox_id
        WHERE c.homeserver = $hs AND c.room = $room AND c.key = $key
        """;
}
