using Microsoft.Data.Sqlite;
using Solti.Matrix.Sessions;
using Solti.Matrix.Storage;

namespace Solti.Matrix.Encryption;

/// <summary>One device's end-to-end encryption state on this host: its Olm account, its Olm sessions with other
/// devices, its outbound Megolm session per room (with whom it was shared and how often it was used), the devices it
/// has seen (their keys as first seen: a change is refused), the rooms known to be encrypted, and the reading side: the
/// Megolm sessions others shared with it, the message indexes they decrypted (a replay is refused), the keys withheld
/// from it and the device's <c>/sync</c> token. SQLite in the
/// credential cache's private directory (<see cref="CredentialCache.CryptoPathFor"/>, 0600), in WAL mode with full sync:
/// a change is on disk before the request it prepares leaves. It is opened only under the device's crypto lock
/// (<see cref="CredentialCache.DeviceLockAsync"/>), which every process of the device takes, and closed with it: no
/// Olm or Megolm state outlives the lock. The values are the crypto core's own exports (JSON), kept as text.</summary>
public sealed class CryptoStore : IDisposable
{
    private readonly SqliteConnection _db;
    private readonly IDisposable _lock;

    private CryptoStore(string path, IDisposable deviceLock)
    {
        Path = path;
        _lock = deviceLock;
        Outbox.SqliteNative.EnsureLoaded();
        Refuse(path);
        using (File.Open(path, new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, UnixCreateMode = PrivateDirectory.FileMode }))
        {
        }

