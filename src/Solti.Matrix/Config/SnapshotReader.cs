namespace Solti.Matrix.Config;

/// <summary>The read phase: reads only what the input manages, choosing the cheaper of paging the user list and one
/// request per account, and reading each room's whole state in one request (a room whose id the caller gives is not
/// resolved by alias).</summary>
public static class SnapshotReader
{
    private const int PageSize = 100;
    private const int Parallelism = 4;

    /// <summary>Reads, as <paramref name="admin"/>, what the server has of every user and room of
    /// <paramref name="desired"/>, a few requests at a time.</summary>
    public static async Task<ServerSnapshot> ReadAsync(SynapseAdminClient admin, DesiredState desired, CancellationToken cancellationToken)
    {
        var whoami = await admin.Session.WhoAmIAsync(cancellationToken);
        var snapshot = new ServerSnapshot(whoami["user_id"]?.GetValue<string>() ?? "");
        await ReadUsersAsync(admin, desired, snapshot, cancellationToken);
        await ReadRoomsAsync(admin, desired, snapshot, cancellationToken);
        return snapshot;
    }

    private static async Task ReadUsersAsync(SynapseAdminClient admin, DesiredState desired, ServerSnapshot snapshot, CancellationToken cancellationToken)
    {
        var wanted = desired.Users.Select(u => u.UserId).ToHashSet(StringComparer.Ordinal);
        var found = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        if (wanted.Count > 2 && await admin.MasAsync(cancellationToken) is null)
        {
            // (Through MAS each account is read on its own: Synapse's list has Synapse's flags, not MAS's.)
            // Page the list while the pages left cost fewer requests than asking for each account still unseen.
            string? from = "0";
            while (from is not null)
            {
                var (users, next, total) = await admin.ListUsersPageAsync(from, PageSize, cancellationToken);
                foreach (var user in users.Where(u => u["name"]?.GetValue<string>() is { } name && wanted.Contains(name)))
                {
                    found[user["name"]!.GetValue<string>()] = user;
                }

                if (next is null)
                {
                    foreach (var name in wanted.Where(w => !found.ContainsKey(w)))
                    {
                        snapshot.Users[name] = null; // the whole list was read: unknown
                    }

                    break;
                }

                var seen = int.TryParse(next, out var offset) ? offset : total;
                var pagesLeft = (Math.Max(0, total - seen) + PageSize - 1) / PageSize;
                var unseen = wanted.Count - found.Count;
                from = unseen > 0 && pagesLeft < unseen ? next : null;
            }
        }

        foreach (var (name, user) in found)
        {
            snapshot.Users[name] = user;
        }

        await ForEachAsync(wanted.Where(w => !snapshot.Users.ContainsKey(w)).ToList(), async (name, ct) =>
        {
            var user = await admin.GetUserAsync(name, ct);
            lock (snapshot.Users)
            {
                snapshot.Users[name] = user;
            }
        }, cancellationToken);

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
                foreach (var e in await admin.RoomStateAsync(roomId, ct))
                {
                    if (e?["type"]?.GetValue<string>() is { } type && e["content"] is JsonObject content)
                    {
                        state[(type, e["state_key"]?.GetValue<string>() ?? "")] = (JsonObject)content.DeepClone();
                    }
                }

                read = new RoomSnapshot(roomId, state);
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
        items.Count == 0 ? Task.CompletedTask : Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken }, async (item, ct) => await body(item, ct));
}
