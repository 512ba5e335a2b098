namespace Solti.Matrix.Homeserver.Admin.Rooms;

/// <summary>What a v2 room deletion was asked to do, and by whom.</summary>
public sealed record RoomDeletionRequest(bool Block, bool Purge, string? Message, string? NewRoomUserId, string? RoomName, string Requester);
