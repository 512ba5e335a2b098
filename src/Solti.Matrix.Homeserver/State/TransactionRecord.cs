namespace Solti.Matrix.Homeserver.State;

public sealed class TransactionRecord
{
    public required string EventId { get; set; }
    public long CreatedMs { get; set; }

    /// <summary>The event id was made up for a shadow-banned sender: no such event exists.</summary>
    public bool Fake { get; set; }
}
