using Solti.Matrix.Homeserver.Faults;
using Solti.Matrix.Homeserver.RateLimiting;
using Solti.Matrix.Homeserver.Rooms;

namespace Solti.Matrix.Homeserver;

/// <summary>The services every endpoint reaches: state, rooms, limiters, counters and faults.</summary>
public sealed class ServerContext
{
    public ServerContext(ServerState state)
    {
        State = state;
        RateLimiter = new RateLimiter(state);
        Events = new RoomEvents(state);
        Authorizer = new RoomAuthorizer(Events);
        Aliases = new RoomAliases(state);
        Memberships = new Memberships(state, Events, Authorizer);
        Creation = new RoomCreation(state, Events, Memberships, Aliases);
        Syncs = new Sync.SyncResponses(this);
        MediaFiles = new Media.MediaFiles(state.Options.DataDirectory);
        Purges = new Admin.Rooms.HistoryPurges(state);
    }

    public ServerState State { get; }

    public RateLimiter RateLimiter { get; }

    public RoomEvents Events { get; }

    public RoomAuthorizer Authorizer { get; }

    public RoomAliases Aliases { get; }

    public Memberships Memberships { get; }

    public RoomCreation Creation { get; }

    /// <summary>Long-polled, cached <c>/sync</c> answers.</summary>
    public Sync.SyncResponses Syncs { get; }

    /// <summary>The bytes of uploaded media: files under the data directory, else in memory.</summary>
    public Media.MediaFiles MediaFiles { get; }

    /// <summary>History purges and their status, in memory as Synapse keeps them.</summary>
    public Admin.Rooms.HistoryPurges Purges { get; }

    /// <summary>Testing: the background update shown as running (<c>/_solti/testing/v1/background_update</c>), or none.</summary>
    public JsonObject? RunningBackgroundUpdate { get; set; }

    public RequestCounters Counters { get; } = new();

    public FaultInjector Faults { get; } = new();

    /// <summary>The requests answered <c>M_UNRECOGNIZED</c>, for the testing API.</summary>
    public UnservedRequests Unserved { get; } = new();

    /// <summary>Runs <paramref name="action"/> under the state lock (deferred replies, which run outside it).</summary>
    public T Locked<T>(Func<T> action)
    {
        lock (State.Sync)
        {
            return action();
        }
    }
}
