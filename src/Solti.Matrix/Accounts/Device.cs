namespace Solti.Matrix.Accounts;

/// <summary>One of a user's devices, as the admin API lists it (<c>device_id</c>, <c>display_name</c>,
/// <c>last_seen_ts</c>, <c>last_seen_ip</c>, <c>last_seen_user_agent</c>); <see cref="ToJson"/> is that object.</summary>
public sealed class Device
{
    private readonly JsonObject _fields;

    private Device(string deviceId, JsonObject fields)
    {
        DeviceId = deviceId;
        _fields = fields;
    }

    /// <summary>The device id.</summary>
    public string DeviceId { get; }

    /// <summary>The device's display name, when it has one.</summary>
    public string? DisplayName => Text("display_name");

    /// <summary>The user agent it was last seen with, when known.</summary>
    public string? LastSeenUserAgent => Text("last_seen_user_agent");

    /// <summary>When it was last seen, in milliseconds since the epoch, when known.</summary>
    public long? LastSeenTs => RegistrationToken.Whole(_fields["last_seen_ts"]);

    /// <summary>The device as the admin API shapes it (a copy).</summary>
    public JsonObject ToJson() => (JsonObject)_fields.DeepClone();

    /// <summary>A device of the admin API's list; null when it has no <c>device_id</c>.</summary>
    public static Device? FromSynapse(JsonNode? answer) =>
        answer is JsonObject fields && fields["device_id"] is JsonValue id && id.TryGetValue<string>(out var deviceId)
            ? new Device(deviceId, (JsonObject)fields.DeepClone())
            : null;

    private string? Text(string key) => _fields[key] is JsonValue v && v.TryGetValue<string>(out var text) ? text : null;

    /// <inheritdoc/>
    public override string ToString() => $"Device {DeviceId}";
}
