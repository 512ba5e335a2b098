namespace Solti.Matrix.Homeserver.State;

public sealed class DeviceRecord
{
    public required string UserId { get; set; }
    public required string DeviceId { get; set; }
    public string? DisplayName { get; set; }
    public long? LastSeenTs { get; set; }
    public string? LastSeenIp { get; set; }
    public string? LastSeenUserAgent { get; set; }

    /// <summary>The device's identity keys (<c>device_keys</c> of <c>/keys/upload</c>), keys sorted as Synapse stores
    /// canonical JSON; null until uploaded. They go with the device when it is deleted.</summary>
    public JsonObject? Keys { get; set; }

    /// <summary>Unclaimed one-time keys in upload order.</summary>
    public List<OneTimeKeyRecord> OneTimeKeys { get; set; } = [];

    /// <summary>The fallback key per algorithm.</summary>
    public Dictionary<string, FallbackKeyRecord> FallbackKeys { get; set; } = [];
}

public sealed class OneTimeKeyRecord
{
    public required string Algorithm { get; set; }
    public required string KeyId { get; set; }
    public required JsonNode Key { get; set; }
}

public sealed class FallbackKeyRecord
{
    public required string KeyId { get; set; }
    public required JsonNode Key { get; set; }

    /// <summary>Claimed since it was uploaded (it is still handed out, and stays until replaced).</summary>
    public bool Used { get; set; }
}
