using System.Globalization;
using Microsoft.Extensions.Logging;
using Solti.Matrix.Crypto;
using Solti.Matrix.Sessions;

namespace Solti.Matrix.Encryption;

/// <summary>What one <see cref="DeviceInbox.StepAsync"/> received: the to-device messages, the room keys kept and the
/// withheld notices recorded; and the device's kept room keys after it (<see cref="CryptoStore.RoomKeysVersion"/>,
/// which also moves when another reader of the device stored keys).</summary>
public sealed record DeviceInboxReport(int ToDevice, int RoomKeys, int Withheld, string RoomKeysVersion);

/// <summary>The reading side of the bot's device: one <c>/sync</c> step that asks no room data (to-device messages and
/// key counts only), from the token kept in the device's <see cref="CryptoStore"/>. To-device messages are processed
/// (<see cref="InboundOlm"/>: Olm decrypted and checked, <c>m.room_key</c> kept only from inside Olm,
/// <c>m.room_key.withheld</c> recorded) and stored, THEN the next token is saved: the server deletes to-device
/// messages once the next token is used, so a message is acknowledged only once it is on disk. One-time keys and the
/// fallback key are replenished from the counts the sync reports (<see cref="OwnDevice.ReplenishAsync"/>). One sync
/// loop per device on the host (<see cref="CredentialCache.SyncLockAsync"/>, held across the request; a second reader
/// waits for the first one's step); the crypto lock only while the answer is processed, never during the request.</summary>
public sealed class DeviceInbox(MatrixSession session, CredentialCache cache)
{
    private const string NextBatch = "next_batch";
    private const int MaxMoves = 3;

    /// <summary>The sync filter: no room, no presence, no account data; to-device messages and counts come regardless.</summary>
    private const string Filter = """{"room":{"rooms":[]},"presence":{"types":[]},"account_data":{"types":[]}}""";

    /// <summary>The long poll of a step that should not wait: 1 ms, not 0. The server keeps a sync answer for a while
    /// (Synapse's <c>sync_response_cache_duration</c>, 2 minutes) and gives it again to the same request (same token,
    /// filter and timeout): an immediate (<c>timeout=0</c>) empty answer would be given again to every step until then,
    /// hiding the room keys that arrive meanwhile; an empty answer after a wait is not kept.</summary>
    public static readonly TimeSpan NoWait = TimeSpan.FromMilliseconds(1);

    private readonly OwnDevice _own = new(session);
    private readonly ILogger _logger = session.Http.Options.LoggerFactory.CreateLogger("Solti.Matrix.Encryption");

    /// <summary>How long a step waits for another process of the same device (its crypto lock, or its sync step beyond
    /// the long poll's own time).</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>One sync step of the device: <paramref name="timeout"/> is the long poll (zero: answer at once). The
    /// device's keys are made and uploaded first when this store never uploaded them.</summary>
    public async Task<DeviceInboxReport> StepAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var (userId, deviceId) = await DeviceRequests.DeviceIdentityAsync(session, cancellationToken);
        for (var moves = 0; moves <= MaxMoves; moves++)
        {
            using var syncLock = await cache.SyncLockAsync(session.Http.Options.Homeserver, userId, deviceId, timeout + LockTimeout, cancellationToken);
            var (settled, since) = await SettleAsync(userId, deviceId, cancellationToken);
            if (!settled)
            {
                deviceId = session.DeviceId!; // moved to the next device of its series (OwnDevice)
                continue;
            }

            var path = MatrixPath.Client + "/sync?filter=" + MatrixPath.Segment(Filter) + "&timeout=" + (long)timeout.TotalMilliseconds
                + (since is null ? "" : "&since=" + MatrixPath.Segment(since));
            var reply = await session.SendAsync(MatrixRequest.Get(path), cancellationToken);
            return await ProcessAsync(userId, deviceId, reply, cancellationToken);
        }

