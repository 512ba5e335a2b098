namespace Solti.Matrix.Homeserver.State;

/// <summary>A to-device message waiting in a device's inbox until a sync past <see cref="Position"/> acknowledges it.</summary>
public sealed class ToDeviceRecord
{
    public long Position { get; set; }
    public required string UserId { get; set; }
    public required string DeviceId { get; set; }
    public required string Sender { get; set; }
    public required string Type { get; set; }
    public required JsonObject Content { get; set; }

    /// <summary>Testing: held back by a to-device hold; neither synced nor acknowledged until released.</summary>
    public bool Held { get; set; }
}

/// <summary>The devices or device keys of <see cref="UserId"/> changed at <see cref="Position"/>.</summary>
public sealed class DeviceListChangeRecord
{
    public long Position { get; set; }
    public required string UserId { get; set; }
}

/// <summary>A user's account data of one type, global (<see cref="RoomId"/> null) or for a room.</summary>
public sealed class AccountDataRecord
{
    public long Position { get; set; }
    public required string UserId { get; set; }
    public string? RoomId { get; set; }
    public required string Type { get; set; }
    public required JsonObject Content { get; set; }
}

/// <summary>What <c>PUT /presence/{userId}/status</c> last set.</summary>
public sealed class PresenceRecord
{
    public required string Presence { get; set; }
    public string? StatusMsg { get; set; }
    public long LastActiveTs { get; set; }
}
