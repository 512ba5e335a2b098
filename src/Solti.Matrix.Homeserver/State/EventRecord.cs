namespace Solti.Matrix.Homeserver.State;

public sealed class EventRecord
{
    public required string EventId { get; set; }
    public required string RoomId { get; set; }
    public required string Type { get; set; }
    public required string Sender { get; set; }
    public string? StateKey { get; set; }
    public required JsonObject Content { get; set; }
    public long OriginServerTs { get; set; }
    public long StreamOrdering { get; set; }

    /// <summary>The txn id and its scope (device or token) for echoing <c>unsigned.transaction_id</c>.</summary>
    public string? TxnId { get; set; }
    public string? TxnScope { get; set; }

    /// <summary>For an <c>m.room.redaction</c>: the event it redacts.</summary>
    public string? Redacts { get; set; }

    /// <summary>The redaction that redacted this event (its content is already stripped), or null.</summary>
    public string? RedactedBy { get; set; }
}
