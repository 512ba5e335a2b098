using Solti.Matrix.Homeserver.Configuration;

namespace Solti.Matrix.Homeserver.State;

/// <summary>The homeserver's state and the one lock that guards it. Handlers run under <see cref="Sync"/>.</summary>
public sealed class ServerState
{
    private readonly StatePersistence? _persistence;

    public ServerState(HomeserverOptions options, TimeProvider time)
    {
        Options = options;
        Time = time;
        if (options.DataDirectory is { } dir)
        {
            _persistence = new StatePersistence(dir);
            Data = _persistence.Load();
        }
        else
        {
            Data = new ServerData();
        }
    }

    public Lock Sync { get; } = new();

    /// <summary>Completes waiters on every new stream position (<see cref="NextPosition"/>).</summary>
    public StreamNotifier Notifier { get; } = new();

    public ServerData Data { get; }

    public HomeserverOptions Options { get; }

    public TimeProvider Time { get; }

    public string ServerName => Options.ServerName;

    public long NowMs => Time.GetUtcNow().ToUnixTimeMilliseconds();

    public bool IsPersistent => _persistence is not null;

    /// <summary>Writes the state to disk (when a data directory is set). Call under <see cref="Sync"/>.</summary>
    public void Persist() => _persistence?.Save(Data);

    /// <summary>Takes the next position of the one stream that orders room events, to-device messages, device-list
    /// changes and account data (a sync token <c>s{n}</c> has seen everything before <c>n</c>), and wakes long polls.
    /// Call under <see cref="Sync"/>.</summary>
    public long NextPosition()
    {
        var position = Data.NextStreamOrdering++;
        Notifier.Notify();
        return position;
    }

    /// <summary>The position the next stream item will take: what a sync token taken now has seen.</summary>
    public long CurrentPosition => Data.NextStreamOrdering;

    public static string DeviceKey(string userId, string deviceId) => userId + "\u001f" + deviceId;

    public static string StateKey(string type, string stateKey) => type + "\u001f" + stateKey;

    public UserRecord? FindUser(string userId) => Data.Users.GetValueOrDefault(userId);

    public DeviceRecord? FindDevice(string userId, string deviceId) => Data.Devices.GetValueOrDefault(DeviceKey(userId, deviceId));

    public IEnumerable<DeviceRecord> DevicesOf(string userId) => Data.Devices.Values.Where(d => d.UserId == userId);

    public bool IsLocal(string userId) => userId.EndsWith(":" + ServerName, StringComparison.Ordinal);
}
