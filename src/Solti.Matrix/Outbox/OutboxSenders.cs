using Solti.Matrix.Sessions;

namespace Solti.Matrix.Outbox;

/// <summary>The sessions an outbox is delivered with: one per (homeserver, sender), so every entry goes out as the
/// user who queued it and never as anyone else. A session comes from a client given with its credentials
/// (<see cref="Add"/>: the relay's own, or the one a command's flags describe), else from that sender's session in the
/// credential cache (keyed by homeserver and user, as every session is). An entry that records its device is sent only
/// from that device, so that the server's transaction-id de-duplication holds. A sender with no such session: its
/// entries stay pending, and <see cref="Unavailable"/> says why.</summary>
public sealed class OutboxSenders : IDisposable
{
    private readonly Func<Uri, string, string?, MatrixClient>? _open;
    private readonly CredentialCache? _cache;
    private readonly List<MatrixClient> _given = [];
    private readonly Dictionary<MatrixClient, string> _givenUsers = [];
    private readonly Dictionary<(string Homeserver, string UserId), MatrixClient> _opened = [];
    private readonly Dictionary<(string Homeserver, string UserId), string> _unavailable = [];
    private readonly HashSet<MatrixClient> _notOwned = [];
    private readonly Lock _gate = new();

    /// <param name="open">Makes the client of a sender from the cache: homeserver, user id, the entry's device.</param>
    /// <param name="cache">Where the senders' sessions are looked up; null: only the given clients deliver.</param>
    public OutboxSenders(Func<Uri, string, string?, MatrixClient>? open, CredentialCache? cache)
    {
        _open = open;
        _cache = cache;
    }

    /// <summary>Only <paramref name="client"/>'s own events (those of its homeserver and user) are delivered.</summary>
    public static OutboxSenders Of(MatrixClient client)
    {
        var senders = new OutboxSenders(null, null);
        senders.Add(client, owned: false);
        return senders;
    }

    /// <summary>A client that holds a sender's credentials. Owned clients are disposed with this.</summary>
    public void Add(MatrixClient client, bool owned = true)
    {
        lock (_gate)
        {
            _given.Add(client);
            if (client.Session.UserId is { } user)
            {
                _givenUsers[client] = user;
            }

            if (!owned)
            {
                _notOwned.Add(client);
            }
        }
    }

    /// <summary>Why senders have no session now, by homeserver and user (the last pass's answer).</summary>
    public IReadOnlyDictionary<(string Homeserver, string UserId), string> Unavailable
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<(string, string), string>(_unavailable);
            }
        }
    }

    /// <summary>Learns whose the given clients are (whoami, for a bare token), and records them as the senders of the
    /// pending events that were queued with their tokens before the homeserver could say whose they were. A client
    /// whose homeserver does not answer yet is asked again on the next pass.</summary>
    public async Task AttributeAsync(OutboxStore store, CancellationToken cancellationToken)
    {
        List<MatrixClient> given;
        lock (_gate)
        {
            given = [.. _given];
        }

        foreach (var client in given)
        {
            var homeserver = client.Homeserver.ToString();
            var fingerprint = client.Session.AccessToken is { Length: > 0 } token ? SenderIdentity.Fingerprint(token) : null;
            string? user;
            lock (_gate)
            {
                _givenUsers.TryGetValue(client, out user);
            }

            if (user is null && fingerprint is not null && store.UnattributedCount(homeserver, fingerprint) > 0)
            {
                user = await WhoAsync(client, cancellationToken);
            }

            if (user is not null && fingerprint is not null)
            {
                store.Attribute(homeserver, fingerprint, user, client.Session.DeviceId);
            }
        }
    }

    /// <summary>Records <paramref name="userId"/> as the sender of every pending event on <paramref name="homeserver"/>
    /// whose sender is not known (an operator's explicit choice: <c>outbox flush --adopt-unattributed</c>).</summary>
    public static int Adopt(OutboxStore store, string homeserver, string userId, string? deviceId) => store.Attribute(homeserver, null, userId, deviceId);

    /// <summary>The client that sends as <paramref name="userId"/> on <paramref name="homeserver"/>, or null (the
    /// reason is kept in <see cref="Unavailable"/>).</summary>
    public async Task<MatrixClient?> ForAsync(string homeserver, string userId, string? deviceId, CancellationToken cancellationToken)
    {
        var key = (OutboxStore.Key(homeserver), userId);
        List<MatrixClient> unresolved;
        lock (_gate)
        {
            foreach (var (client, user) in _givenUsers)
            {
                if (user == userId && OutboxStore.Key(client.Homeserver.ToString()) == key.Item1 && SameDevice(deviceId, client.Session.DeviceId))
                {
                    _unavailable.Remove(key);
                    return client;
                }
            }

            if (_opened.TryGetValue(key, out var opened))
            {
                return SameDevice(deviceId, opened.Session.DeviceId) ? opened : Refuse(key, OtherDevice(userId, deviceId!, opened.Session.DeviceId!));
            }

            unresolved = [.. _given.Where(c => !_givenUsers.ContainsKey(c) && OutboxStore.Key(c.Homeserver.ToString()) == key.Item1)];
        }

        foreach (var client in unresolved)
        {
            if (await WhoAsync(client, cancellationToken) == userId)
            {
                return client;
            }
        }

        var why = CachedSessionProblem(new Uri(homeserver), userId, deviceId);
        lock (_gate)
        {
            if (why is not null)
            {
                _unavailable[key] = why;
                return null;
            }

            _unavailable.Remove(key);
            if (!_opened.TryGetValue(key, out var client))
            {
                client = _open!(new Uri(homeserver), userId, deviceId);
                _opened[key] = client;
            }

            return client;
        }
    }

    /// <summary>Null when the cache holds a session of the user (on <paramref name="deviceId"/>, when given); else what is
    /// missing (<see cref="CredentialCache.Probe"/>).</summary>
    public string? CachedSessionProblem(Uri homeserver, string userId, string? deviceId = null)
    {
        if (_open is null || _cache is null)
        {
            return "no session: this delivery only has the credentials it was given";
        }

        var (session, problem) = _cache.Probe(homeserver, userId);
        return session is not null && !SameDevice(deviceId, session.DeviceId) ? OtherDevice(userId, deviceId!, session.DeviceId!) : problem;
    }

    /// <summary>An entry that records no device goes with any session of its sender; one that does, only with a session on
    /// that device (or one whose device is not known yet).</summary>
    private static bool SameDevice(string? recorded, string? session) => recorded is null || session is null || recorded == session;

    private static string OtherDevice(string userId, string recorded, string session) =>
        $"queued from device {recorded}, but the session of {userId} is on device {session}, and events are never sent from another device (the server would not see a retry as one); " +
        $"sign in on {recorded} (`solti-matrix login --device-id {recorded}`) to deliver them";

    private MatrixClient? Refuse((string, string) key, string why)
    {
        _unavailable[key] = why;
        return null;
    }

    private async Task<string?> WhoAsync(MatrixClient client, CancellationToken cancellationToken)
    {
        try
        {
            var user = (await client.WhoAmIAsync(cancellationToken))["user_id"]?.GetValue<string>();
            if (user is not null)
            {
                lock (_gate)
                {
                    _givenUsers[client] = user;
                }
            }

            return user;
        }
        catch (Exception e) when (FailureClassification.Of(e) is not null && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Disposes every client this holds.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var client in _opened.Values.Concat(_given.Where(c => !_notOwned.Contains(c))))
            {
                client.Dispose();
            }

            _opened.Clear();
            _given.Clear();
        }
    }
}
