namespace Solti.Matrix.Homeserver.Admin.Rooms;

/// <summary>Synapse's history purges (<c>POST /_synapse/admin/v1/purge_history</c>): each runs in the background,
/// <c>active</c> → <c>complete</c> (or <c>failed</c> with an <c>error</c>), and its status is kept in memory, as Synapse
/// 1.67 kept it: forgotten 24 hours after it ends, or at a restart. For tests, purges can be held in <c>active</c> and
/// released (<c>/_solti/testing/v1/purge_hold</c>), so no test races the purge.</summary>
public sealed class HistoryPurges(ServerState state)
{
    /// <summary>How long a finished purge's status is kept (Synapse's <c>CLEAR_PURGE_AFTER_MS</c>).</summary>
    public static readonly TimeSpan Kept = TimeSpan.FromHours(24);

    private readonly Dictionary<string, Purge> _byId = new(StringComparer.Ordinal);
    private readonly List<(Purge Purge, Action Run)> _held = [];
    private bool _hold;

    /// <summary>Starts a purge of <paramref name="roomId"/> doing <paramref name="run"/> (called under the state lock);
    /// returns its id.</summary>
    public string Start(string roomId, Action run)
    {
        if (state.Options.Compatibility.PurgeHistoryOnePerRoom && _byId.Values.Any(p => p.RoomId == roomId && p.Status == "active"))
        {
            throw Errors.Unknown(400, "History purge already in progress for " + roomId);
        }

        var purge = new Purge(Identifiers.Random("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", 16), roomId);
        _byId[purge.Id] = purge;
        if (_hold)
        {
            _held.Add((purge, run));
        }
        else
        {
            _ = Task.Run(() =>
            {
                lock (state.Sync)
                {
                    Finish(purge, run);
                }
            });
        }

        return purge.Id;
    }

    /// <summary>The purge's status as Synapse answers it, or null when unknown or forgotten.</summary>
    public JsonObject? Status(string purgeId)
    {
        if (!_byId.TryGetValue(purgeId, out var purge))
        {
            return null;
        }

        if (purge.EndedMs is { } ended && state.NowMs - ended >= (long)Kept.TotalMilliseconds)
        {
            _byId.Remove(purgeId);
            return null;
        }

        var status = new JsonObject { ["status"] = purge.Status };
        if (purge.Error is not null)
        {
            status["error"] = purge.Error;
        }

        return status;
    }

    /// <summary>Testing: hold new purges in <c>active</c>, or release (run now, in order) the held ones. Called under the
    /// state lock.</summary>
    public int Hold(bool hold)
    {
        _hold = hold;
        var released = hold ? 0 : _held.Count;
        if (!hold)
        {
            foreach (var (purge, run) in _held)
            {
                Finish(purge, run);
            }

            _held.Clear();
        }

        return released;
    }

    private void Finish(Purge purge, Action run)
    {
        try
        {
            run();
            purge.Status = "complete";
        }
        catch (Http.HomeserverErrorException e)
        {
            purge.Status = "failed";
            purge.Error = e.Message;
        }

        purge.EndedMs = state.NowMs;
        state.Persist();
    }

    private sealed class Purge(string id, string roomId)
    {
        public string Id => id;
        public string RoomId => roomId;
        public string Status { get; set; } = "active";
        public string? Error { get; set; }
        public long? EndedMs { get; set; }
    }
}