        Refuse(path);
        _db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString());
        _db.Open();
        Execute("""
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = FULL;
            PRAGMA busy_timeout = 10000;
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS olm_sessions (their_key TEXT NOT NULL, session_id TEXT NOT NULL, state TEXT NOT NULL, last_used INTEGER NOT NULL, PRIMARY KEY (their_key, session_id));
            CREATE TABLE IF NOT EXISTS outbound_group (room_id TEXT PRIMARY KEY, state TEXT NOT NULL, created_ms INTEGER NOT NULL, messages INTEGER NOT NULL, shared_with TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS devices (user_id TEXT NOT NULL, device_id TEXT NOT NULL, ed25519 TEXT NOT NULL, curve25519 TEXT NOT NULL, first_seen_ms INTEGER NOT NULL, PRIMARY KEY (user_id, device_id));
            CREATE TABLE IF NOT EXISTS rooms (room_id TEXT PRIMARY KEY, settings TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS inbound_group (room_id TEXT NOT NULL, session_id TEXT NOT NULL, sender_key TEXT NOT NULL, sender_ed25519 TEXT NOT NULL, sender_user TEXT NOT NULL, state TEXT NOT NULL, first_index INTEGER NOT NULL, PRIMARY KEY (room_id, session_id, sender_key));
            CREATE TABLE IF NOT EXISTS megolm_seen (session_id TEXT NOT NULL, message_index INTEGER NOT NULL, event_id TEXT NOT NULL, PRIMARY KEY (session_id, message_index));
            CREATE TABLE IF NOT EXISTS withheld (room_id TEXT NOT NULL, session_id TEXT NOT NULL, sender_key TEXT NOT NULL, code TEXT NOT NULL, reason TEXT, PRIMARY KEY (room_id, session_id, sender_key));
            """);
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>Takes the device's crypto lock (waiting up to <paramref name="timeout"/>) and opens its store, creating it
    /// when missing; disposing the store releases the lock.</summary>
    public static async Task<CryptoStore> OpenAsync(CredentialCache cache, Uri homeserver, string userId, string deviceId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var held = await cache.DeviceLockAsync(homeserver, userId, deviceId, timeout, cancellationToken);
        try
        {
            return new CryptoStore(cache.CryptoPathFor(homeserver, userId, deviceId), held);
        }
        catch
        {
            held.Dispose();
            throw;
        }
    }

    /// <summary>The device's Olm account as the crypto core exported it, or null before the first one.</summary>
    public string? Account => Scalar("SELECT value FROM meta WHERE key = 'account'");

    /// <summary>Keeps the account (its identity keys and one-time keys); on disk when this returns.</summary>
    public void SaveAccount(string account) => Execute("INSERT INTO meta (key, value) VALUES ('account', $v) ON CONFLICT (key) DO UPDATE SET value = excluded.value", ("$v", account));

    /// <summary>A small remembered value (<c>keys_uploaded</c>, …), or null.</summary>
    public string? Setting(string key) => Scalar("SELECT value FROM meta WHERE key = $k", ("$k", "setting:" + key));

    /// <summary>Remembers a small value.</summary>
    public void SaveSetting(string key, string value) => Execute("INSERT INTO meta (key, value) VALUES ($k, $v) ON CONFLICT (key) DO UPDATE SET value = excluded.value", ("$k", "setting:" + key), ("$v", value));

    /// <summary>The Olm sessions with the device whose Curve25519 key is <paramref name="theirKey"/>, the most recently
    /// used first.</summary>
    public IReadOnlyList<(string SessionId, string State)> OlmSessions(string theirKey)
    {
        using var command = Command("SELECT session_id, state FROM olm_sessions WHERE their_key = $k ORDER BY last_used DESC", ("$k", theirKey));
        using var reader = command.ExecuteReader();
        var sessions = new List<(string, string)>();
        while (reader.Read())
        {
            sessions.Add((reader.GetString(0), reader.GetString(1)));
        }

        return sessions;
    }

    /// <summary>Keeps an Olm session (new or advanced) as used at <paramref name="usedMs"/>.</summary>
    public void SaveOlmSession(string theirKey, string sessionId, string state, long usedMs) =>
        Execute("INSERT INTO olm_sessions (their_key, session_id, state, last_used) VALUES ($k, $i, $s, $u) ON CONFLICT (their_key, session_id) DO UPDATE SET state = excluded.state, last_used = excluded.last_used",
            ("$k", theirKey), ("$i", sessionId), ("$s", state), ("$u", usedMs));

    /// <summary>The room's outbound Megolm session, or null when it has none.</summary>
    public OutboundGroupRecord? OutboundGroupSession(string roomId)
    {
        using var command = Command("SELECT state, created_ms, messages, shared_with FROM outbound_group WHERE room_id = $r", ("$r", roomId));
        using var reader = command.ExecuteReader();
        return reader.Read() ? new OutboundGroupRecord(roomId, reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetString(3)) : null;
    }

    /// <summary>Keeps the room's outbound Megolm session: its state (after the ratchet moved for the message about to be
    /// sent, so an index is never used twice), when it was made, how many messages it encrypted, with whom it was shared.</summary>
    public void SaveOutboundGroupSession(OutboundGroupRecord record) =>
        Execute("INSERT INTO outbound_group (room_id, state, created_ms, messages, shared_with) VALUES ($r, $s, $c, $m, $w) ON CONFLICT (room_id) DO UPDATE SET state = excluded.state, created_ms = excluded.created_ms, messages = excluded.messages, shared_with = excluded.shared_with",
            ("$r", record.RoomId), ("$s", record.State), ("$c", record.CreatedMs), ("$m", record.Messages), ("$w", record.SharedWith));

    /// <summary>The rooms this device has an outbound Megolm session for, in order.</summary>
    public IReadOnlyList<string> OutboundGroupRooms()
    {
        using var command = Command("SELECT room_id FROM outbound_group ORDER BY room_id");
        using var reader = command.ExecuteReader();
        var rooms = new List<string>();
        while (reader.Read())
        {
            rooms.Add(reader.GetString(0));
        }

        return rooms;
    }

    /// <summary>Forgets the room's outbound session: the next message starts a new one (rotation).</summary>
    public void DropOutboundGroupSession(string roomId) => Execute("DELETE FROM outbound_group WHERE room_id = $r", ("$r", roomId));

    /// <summary>The keys a device had when this device first saw it, or null when it never saw it.</summary>
    public KnownDevice? Device(string userId, string deviceId)
    {
        using var command = Command("SELECT ed25519, curve25519, first_seen_ms FROM devices WHERE user_id = $u AND device_id = $d", ("$u", userId), ("$d", deviceId));
        using var reader = command.ExecuteReader();
        return reader.Read() ? new KnownDevice(userId, deviceId, reader.GetString(0), reader.GetString(1), reader.GetInt64(2)) : null;
    }

    /// <summary>The rule that pins a device's keys as first seen: true when <paramref name="identity"/>'s keys are the ones
    /// this device first saw for it (remembered now, at <paramref name="nowMs"/>, when it never saw it); false when they
    /// changed since. Asked by the sender (a changed device gets no key) and by the reader (a changed sender is refused).</summary>
    public bool PinDevice(Crypto.DeviceIdentity identity, long nowMs)
    {
        if (Device(identity.UserId, identity.DeviceId) is { } first)
        {
            return first.Ed25519 == identity.Ed25519Key && first.Curve25519 == identity.Curve25519Key;
        }

        RememberDevice(new KnownDevice(identity.UserId, identity.DeviceId, identity.Ed25519Key, identity.Curve25519Key, nowMs));
        return true;
    }

    /// <summary>What the kept room keys are, as one value that changes whenever a key is added or replaced (by this
    /// process or another reader of the device): their count and the sum of their first indexes.</summary>
    public string RoomKeysVersion() => Scalar("SELECT COUNT(*) || ':' || COALESCE(SUM(first_index), 0) FROM inbound_group")!;

    /// <summary>Remembers a device's keys the first time it is seen (later calls keep the first keys).</summary>
    public void RememberDevice(KnownDevice device) =>
        Execute("INSERT OR IGNORE INTO devices (user_id, device_id, ed25519, curve25519, first_seen_ms) VALUES ($u, $d, $e, $c, $t)",
            ("$u", device.UserId), ("$d", device.DeviceId), ("$e", device.Ed25519), ("$c", device.Curve25519), ("$t", device.FirstSeenMs));

    /// <summary>The room's <c>m.room.encryption</c> settings when it is known to be encrypted (it can never stop being);
    /// null when not known to be.</summary>
    public string? EncryptedRoom(string roomId) => Scalar("SELECT settings FROM rooms WHERE room_id = $r", ("$r", roomId));

    /// <summary>Remembers that the room is encrypted, with its settings.</summary>
    public void RememberEncryptedRoom(string roomId, string settings) =>
        Execute("INSERT INTO rooms (room_id, settings) VALUES ($r, $s) ON CONFLICT (room_id) DO UPDATE SET settings = excluded.settings", ("$r", roomId), ("$s", settings));

    /// <summary>The Megolm session another device shared for a room (<c>m.room_key</c> over Olm), or null.</summary>
    public InboundGroupRecord? InboundGroupSession(string roomId, string sessionId, string senderKey)
    {
        using var command = Command("SELECT sender_ed25519, sender_user, state, first_index FROM inbound_group WHERE room_id = $r AND session_id = $s AND sender_key = $k", ("$r", roomId), ("$s", sessionId), ("$k", senderKey));
        using var reader = command.ExecuteReader();
        return reader.Read() ? new InboundGroupRecord(roomId, sessionId, senderKey, reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3)) : null;
    }

    /// <summary>Keeps a received Megolm session (new, or one that knows an earlier index than the stored one).</summary>
    public void SaveInboundGroupSession(InboundGroupRecord record) =>
        Execute("INSERT INTO inbound_group (room_id, session_id, sender_key, sender_ed25519, sender_user, state, first_index) VALUES ($r, $s, $k, $e, $u, $t, $i) ON CONFLICT (room_id, session_id, sender_key) DO UPDATE SET sender_ed25519 = excluded.sender_ed25519, sender_user = excluded.sender_user, state = excluded.state, first_index = excluded.first_index",
            ("$r", record.RoomId), ("$s", record.SessionId), ("$k", record.SenderKey), ("$e", record.SenderEd25519), ("$u", record.SenderUser), ("$t", record.State), ("$i", record.FirstIndex));

    /// <summary>The event that a Megolm session's <paramref name="index"/> decrypted first, or null: the same index in
    /// another event is a replay.</summary>
    public string? MegolmIndexEvent(string sessionId, long index) =>
        Scalar("SELECT event_id FROM megolm_seen WHERE session_id = $s AND message_index = $i", ("$s", sessionId), ("$i", index));

    /// <summary>Remembers which event a session's index decrypted (the first one is kept).</summary>
    public void RememberMegolmIndex(string sessionId, long index, string eventId) =>
        Execute("INSERT OR IGNORE INTO megolm_seen (session_id, message_index, event_id) VALUES ($s, $i, $e)", ("$s", sessionId), ("$i", index), ("$e", eventId));

    /// <summary>Why a sender said it will not share a session's key with this device (<c>m.room_key.withheld</c>), or null.</summary>
    public WithheldRecord? Withheld(string roomId, string sessionId, string senderKey)
    {
        using var command = Command("SELECT code, reason FROM withheld WHERE room_id = $r AND session_id = $s AND sender_key = $k", ("$r", roomId), ("$s", sessionId), ("$k", senderKey));
        using var reader = command.ExecuteReader();
        return reader.Read() ? new WithheldRecord(roomId, sessionId, senderKey, reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1)) : null;
    }

    /// <summary>Records an <c>m.room_key.withheld</c> (the latest one about a session wins).</summary>
    public void SaveWithheld(WithheldRecord record) =>
        Execute("INSERT INTO withheld (room_id, session_id, sender_key, code, reason) VALUES ($r, $s, $k, $c, $w) ON CONFLICT (room_id, session_id, sender_key) DO UPDATE SET code = excluded.code, reason = excluded.reason",
            ("$r", record.RoomId), ("$s", record.SessionId), ("$k", record.SenderKey), ("$c", record.Code), ("$w", (object?)record.Reason ?? DBNull.Value));

    /// <summary>Closes the database and releases the device's crypto lock.</summary>
    public void Dispose()
    {
        _db.Dispose();
        _lock.Dispose();
    }

    /// <summary>Refuses a store file that is a symbolic link or another user's, or readable by others.</summary>
    private static void Refuse(string path)
    {
        if (UnixFileInfo.OfPath(path) is { } info && PrivateDirectory.Distrust(path, info, isDirectory: false) is { } reason)
        {
            throw new CredentialCacheException($"crypto store {path} {reason}; refusing it");
        }
    }

    private string? Scalar(string sql, params (string Name, object Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        return command.ExecuteScalar() as string;
    }

    private void Execute(string sql, params (string Name, object Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        command.ExecuteNonQuery();
    }

    private SqliteCommand Command(string sql, params (string Name, object Value)[] parameters)
    {
        var command = _db.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command;
    }
}

/// <summary>A room's outbound Megolm session as stored: the crypto core's export, when it was made (ms since the epoch),
/// how many messages it encrypted, and with whom it was shared (JSON: user id → device ids).</summary>
public sealed record OutboundGroupRecord(string RoomId, string State, long CreatedMs, long Messages, string SharedWith)
{
    /// <summary>Never prints the session.</summary>
    public override string ToString() => $"OutboundGroupRecord {{ RoomId = {RoomId}, CreatedMs = {CreatedMs}, Messages = {Messages} }}";
}

/// <summary>A Megolm session another device shared with this one: the room, the session id, the sender's Curve25519 key
/// (the Olm session it came over), the Ed25519 key the sender claimed in the Olm plaintext (<c>keys.ed25519</c>), the
/// sending user, the crypto core's export and the first index it decrypts.</summary>
public sealed record InboundGroupRecord(string RoomId, string SessionId, string SenderKey, string SenderEd25519, string SenderUser, string State, long FirstIndex)
{
    /// <summary>Never prints the session.</summary>
    public override string ToString() => $"InboundGroupRecord {{ RoomId = {RoomId}, SessionId = {SessionId}, SenderUser = {SenderUser}, FirstIndex = {FirstIndex} }}";
}

/// <summary>An <c>m.room_key.withheld</c> received: the session it is about, its sender's Curve25519 key, the code
/// (<c>m.unverified</c>, …) and the reason given.</summary>
public sealed record WithheldRecord(string RoomId, string SessionId, string SenderKey, string Code, string? Reason);

/// <summary>A device as first seen: its user, id and keys, and when.</summary>
public sealed record KnownDevice(string UserId, string DeviceId, string Ed25519, string Curve25519, long FirstSeenMs);
