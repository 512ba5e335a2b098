namespace Solti.Matrix.Homeserver.E2ee;

/// <summary>Device-list tracking: whose devices or device keys changed, and who a user stopped sharing rooms with, as
/// sync's <c>device_lists</c> and <c>/keys/changes</c> report them.</summary>
public static class DeviceLists
{
    /// <summary>Records that <paramref name="userId"/>'s devices changed (a device added, deleted or renamed, or its keys
    /// uploaded anew), which wakes long polls.</summary>
    public static void Changed(ServerState state, string userId) =>
        state.Data.DeviceListChanges.Add(new DeviceListChangeRecord { Position = state.NextPosition(), UserId = userId });

    /// <summary>Since <paramref name="since"/>: <c>changed</c>, the users sharing a room with <paramref name="userId"/>
    /// (and the user) whose device list changed or who share a room with the user that they did not share then; <c>left</c>,
    /// the users who shared a room then and share none now. As Synapse, a room shares when both are joined.</summary>
    public static (List<string> Changed, List<string> Left) Since(ServerContext server, string userId, long since)
    {
        var now = SharingWith(server, userId, null);
        var then = SharingWith(server, userId, since);
        var changedDevices = server.State.Data.DeviceListChanges.Where(c => c.Position >= since).Select(c => c.UserId).ToHashSet(StringComparer.Ordinal);
        var changed = now.Where(u => changedDevices.Contains(u) || !then.Contains(u)).Order(StringComparer.Ordinal).ToList();
        var left = then.Where(u => !now.Contains(u)).Order(StringComparer.Ordinal).ToList();
        return (changed, left);
    }

    /// <summary>The users joined to a room <paramref name="userId"/> is joined to (and the user), now or at a position.</summary>
    public static HashSet<string> SharingWith(ServerContext server, string userId, long? position)
    {
        var users = new HashSet<string>(StringComparer.Ordinal) { userId };
        foreach (var room in server.State.Data.Rooms.Values)
        {
            var members = server.Events.MembershipsAt(room, position);
            if (members.GetValueOrDefault(userId) == "join")
            {
                users.UnionWith(members.Where(m => m.Value == "join").Select(m => m.Key));
            }
        }

        return users;
    }
}
