using System.Globalization;
using Microsoft.Extensions.Logging;
using Solti.Matrix.Crypto;
using Solti.Matrix.Sessions;

namespace Solti.Matrix.Encryption;

/// <summary>The one place the bot's own device is settled before it encrypts (docs/encryption.md, "Recovering a
/// device"), on every send, under the device's crypto lock, against the keys the homeserver lists for the user's devices
/// (<c>/keys/query</c> of our own user, asked together with the room's members):
/// <list type="bullet">
/// <item>the device's keys are those of the crypto store's account: it is used (one-time keys topped up);</item>
/// <item>it has none: the account (made now when the store has none, and kept on disk first) is uploaded, device keys
/// and one-time keys; again, when the store says they were uploaded and the server lost them;</item>
/// <item>they are not the store's (the store was lost or replaced), or the store has no account and a later device of
/// the series has keys (this id was given up before, by a host whose whole state was lost since): a device id is never
/// used again with new keys (peers keep the keys they first saw for a device and refuse others), so the session moves
/// to the next device of its series (<see cref="DeviceSeries"/>): the lowest generation above the current one and
/// above every one the server lists keys for, logged in with the password under the login lock so that the processes
/// of this host agree (<see cref="MatrixSession.MoveDeviceAsync"/>), remembered in the credential cache; the device it
/// leaves, and the earlier ones of the series still listed, are deleted (user-interactive authentication with the
/// password; left, with a log line, when the homeserver refuses). A sender with only an access token cannot move: the
/// send fails with an <see cref="EncryptionException"/> that says what to do, never in plaintext.</item>
/// </list></summary>
internal sealed class OwnDevice(MatrixSession session)
{
    private const int OneTimeKeys = 50;

    /// <summary>How long the server's count of this device's one-time keys is trusted before it is asked again.</summary>
    private static readonly TimeSpan KeyCountAge = TimeSpan.FromHours(1);
    private const string DeviceKeysUploaded = "device_keys_uploaded";
    private const string OneTimeKeysOnServer = "one_time_keys_on_server";

    /// <summary>How many one-time keys the server said it holds for the device, when last asked.</summary>
    public static long OneTimeKeysOnServerOf(CryptoStore store) =>
        store.Setting(OneTimeKeysOnServer) is { } count ? long.Parse(count, CultureInfo.InvariantCulture) : 0;
    private const string OneTimeKeysCheckedMs = "one_time_keys_checked_ms";

    private readonly ILogger _logger = session.Http.Options.LoggerFactory.CreateLogger("Solti.Matrix.Encryption");

    /// <summary>The device's account, its keys on the server as in <paramref name="store"/>; null when the session moved
    /// to another device (<see cref="MatrixSession.DeviceId"/>), where the caller starts again. <paramref name="ownDevices"/>
    /// is what <c>/keys/query</c> answered for the user: device id → keys, for each device that has keys.</summary>
    public async Task<OlmAccount?> SettleAsync(CryptoStore store, string userId, string deviceId, JsonObject ownDevices, long nowMs, CancellationToken cancellationToken)
    {
        var account = store.Account is { } saved ? OlmAccount.FromJson(JsonNode.Parse(saved)) : null;
        var listed = ownDevices[deviceId] as JsonObject;
        var series = new Series(session.DeviceSeriesBase(userId), deviceId, ownDevices);
        if (listed is not null && (account is null || !Holds(account, listed, deviceId)))
        {
            await MoveAsync(userId, series, $"the homeserver lists keys for device {deviceId} of {userId} that this host's crypto store {store.Path} {(account is null ? "does not hold" : "does not hold (it holds others)")}: the store was lost or replaced", cancellationToken);
            return null;
        }

        if (listed is null && account is null && series.Current >= 1 && series.Latest > series.Current)
        {
            await MoveAsync(userId, series, $"device {deviceId} of {userId} was given up for {DeviceSeries.Id(series.Base, series.Latest)}, which has keys, and this host's crypto store {store.Path} holds none of theirs: the host lost its state", cancellationToken);
            return null;
        }

        if (account is null)
        {
            account = OlmAccount.Create();
            store.SaveAccount(account.ToJson().ToJsonString()); // on disk before anything of it is uploaded
        }

        if (listed is null && store.Setting(DeviceKeysUploaded) is not null)
        {
            _logger.LogWarning("the homeserver lists no keys for device {Device} of {User}, which this host uploaded: uploading them again, with new one-time keys", deviceId, userId);
            store.SaveSetting(OneTimeKeysOnServer, "0");
        }

        await UploadAsync(store, account, userId, deviceId, deviceKeys: listed is null, newFallbackKey: listed is null, nowMs, cancellationToken);
        return account;
    }