        throw new EncryptionException($"the device of {userId} changed {MaxMoves} times during one sync step (now {deviceId})");
    }

    /// <summary>Under the crypto lock: the device's keys uploaded when they never were (false when the device moved), and
    /// the sync token.</summary>
    private async Task<(bool Settled, string? Since)> SettleAsync(string userId, string deviceId, CancellationToken cancellationToken)
    {
        using var store = await OpenAsync(userId, deviceId, cancellationToken);
        if (!OwnDevice.Uploaded(store))
        {
            var own = await DeviceRequests.QueryKeysAsync(session, [userId], cancellationToken);
            if (await _own.SettleAsync(store, userId, deviceId, own[userId] as JsonObject ?? [], NowMs, cancellationToken) is null)
            {
                return (false, null);
            }
        }

        return (true, store.Setting(NextBatch));
    }

    /// <summary>The answer, under the crypto lock: the senders' devices are asked first (outside it); each to-device
    /// message is handled and stored, a device whose message no session decrypts is sent <c>m.dummy</c> over a new
    /// session, the next token is saved, and the keys are replenished.</summary>
    private async Task<DeviceInboxReport> ProcessAsync(string userId, string deviceId, JsonNode reply, CancellationToken cancellationToken)
    {
        var events = (reply["to_device"]?["events"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var senders = events.Where(e => EncryptedContent.Text(e, "type") == "m.room.encrypted").Select(e => EncryptedContent.Text(e, "sender")).OfType<string>().ToList();
        var senderDevices = senders.Count > 0 ? await DeviceRequests.QueryKeysAsync(session, senders, cancellationToken) : [];

        using var store = await OpenAsync(userId, deviceId, cancellationToken);
        var account = OlmAccount.FromJson(JsonNode.Parse(store.Account!)); // read again: a sender of this device may have changed it
        var inbound = new InboundOlm(store, account, userId, senderDevices, NowMs, _logger);
        foreach (var e in events)
        {
            inbound.Handle(e);
        }

        await UnwedgeAsync(store, account, userId, deviceId, inbound.Wedged, cancellationToken);
        if (EncryptedContent.Text(reply as JsonObject ?? [], "next_batch") is { } next)
        {
            store.SaveSetting(NextBatch, next); // after every message it acknowledges is stored
        }

        var oneTimeKeys = reply["device_one_time_keys_count"]?[Algorithms.SignedCurve25519] is JsonValue count ? count.GetValue<long>() : 0;
        var fallbackUnused = reply["device_unused_fallback_key_types"] is not JsonArray types || types.Any(t => t?.GetValue<string>() == Algorithms.SignedCurve25519);
        await _own.ReplenishAsync(store, account, userId, deviceId, oneTimeKeys, fallbackUnused, NowMs, cancellationToken);
        return new DeviceInboxReport(events.Count, inbound.RoomKeys, inbound.Withheld, store.RoomKeysVersion());
    }

    /// <summary>Sends <c>m.dummy</c> over a NEW Olm session to each device whose message no session decrypted (its
    /// session with us is wedged), at most once an hour per device, so that its next message starts over.</summary>
    private async Task UnwedgeAsync(CryptoStore store, OlmAccount account, string userId, string deviceId, IReadOnlyCollection<DeviceIdentity> wedged, CancellationToken cancellationToken)
    {
        var due = wedged.Where(d => store.Setting(Unwedged(d)) is not { } at || NowMs - long.Parse(at, CultureInfo.InvariantCulture) >= InboundOlm.UnwedgeInterval.TotalMilliseconds).ToList();
        if (due.Count == 0)
        {
            return;
        }

        due.ForEach(d => store.SaveSetting(Unwedged(d), NowMs.ToString(CultureInfo.InvariantCulture)));
        var (sessions, refused) = await DeviceRequests.NewSessionsAsync(session, account, due, cancellationToken);
        refused.ForEach(r => _logger.LogWarning("cannot unwedge the Olm session with {User} {Device}: {Why}", r.Identity.UserId, r.Identity.DeviceId, r.Why));
        var messages = new JsonObject();
        foreach (var (identity, olm) in sessions)
        {
            var plaintext = EncryptedContent.OlmPlaintext("m.dummy", [], new OlmParties(userId, deviceId, account.Ed25519Key, identity.UserId, identity.Ed25519Key));
            var message = olm.Encrypt(plaintext);
            store.SaveOlmSession(identity.Curve25519Key, olm.SessionId, olm.ToJson().ToJsonString(), NowMs); // on disk before it leaves
            DeviceRequests.Add(messages, identity.UserId, identity.DeviceId, EncryptedContent.ToDevice(account.Curve25519Key, identity.Curve25519Key, message));
        }

        if (messages.Count > 0)
        {
            await DeviceRequests.SendToDeviceAsync(session, "m.room.encrypted", messages, cancellationToken);
            _logger.LogInformation("sent m.dummy over a new Olm session to {Count} device(s) whose messages no session decrypted", sessions.Count);
        }
    }

    private static string Unwedged(DeviceIdentity device) => "unwedged:" + device.Curve25519Key;

    private Task<CryptoStore> OpenAsync(string userId, string deviceId, CancellationToken cancellationToken) =>
        CryptoStore.OpenAsync(cache, session.Http.Options.Homeserver, userId, deviceId, LockTimeout, cancellationToken);

    private long NowMs => session.Http.Options.Time.GetUtcNow().ToUnixTimeMilliseconds();
}
