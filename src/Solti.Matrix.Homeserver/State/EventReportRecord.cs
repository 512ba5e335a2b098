namespace Solti.Matrix.Homeserver.State;

/// <summary>A user's report of an event (<c>POST /rooms/{roomId}/report/{eventId}</c>), as Synapse's <c>event_reports</c>
/// table keeps it: the whole request body is its content (<c>reason</c>, <c>score</c>).</summary>
public sealed class EventReportRecord
{
    public long Id { get; set; }
    public long ReceivedTs { get; set; }
    public required string RoomId { get; set; }
    public required string EventId { get; set; }
    public required string UserId { get; set; }
    public required JsonObject Content { get; set; }
}
