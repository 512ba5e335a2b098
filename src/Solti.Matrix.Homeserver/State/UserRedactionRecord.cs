namespace Solti.Matrix.Homeserver.State;

/// <summary>One <c>POST /_synapse/admin/v1/user/{userId}/redact</c> task: its rooms (resolved when it was asked), its
/// status (<c>scheduled</c> → <c>active</c> → <c>complete</c>/<c>failed</c>) and the events it could not redact.</summary>
public sealed class UserRedactionRecord
{
    public required string RedactId { get; set; }
    public required string UserId { get; set; }
    public required string Requester { get; set; }
    public List<string> Rooms { get; set; } = [];
    public string? Reason { get; set; }
    public int Limit { get; set; } = 1000;
    public string Status { get; set; } = "scheduled";
    public string? Error { get; set; }
    public JsonObject FailedRedactions { get; set; } = [];

    /// <summary>When the task ended (ms since the epoch): Synapse forgets it 24 hours later.</summary>
    public long? EndedMs { get; set; }
}
