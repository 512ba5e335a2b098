namespace Solti.Matrix.Homeserver.E2ee;

/// <summary>Device inboxes: to-device messages wait until a sync whose <c>since</c> is past them acknowledges them, as
/// Synapse deletes them.</summary>
public static class ToDeviceInbox
{
    /// <summary>Queues <c>messages</c> (<c>{user: {device or "*": content}}</c>) for local users' existing devices; <c>*</c>
    /// is every device of the user. Unknown users and devices, and remote users (no federation here), get nothing.</summary>
    public static void Send(ServerState state, string sender, string type, JsonObject messages)
    {
        foreach (var (userId, byDevice) in messages)
        {
            if (byDevice is not JsonObject devices || !state.IsLocal(userId))
            {
                continue;
            }

            foreach (var (deviceId, content) in devices)
            {
                if (content is not JsonObject body)
                {
                    continue;
                }

                var targets = deviceId == "*" ? state.DevicesOf(userId).ToList() : state.FindDevice(userId, deviceId) is { } one ? [one] : [];
                foreach (var device in targets.OrderBy(d => d.DeviceId, StringComparer.Ordinal))
                {
                    state.Data.ToDevice.Add(new ToDeviceRecord
                    {
                        Position = state.NextPosition(),
                        UserId = userId,
                        DeviceId = device.DeviceId,
                        Sender = sender,
                        Type = type,
                        Content = (JsonObject)body.DeepClone(),
                        Held = state.Data.ToDeviceHolds.Contains(ServerState.DeviceKey(userId, device.DeviceId)),
                    });
                }
            }
        }
    }

    /// <summary>The messages of a device from <paramref name="since"/> on (all when null), in order.</summary>
    public static List<ToDeviceRecord> Pending(ServerState state, string userId, string deviceId, long? since) =>
        [.. state.Data.ToDevice.Where(m => m.UserId == userId && m.DeviceId == deviceId && !m.Held && (since is null || m.Position >= since))];

    /// <summary>Deletes the messages before <paramref name="since"/>: the client has them. True when any went.</summary>
    public static bool Acknowledge(ServerState state, string userId, string deviceId, long since) =>
        state.Data.ToDevice.RemoveAll(m => m.UserId == userId && m.DeviceId == deviceId && !m.Held && m.Position < since) > 0;

    /// <summary>Testing: holds back the device's new to-device messages (<paramref name="hold"/>), or releases them: the
    /// held messages take new stream positions, in their order, so the device's next sync has them.</summary>
    public static void Hold(ServerState state, string userId, string deviceId, bool hold)
    {
        var key = ServerState.DeviceKey(userId, deviceId);
        state.Data.ToDeviceHolds.Remove(key);
        if (hold)
        {
            state.Data.ToDeviceHolds.Add(key);
            return;
        }

        foreach (var message in state.Data.ToDevice.Where(m => m.Held && m.UserId == userId && m.DeviceId == deviceId).ToList())
        {
            state.Data.ToDevice.Remove(message);
            message.Held = false;
            message.Position = state.NextPosition();
            state.Data.ToDevice.Add(message);
        }
    }

    /// <summary>A deleted device's inbox goes with it.</summary>
    public static void Drop(ServerState state, string userId, string deviceId) =>
        state.Data.ToDevice.RemoveAll(m => m.UserId == userId && m.DeviceId == deviceId);

    /// <summary>The sync form: <c>{content, type, sender}</c> (Synapse keeps its message id to itself).</summary>
    public static JsonObject Render(ToDeviceRecord message) => new()
    {
        ["content"] = message.Content.DeepClone(),
        ["type"] = message.Type,
        ["sender"] = message.Sender,
    };
}
