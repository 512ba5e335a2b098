namespace Solti.Matrix.Homeserver.State;

public sealed class TransactionRecord
{
    public required string EventId { get; set; }
    public long CreatedMs { get; set; }
}
