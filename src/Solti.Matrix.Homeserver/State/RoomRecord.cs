namespace Solti.Matrix.Homeserver.State;

public sealed class RoomRecord
{
    public required string RoomId { get; set; }
    public required string Version { get; set; }
    public required string Creator { get; set; }

    /// <summary>Event ids in stream order.</summary>
    public List<string> Timeline { get; set; } = [];

    /// <summary>Current state: <c>type\u001fstate_key</c> → event id.</summary>
    public Dictionary<string, string> CurrentState { get; set; } = [];

    /// <summary>Published in the room directory.</summary>
    public bool Public { get; set; }

    public bool Blocked { get; set; }
}
