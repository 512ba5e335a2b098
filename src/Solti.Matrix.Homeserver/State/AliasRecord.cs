namespace Solti.Matrix.Homeserver.State;

public sealed class AliasRecord
{
    public required string RoomId { get; set; }
    public required string Creator { get; set; }
}
