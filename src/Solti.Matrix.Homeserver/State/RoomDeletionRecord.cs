namespace Solti.Matrix.Homeserver.State;

public sealed class RoomDeletionRecord
{
    public required string DeleteId { get; set; }
    public required string RoomId { get; set; }
    public required string Status { get; set; }
    public string? Error { get; set; }
    public List<string> KickedUsers { get; set; } = [];
    public List<string> LocalAliases { get; set; } = [];
    public string? NewRoomId { get; set; }
}
