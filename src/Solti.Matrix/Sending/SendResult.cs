namespace Solti.Matrix.Sending;

/// <summary>What a send did: the event, the room it resolved to, and the transaction id actually used.</summary>
public sealed record SendResult(string EventId, string RoomId, string TransactionId, string EventType, bool Reauthenticated)
{
    /// <summary>Whether the event went out end-to-end encrypted (the room is encrypted).</summary>
    public bool Encrypted { get; init; }

    /// <summary>The devices of the room's members that were given no room key, each with why.</summary>
    public IReadOnlyList<string> WithheldDevices { get; init; } = [];
}