    /// <summary>Starts the device over when an operator asks (<c>crypto reset-device</c>): the session moves to the next
    /// device of its series, which makes new keys on its first use, and the device it leaves is deleted, as when a host
    /// lost its keys.</summary>
    public Task ResetAsync(string userId, string deviceId, JsonObject ownDevices, CancellationToken cancellationToken) =>
        MoveAsync(userId, new Series(session.DeviceSeriesBase(userId), deviceId, ownDevices), $"a reset of device {deviceId} of {userId} was asked", cancellationToken);

    /// <summary>Whether this device's keys were ever uploaded from this store (the reading side settles the device
    /// with <see cref="SettleAsync"/> until they were).</summary>
    public static bool Uploaded(CryptoStore store) => store.Account is not null && store.Setting(DeviceKeysUploaded) is not null;

    /// <summary>Keeps the device's one-time keys and fallback key on the server from what <c>/sync</c> reports:
    /// <paramref name="oneTimeKeys"/> (<c>device_one_time_keys_count.signed_curve25519</c>) below half of the target
    /// tops them up; no unused fallback key (<c>device_unused_fallback_key_types</c>) uploads a new one (the previous one
    /// kept until a message uses the new one). The same upload as <see cref="SettleAsync"/>'s.</summary>
    public Task ReplenishAsync(CryptoStore store, OlmAccount account, string userId, string deviceId, long oneTimeKeys, bool fallbackUnused, long nowMs, CancellationToken cancellationToken)
    {
        store.SaveSetting(OneTimeKeysOnServer, oneTimeKeys.ToString(CultureInfo.InvariantCulture));
        store.SaveSetting(OneTimeKeysCheckedMs, nowMs.ToString(CultureInfo.InvariantCulture));
        return UploadAsync(store, account, userId, deviceId, deviceKeys: false, newFallbackKey: !fallbackUnused, nowMs, cancellationToken);
    }

    /// <summary>Whether the device keys the server lists are the account's.</summary>
    private static bool Holds(OlmAccount account, JsonObject listed, string deviceId) =>
        listed["keys"]?["ed25519:" + deviceId] is JsonValue ed && ed.TryGetValue<string>(out var ed25519) && ed25519 == account.Ed25519Key
        && listed["keys"]?["curve25519:" + deviceId] is JsonValue curve && curve.TryGetValue<string>(out var curve25519) && curve25519 == account.Curve25519Key;

