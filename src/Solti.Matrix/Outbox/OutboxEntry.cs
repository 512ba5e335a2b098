namespace Solti.Matrix.Outbox;

/// <summary>One accepted event: where it goes, what it is, and the transaction id every delivery attempt reuses.</summary>
public sealed record OutboxEntry(long Id, string Homeserver, string? UserId, string Room, string EventType, JsonObject Content, string TransactionId)
{
    public DateTimeOffset EnqueuedAt { get; init; }

    public int Attempts { get; init; }

    public string? LastError { get; init; }
}

/// <summary>Counts by state and the age of the oldest undelivered event.</summary>
public sealed record OutboxStats(long Pending, long Delivered, long Dead, TimeSpan? OldestPendingAge);

/// <summary>An event to store: where it goes, what it is, and the transaction id every delivery attempt will reuse.</summary>
public sealed record OutboxItem(string Homeserver, string? UserId, string Room, string EventType, JsonObject Content, string TransactionId);
