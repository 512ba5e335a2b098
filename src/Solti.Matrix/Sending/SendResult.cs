namespace Solti.Matrix.Sending;

/// <summary>What a send did: the event, the room it resolved to, and the transaction id actually used.</summary>
public sealed record SendResult(string EventId, string RoomId, string TransactionId, string EventType, bool Reauthenticated);