    /// <summary>Uploads the device keys when the server has none, a new fallback key when asked, and keeps one-time keys
    /// on the server: made and saved first, marked published once the server has them. How many the server still has is
    /// asked again (an empty <c>/keys/upload</c>) when last asked more than <see cref="KeyCountAge"/> ago, as others
    /// claim them.</summary>
    private async Task UploadAsync(CryptoStore store, OlmAccount account, string userId, string deviceId, bool deviceKeys, bool newFallbackKey, long nowMs, CancellationToken cancellationToken)
    {
        var body = new JsonObject();
        if (deviceKeys)
        {
            body["device_keys"] = account.DeviceKeysForUpload(userId, deviceId);
        }

        if (newFallbackKey)
        {
            account.GenerateFallbackKey();
            body["fallback_keys"] = account.FallbackKeyForUpload(userId, deviceId);
        }

        var checkedMs = store.Setting(OneTimeKeysCheckedMs) is { } at ? long.Parse(at, CultureInfo.InvariantCulture) : 0;
        var known = OneTimeKeysOnServerOf(store);
        if (known < OneTimeKeys / 2)
        {
            account.GenerateOneTimeKeys(Math.Max(0, OneTimeKeys - (int)known - account.UnpublishedOneTimeKeyCount)); // not again for keys made before an upload that failed
            body["one_time_keys"] = account.OneTimeKeysForUpload(userId, deviceId);
        }

        if (body.Count == 0 && nowMs - checkedMs < KeyCountAge.TotalMilliseconds)
        {
            return;
        }

        // What is uploaded is on disk first. The token is this device's: the caller holds the device's crypto lock, and
        // only a holder of it moves the device away (and deletes it), so no heal in this request lands on another device.
        store.SaveAccount(account.ToJson().ToJsonString());
        var reply = await session.SendAsync(MatrixRequest.Post(MatrixPath.Client + "/keys/upload", body), cancellationToken);
        account.MarkKeysAsPublished();
        store.SaveAccount(account.ToJson().ToJsonString());
        store.SaveSetting(DeviceKeysUploaded, "true");
        var counts = reply["one_time_key_counts"]?[Algorithms.SignedCurve25519];
        store.SaveSetting(OneTimeKeysOnServer, (counts is JsonValue c ? c.GetValue<long>() : 0).ToString(CultureInfo.InvariantCulture));
        store.SaveSetting(OneTimeKeysCheckedMs, nowMs.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Moves the session to the next device of its series and deletes the devices it leaves behind, or fails
    /// when it cannot move.</summary>
    private async Task MoveAsync(string userId, Series series, string why, CancellationToken cancellationToken)
    {
        why += "; peers keep the keys they first saw for a device and refuse new ones";
        if (session.CannotMoveDevice() is { } cannot)
        {
            throw new EncryptionException($"{why}, so this sender needs a new device, and it cannot move to one: {cannot}. Give it its password (user_id and password): it then moves to the next device id of its series and deletes {series.DeviceId}; or give it an access token of a new device (one without keys, e.g. from a login without device_id): nothing was sent, never in plaintext");
        }

        var next = DeviceSeries.Id(series.Base, Math.Max(series.Current, series.Latest) + 1);
        var now = await session.MoveDeviceAsync(next, cached => DeviceSeries.Generation(series.Base, cached) > series.Current, cancellationToken);
        if (now != next)
        {
            _logger.LogInformation("device {Device} of {User}: another process of this host moved to device {Now} already", series.DeviceId, userId, now);
            return;
        }

        _logger.LogWarning("{Why}: moved to device {Next}", why, next);
        var left = series.Listed.Prepend(series.DeviceId).Distinct(StringComparer.Ordinal).ToList();
        try
        {
            await session.DeleteOwnDevicesAsync(left, cancellationToken);
            _logger.LogInformation("deleted the devices {Devices} of {User} that device {Next} replaces", string.Join(", ", left), userId, next);
        }
        catch (MatrixException e)
        {
            _logger.LogWarning("the devices {Devices} of {User} that device {Next} replaces were left on the homeserver (their deletion was refused: {Reason}); delete them from another client's session list", string.Join(", ", left), userId, next, e.Message);
        }
    }

    /// <summary>The device's place in its series: the series' base, the device's generation (0 when it is not of the
    /// series: a token's device), the highest generation the server lists keys for, and the earlier devices of the series
    /// it lists.</summary>
    private sealed class Series(string seriesBase, string deviceId, JsonObject ownDevices)
    {
        private readonly List<(string Id, int Generation)> _listed = [.. ownDevices
            .Where(d => d.Value is JsonObject)
            .Select(d => (d.Key, Generation: DeviceSeries.Generation(seriesBase, d.Key) ?? 0))
            .Where(d => d.Generation > 0)];

        public string Base => seriesBase;

        public string DeviceId => deviceId;

        public int Current { get; } = DeviceSeries.Generation(seriesBase, deviceId) ?? 0;

        public int Latest => _listed.Select(d => d.Generation).DefaultIfEmpty(0).Max();

        /// <summary>The devices of the series the server lists keys for, all below the next one: this host's earlier
        /// devices, none of which it can use again. None when this device is not of the series (the series may be another
        /// process's).</summary>
        public IEnumerable<string> Listed => Current == 0 ? [] : _listed.Select(d => d.Id);
    }
}
