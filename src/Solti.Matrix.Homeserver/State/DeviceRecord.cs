namespace Solti.Matrix.Homeserver.State;

public sealed class DeviceRecord
{
    public required string UserId { get; set; }
    public required string DeviceId { get; set; }
    public string? DisplayName { get; set; }
    public long? LastSeenTs { get; set; }
    public string? LastSeenIp { get; set; }
    public string? LastSeenUserAgent { get; set; }
}
