namespace Solti.Matrix.Config;

/// <summary>The read phase: reads only what the input manages: the accounts as the account authority finds them the
/// cheapest way (<see cref="Accounts.IAccountAuthority.FindAsync"/>), and each room's whole state in one request (a room whose id the caller gives is not
/// resolved by alias).</summary>
public static class SnapshotReader
{
        
    /// <summary>Reads, as <paramref name="admin"/>, what the server has of every user and room of
    /// <paramref name="desired"/>, a few requests at a time.</summary>
    public static async Task<ServerSnapshot> ReadAsync(SynapseAdminClient admin, DesiredState desired, CancellationToken cancellationToken)
    {
        var whoami = await admin.Session.WhoAmIAsync(cancellationToken);
        var snapshot = new ServerSnapshot(whoami["user_id"]?.GetValue<string>() ?? "");
        await ReadUsersAsync(admin, desired, snapshot, cancellationToken);
        await ReadRoomsAsync(admin, desired, snapshot, cancellationToken);
        if (desired.Rooms.Any(r => r.Present && r.RoomVersion is null && snapshot.Rooms.GetValueOrDefault(r.Key) is null && Config.PowerLevels.TouchesCreators(r)))
        {
            // The levels of a room to create depend on its version's rules (creators privileged in version 12).
            snapshot.DefaultRoomVersion = await admin.DefaultRoomVersionAsync(cancellationToken);
        }

        return snapshot;
    }

    private static async Task ReadUsersAsync(SynapseAdminClient admin, DesiredState desired, ServerSnapshot snapshot, CancellationToken cancellationToken)
    {
        var accounts = await admin.AccountsAsync(cancellationToken);
        foreach (var (name, account) in await accounts.FindAsync(desired.Users.Select(u => u.UserId).ToList(), cancellationToken))
        {
            snapshot.Users[name] = account;
        }

        var overrides = desired.Users.Where(u => u.Present && u.RatelimitOverride is not null && snapshot.Users[u.UserId] is not null).Select(u => u.UserId).ToList();
        await ForEachAsync(overrides, async (name, ct) =>
        {
            var current = await admin.GetRatelimitOverrideAsync(name, ct);
            lock (snapshot.Ratelimits)
            {
                snapshot.Ratelimits[name] = current;
            }
        }, cancellationToken);
    }

    private static async Task ReadRoomsAsync(SynapseAdminClient admin, DesiredState desired, ServerSnapshot snapshot, CancellationToken cancellationToken)
    {
        await ForEachAsync(desired.Rooms, async (room, ct) =>
        {
            RoomSnapshot? read = null;
            var roomId = room.RoomId ?? await admin.ResolveAliasAsync(room.Alias, ct);
            if (roomId is not null && !room.Present)
            {
                read = new RoomSnapshot(roomId, []);
            }
            else if (roomId is not null)
            {
                var state = new Dictionary<(string, string), JsonObject>();
                string? creator = null;
                foreach (var e in await admin.RoomStateAsync(roomId, ct))
                {
                    if (e?["type"]?.GetValue<string>() is { } type && e["content"] is JsonObject content)
                    {
                        state[(type, e["state_key"]?.GetValue<string>() ?? "")] = (JsonObject)content.DeepClone();
                        creator = type == "m.room.create" ? e["sender"]?.GetValue<string>() : creator;
                    }
                }

                read = new RoomSnapshot(roomId, state) { CreateSender = creator };
                if (room.Visibility is not null)
                {
                    read.Visibility = await admin.GetDirectoryVisibilityAsync(roomId, ct);
                }
            }

            lock (snapshot.Rooms)
            {
                snapshot.Rooms[room.Key] = read;
            }
        }, cancellationToken);
    }

    private static Task ForEachAsync<T>(IReadOnlyCollection<T> items, Func<T, CancellationToken, Task> body, CancellationToken cancellationToken) =>
        Accounts.SynapseAccounts.EachAsync(items, body, cancellationToken);
}
