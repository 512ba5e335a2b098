using Solti.Matrix.Crypto;
using Solti.Matrix.Sessions;

namespace Solti.Matrix.Encryption;

/// <summary>The one place an event becomes <c>m.room.encrypted</c> on its way to <c>PUT /send</c>
/// (<see cref="MatrixClient.SendEventAsync(string, string, JsonObject, string?, bool, EncryptionMode, CancellationToken)"/>),
/// for every sender (modules, CLI, outbox, relay). Whether the room is encrypted is read on every send (a room once
/// seen encrypted is remembered: encryption can never be turned off). For an encrypted room, under the device's crypto
/// lock (<see cref="CryptoStore"/>): the device's keys are settled against the server's (<see cref="OwnDevice"/>: made
/// on disk first and uploaded, uploaded again when the server lost them, a new device of its series when this host
/// lost them); the members who may read
/// (joined, and invited unless history is visible to joined members only) and their devices are read
/// (<c>/members</c>, <c>/keys/query</c>), never <c>/sync</c>; a device whose self-signature fails or whose keys changed
/// since first seen gets no key and is told why (<c>m.room_key.withheld</c>); the room's Megolm session is rotated when
/// it is too old or too used (the room's <c>rotation_period_ms</c>/<c>rotation_period_msgs</c>, else a week / 100
/// messages) or a device it was shared with may no longer read; new devices get the key over Olm (<c>/keys/claim</c>
/// with the one-time key's signature checked, <c>/sendToDevice</c>); and the event is encrypted with the ratchet's
/// next index, kept on disk before the event leaves. See docs/encryption.md.</summary>
public sealed class RoomEncryptor(MatrixSession session, CredentialCache? cache)
{
    private const string EncryptionType = "m.room.encryption";
    private const int MaxMoves = 3;
    private static readonly TimeSpan DefaultRotationPeriod = TimeSpan.FromDays(7);
    private const long DefaultRotationMessages = 100;

    private readonly OwnDevice _own = new(session);

    /// <summary>How long a sender waits for another process of the same device to finish encrypting.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The event as it goes into <paramref name="roomId"/>: as given when the room is not encrypted (refused
    /// with <see cref="EncryptionMode.Required"/>), else encrypted for every device that may read it.</summary>
    public async Task<PreparedEvent> PrepareAsync(string roomId, string type, JsonObject content, EncryptionMode mode, CancellationToken cancellationToken) =>
        (await PrepareManyAsync(roomId, [new OutgoingEvent(type, content, mode)], cancellationToken))[0];

    /// <summary>Events that go into <paramref name="roomId"/> at the same moment (an outbox lane's backlog), prepared
    /// under one read of the room, its members and their devices, one lock and one key share: as given when the room is
    /// not encrypted (refused, all, when one asks <see cref="EncryptionMode.Required"/>), else each encrypted with its own
    /// Megolm index, every index on disk before any of them leaves. Answers the first events in order, at least one and
    /// no more than the room's session may still encrypt before it rotates; the caller prepares the rest again.</summary>
    public async Task<IReadOnlyList<PreparedEvent>> PrepareManyAsync(string roomId, IReadOnlyList<OutgoingEvent> events, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfZero(events.Count);
        var identity = OwnIdentity(cancellationToken); // whoami at most once
        var settings = await RoomSettingsAsync(roomId, cancellationToken) ?? await RememberedSettingsAsync(roomId, identity, cancellationToken);
        if (settings is null)
        {
            return events.Any(e => e.Mode == EncryptionMode.Required)
                ? throw new EncryptionException($"{roomId} is not encrypted, and encryption: required was asked: nothing was sent")
                : [.. events.Select(e => new PreparedEvent(e.Type, e.Content, Encrypted: false, []))];
        }

        if (settings["algorithm"]?.GetValue<string>() != Algorithms.Megolm)
        {
            throw new EncryptionException($"{roomId} is encrypted with {settings["algorithm"]?.ToJsonString() ?? "no algorithm"}, which this sender cannot encrypt for ({Algorithms.Megolm} only): nothing was sent, never in plaintext");
        }

        if (cache is null)
        {
            throw new EncryptionException($"{roomId} is encrypted, and encrypting needs the device's keys kept in the credential cache, which this run does not use (--no-cache, or no token_cache): nothing was sent, never in plaintext");
        }

        var settingsText = settings.ToJsonString();
        using (var device = await SettleAsync(identity, async store =>
        {
            if (store.EncryptedRoom(roomId) != settingsText)
            {
                store.RememberEncryptedRoom(roomId, settingsText);
            }

            return await ReadersAsync(roomId, cancellationToken);
        }, cancellationToken))
        {
            var (recipients, withheld) = Recipients(device, device.DeviceKeys);
            var outbound = Rotate(device, roomId, settings, recipients);
            await ShareAsync(device, roomId, outbound, recipients, withheld, cancellationToken);

            var room = new List<PreparedEvent>();
            var left = Math.Max(1, RotationMessages(settings) - outbound.Record.Messages);
            foreach (var (type, content, _) in events.Take((int)Math.Min(left, events.Count)))
            {
                var ciphertext = outbound.Session.Encrypt(EncryptedContent.MegolmPlaintext(roomId, type, content));
                var encrypted = EncryptedContent.Room(device.Account.Curve25519Key, device.DeviceId, outbound.Session.SessionId, ciphertext);
                if (content["m.relates_to"] is JsonObject relation)
                {
                    encrypted["m.relates_to"] = relation.DeepClone(); // in the clear, as the spec says, for later relations
                }

                room.Add(new PreparedEvent("m.room.encrypted", encrypted, Encrypted: true, [.. withheld.Select(w => w.Describe())]));
            }

            // The ratchet moved past these indexes: on disk before any of the events leaves, so no index is ever used twice.
            device.Store.SaveOutboundGroupSession(outbound.Record with { State = outbound.Session.ToJson().ToJsonString(), Messages = outbound.Record.Messages + room.Count });
            return room;
        }
    }

    /// <summary>Makes the bot's cross-signing identity from this device (<see cref="BotIdentity"/>); <paramref name="reset"/>
    /// replaces one it has.</summary>
    public async Task<IdentityBootstrap> BootstrapIdentityAsync(bool reset, CancellationToken cancellationToken)
    {
        using var device = await SettleAsync(OwnIdentity(cancellationToken), NoOtherUsers, cancellationToken);
        return await new BotIdentity(session).BootstrapAsync(device, reset, null, cancellationToken);
    }

    /// <summary>Rotates the recovery key of the bot's identity (<see cref="BotIdentity.RotateRecoveryKeyAsync"/>): the
    /// current one is the options' (<see cref="MatrixClientOptions.RecoveryKey"/>); the new one is returned once.</summary>
    public async Task<RecoveryKeyRotation> RotateRecoveryKeyAsync(CancellationToken cancellationToken)
    {
        var current = session.Http.Options.RecoveryKey ?? throw new EncryptionException($"rotating the recovery key needs the current one ({BotIdentity.RecoveryKeyOptions})");
        var (knownUser, _) = await DeviceRequests.KnownIdentityAsync(session, cancellationToken);
        var userId = knownUser ?? throw new EncryptionException("whoami answered without user_id");
        var query = await DeviceRequests.QueryKeysAsync(session, [userId], cancellationToken, whole: true);
        var master = CrossSigningKeys.PublicKeyOf(query["master_keys"]?[userId] as JsonObject, userId, "master");
        return await new BotIdentity(session).RotateRecoveryKeyAsync(userId, master, current, null, cancellationToken);
    }

    /// <summary>This device's encryption state, once settled (its keys uploaded when the server has none): no private key.</summary>
    public async Task<DeviceCryptoStatus> StatusAsync(CancellationToken cancellationToken)
    {
        using var device = await SettleAsync(OwnIdentity(cancellationToken), NoOtherUsers, cancellationToken);
        return new DeviceCryptoStatus(device.UserId, device.DeviceId, device.Account.Ed25519Key, device.Account.Curve25519Key,
            BotIdentity.IsSigned(device), BotIdentity.MasterKeyOf(device), OwnDevice.OneTimeKeysOnServerOf(device.Store), device.Store.OutboundGroupRooms());
    }

    /// <summary>Starts this host's device over (<see cref="OwnDevice.ResetAsync"/>): the next device of its series, the
    /// old one deleted on the server and its crypto store removed; the new device settled (new keys uploaded, signed
    /// given a recovery key). The old device's id and the new device's state.</summary>
    public async Task<(string OldDeviceId, DeviceCryptoStatus Now)> ResetDeviceAsync(CancellationToken cancellationToken)
    {
        if (session.CannotMoveDevice() is { } cannot)
        {
            throw new EncryptionException($"a reset moves the bot to the next device of its series, and this session cannot move: {cannot}; give it its password (--user and --password-file, or MATRIX_USER_ID and MATRIX_PASSWORD)");
        }

        var (knownUser, knownDevice) = await DeviceRequests.KnownIdentityAsync(session, cancellationToken);
        var userId = knownUser ?? throw new EncryptionException("whoami answered without user_id");
        var deviceId = knownDevice ?? throw new EncryptionException("this token has no device: there is no device to reset");
        var kept = cache ?? throw new EncryptionException("the device's crypto store is kept in the credential cache, which this run does not use (--no-cache)");
        string oldStore;
        using (var store = await CryptoStore.OpenAsync(kept, session.Http.Options.Homeserver, userId, deviceId, LockTimeout, cancellationToken))
        {
            var query = await DeviceRequests.QueryKeysAsync(session, [userId], cancellationToken, whole: true);
            await _own.ResetAsync(userId, deviceId, query["device_keys"]?[userId] as JsonObject ?? [], cancellationToken);
            oldStore = store.Path;
        }

        foreach (var file in new[] { oldStore, oldStore + "-wal", oldStore + "-shm" }.Where(File.Exists))
        {
            File.Delete(file);
        }

        return (deviceId, await StatusAsync(cancellationToken));
    }

    private Lazy<Task<(string? UserId, string? DeviceId)>> OwnIdentity(CancellationToken cancellationToken) => new(() => DeviceRequests.KnownIdentityAsync(session, cancellationToken));

    private static Task<IEnumerable<string>> NoOtherUsers(CryptoStore store) => Task.FromResult(Enumerable.Empty<string>());

    /// <summary>The bot's own device settled under its crypto lock (<see cref="OwnDevice"/>: its keys on the server as
    /// in its store, moved to the next device of its series when this host lost them), with what <c>/keys/query</c>
    /// answered for the user and for the users <paramref name="prepare"/> names (called first, under the lock, each time
    /// the device is tried); given a recovery key, the device is signed by the bot's identity on first use
    /// (<see cref="BotIdentity"/>). Disposing it releases the lock.</summary>
    internal async Task<DeviceContext> SettleAsync(Lazy<Task<(string? UserId, string? DeviceId)>> identity, Func<CryptoStore, Task<IEnumerable<string>>> prepare, CancellationToken cancellationToken)
    {
        if (cache is null)
        {
            throw new EncryptionException("the device's keys are kept in the credential cache, which this run does not use (--no-cache, or no token_cache)");
        }

        var (knownUser, knownDevice) = await identity.Value;
        var userId = knownUser ?? throw new EncryptionException("whoami answered without user_id");
        var deviceId = knownDevice ?? throw new EncryptionException("this token has no device (a token minted without one): encrypting needs a device with its own keys; use a token bound to a device, or a password login");
        for (var moves = 0; ; moves++)
        {
            if (moves > MaxMoves)
            {
                throw new EncryptionException($"the device of {userId} changed {moves} times while this send prepared (now {deviceId}): nothing was sent, never in plaintext");
            }

            var store = await CryptoStore.OpenAsync(cache, session.Http.Options.Homeserver, userId, deviceId, LockTimeout, cancellationToken);
            try
            {
                var others = await prepare(store);
                var query = await DeviceRequests.QueryKeysAsync(session, [.. others, userId], cancellationToken, whole: true);
                var keys = query["device_keys"] as JsonObject ?? [];
                if (session.DeviceId is { } now && now != deviceId)
                {
                    deviceId = now; // the token was renewed on another device: another process of this host moved this one
                    store.Dispose();
                    continue;
                }

                var nowMs = session.Http.Options.Time.GetUtcNow().ToUnixTimeMilliseconds();
                if (await _own.SettleAsync(store, userId, deviceId, keys[userId] as JsonObject ?? [], nowMs, cancellationToken) is not { } account)
                {
                    deviceId = session.DeviceId!; // moved to the next device of the series
                    store.Dispose();
                    continue;
                }

                var device = new DeviceContext(store, userId, deviceId, account, nowMs, query);
                if (session.Http.Options.RecoveryKey is { } recoveryKey)
                {
                    await new BotIdentity(session).SignOnFirstUseAsync(device, recoveryKey, cancellationToken);
                }

                return device;
            }
            catch
            {
                store.Dispose();
                throw;
            }
        }
    }

    /// <summary>Whether <paramref name="roomId"/> is encrypted: its <c>m.room.encryption</c> state, or this device once saw
    /// it encrypted (encryption can never be turned off). The readers' question (<see cref="RoomDecryptor"/>).</summary>
    public async Task<bool> IsEncryptedAsync(string roomId, CancellationToken cancellationToken)
    {
        var identity = OwnIdentity(cancellationToken);
        return await RoomSettingsAsync(roomId, cancellationToken) is not null || await RememberedSettingsAsync(roomId, identity, cancellationToken) is not null;
    }

    /// <summary>The room's <c>m.room.encryption</c> content, or null when the room is not encrypted; a room once seen
    /// encrypted stays so (remembered in the store).</summary>
    private async Task<JsonObject?> RoomSettingsAsync(string roomId, CancellationToken cancellationToken)
    {
        var path = MatrixPath.Build(MatrixPath.Client, "rooms", PathPart.Value(roomId), "state", PathPart.Value(EncryptionType), "");
        return await session.GetOrNullAsync(path, cancellationToken) is { } found && found["algorithm"] is not null ? found : null;
    }

    /// <summary>The settings of a room this device once saw encrypted, whose state now reads as not encrypted (emptied or
    /// redacted): encryption can never be turned off, so it stays encrypted. A host that never encrypted (no crypto
    /// store in the cache) pays nothing.</summary>
    private async Task<JsonObject?> RememberedSettingsAsync(string roomId, Lazy<Task<(string? UserId, string? DeviceId)>> identity, CancellationToken cancellationToken)
    {
        if (cache is null || !Directory.Exists(cache.Directory) || !Directory.EnumerateFiles(cache.Directory, "crypto_*.db").Any())
        {
            return null;
        }

        var (userId, deviceId) = await identity.Value;
        if (userId is null || deviceId is null || !File.Exists(cache.CryptoPathFor(session.Http.Options.Homeserver, userId, deviceId)))
        {
            return null;
        }

        using var store = await CryptoStore.OpenAsync(cache, session.Http.Options.Homeserver, userId, deviceId, LockTimeout, cancellationToken);
        return store.EncryptedRoom(roomId) is { } saved ? JsonNode.Parse(saved) as JsonObject : null;
    }

    /// <summary>Every device that may read the room (its members' devices in <paramref name="listed"/>, but for ours)
    /// with verified keys, and those refused a key, with why.</summary>
    private static (List<DeviceIdentity> Recipients, List<Withheld> Withheld) Recipients(DeviceContext device, JsonObject listed)
    {
        var recipients = new List<DeviceIdentity>();
        var withheld = new List<Withheld>();
        foreach (var (userId, devices) in listed)
        {
            foreach (var (deviceId, keys) in devices as JsonObject ?? [])
            {
                if (userId == device.UserId && deviceId == device.DeviceId)
                {
                    continue;
                }

                try
                {
                    var identity = DeviceKeys.Verify(keys as JsonObject ?? [], userId, deviceId);
                    if (!device.Store.PinDevice(identity, device.NowMs))
                    {
                        withheld.Add(new Withheld(userId, deviceId, (keys?["keys"]?["curve25519:" + deviceId])?.GetValue<string>(), WithheldCode.Unverified, "its keys changed since this device first saw them"));
                        continue;
                    }

                    recipients.Add(identity);
                }
                catch (CryptoException e)
                {
                    withheld.Add(new Withheld(userId, deviceId, null, WithheldCode.Unverified, "its device keys do not verify: " + e.Message));
                }
            }
        }

        return (recipients, withheld);
    }

    /// <summary>The users who may read what is sent now: the joined members, and the invited ones unless the room's
    /// history is visible to joined members only.</summary>
    private async Task<List<string>> ReadersAsync(string roomId, CancellationToken cancellationToken)
    {
        var room = MatrixPath.Build(MatrixPath.Client, "rooms", PathPart.Value(roomId));
        var members = ((await session.SendAsync(MatrixRequest.Get(room + "/members"), cancellationToken))["chunk"] as JsonArray ?? [])
            .Select(e => (User: e?["state_key"]?.GetValue<string>(), Membership: e?["content"]?["membership"]?.GetValue<string>()))
            .Where(m => m.User is not null && m.Membership is "join" or "invite")
            .ToList();
        var withInvited = members.Any(m => m.Membership == "invite") // the visibility is asked only when someone is invited
            && (await session.GetOrNullAsync(room + "/state/m.room.history_visibility/", cancellationToken))?["history_visibility"]?.GetValue<string>() != "joined";
        return [.. members.Where(m => m.Membership == "join" || withInvited).Select(m => m.User!).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>The room's outbound session: the stored one while it may still be used, else a new one.</summary>
    private static Outbound Rotate(DeviceContext device, string roomId, JsonObject settings, List<DeviceIdentity> recipients)
    {
        var period = settings["rotation_period_ms"] is JsonValue ms ? TimeSpan.FromMilliseconds(ms.GetValue<double>()) : DefaultRotationPeriod;
        var messages = RotationMessages(settings);
        var current = recipients.Select(r => r.UserId + " " + r.DeviceId).ToHashSet(StringComparer.Ordinal);
        if (device.Store.OutboundGroupSession(roomId) is { } stored)
        {
            var sharedWith = SharedWith(stored);
            var fresh = device.NowMs - stored.CreatedMs < period.TotalMilliseconds && stored.Messages < messages;
            if (fresh && sharedWith.Where(d => !d.StartsWith(Told, StringComparison.Ordinal)).All(current.Contains))
            {
                return new Outbound(MegolmOutboundSession.FromJson(JsonNode.Parse(stored.State)), stored, sharedWith);
            }
        }

        var session = MegolmOutboundSession.Create();
        // Its inbound copy, as a key received from ourselves: a reader of this device (events follow, tail) decrypts what
        // this device sent.
        var inbound = MegolmInboundSession.FromSessionKey(session.SessionKey());
        device.Store.SaveInboundGroupSession(new InboundGroupRecord(roomId, session.SessionId, device.Account.Curve25519Key, device.Account.Ed25519Key, device.UserId, inbound.ToJson().ToJsonString(), inbound.FirstKnownIndex));
        return new Outbound(session, new OutboundGroupRecord(roomId, session.ToJson().ToJsonString(), device.NowMs, 0, "[]"), []);
    }

    /// <summary>The mark of a device in a session's shared-with list that was told it gets no key (not a recipient).</summary>
    private const string Told = "-";

    private static string SharedWithJson(HashSet<string> sharedWith) =>
        new JsonArray([.. sharedWith.Order(StringComparer.Ordinal).Select(s => (JsonNode)s)]).ToJsonString();

    /// <summary>How many messages a session of the room encrypts before it rotates: the room's
    /// <c>rotation_period_msgs</c>, else 100.</summary>
    private static long RotationMessages(JsonObject settings) =>
        settings["rotation_period_msgs"] is JsonValue count ? Math.Max(1, (long)count.GetValue<double>()) : DefaultRotationMessages;

    private static HashSet<string> SharedWith(OutboundGroupRecord record) =>
        [.. (JsonNode.Parse(record.SharedWith) as JsonArray ?? []).Select(n => n!.GetValue<string>())];

    /// <summary>Shares the room key over Olm with the recipients that do not have it yet (claiming one-time keys for
    /// devices without an Olm session), and tells the refused why. Every session is on disk before the messages leave.</summary>
    private async Task ShareAsync(DeviceContext device, string roomId, Outbound outbound, List<DeviceIdentity> recipients, List<Withheld> withheld, CancellationToken cancellationToken)
    {
        var missing = recipients.Where(r => !outbound.SharedWith.Contains(r.UserId + " " + r.DeviceId)).ToList();
        if (missing.Count > 0)
        {
            var sessions = await OlmSessionsAsync(device, missing, withheld, cancellationToken);
            var messages = new JsonObject();
            var roomKey = RoomKeyContent.RoomKey(roomId, outbound.Session);
            var ours = device.Account.DeviceKeysForUpload(device.UserId, device.DeviceId);
            foreach (var (identity, olm) in sessions)
            {
                var plaintext = EncryptedContent.OlmPlaintext("m.room_key", roomKey, new OlmParties(device.UserId, device.DeviceId, device.Account.Ed25519Key, identity.UserId, identity.Ed25519Key), ours);
                var message = olm.Encrypt(plaintext);
                device.Store.SaveOlmSession(identity.Curve25519Key, olm.SessionId, olm.ToJson().ToJsonString(), device.NowMs);
                Add(messages, identity.UserId, identity.DeviceId, EncryptedContent.ToDevice(device.Account.Curve25519Key, identity.Curve25519Key, message));
            }

            // The session is on disk before its key leaves; its recipients are added only once the key left: a process
            // killed in between shares the key again on the next send (a second m.room_key is harmless, a missing one is not).
            device.Store.SaveOutboundGroupSession(outbound.Record with { State = outbound.Session.ToJson().ToJsonString() });
            if (messages.Count > 0)
            {
                await SendToDeviceAsync("m.room.encrypted", messages, cancellationToken);
            }

            outbound.SharedWith.UnionWith(sessions.Select(s => s.Identity.UserId + " " + s.Identity.DeviceId));
            device.Store.SaveOutboundGroupSession(outbound.Record with
            {
                State = outbound.Session.ToJson().ToJsonString(),
                SharedWith = SharedWithJson(outbound.SharedWith),
            });
            outbound.Record = device.Store.OutboundGroupSession(roomId)!;
        }
        else if (device.Store.OutboundGroupSession(roomId) is null)
        {
            device.Store.SaveOutboundGroupSession(outbound.Record);
        }

        // Each refused device is told once per session (and again when the session rotates).
        var untold = withheld.Where(w => outbound.SharedWith.Add(Told + w.UserId + " " + w.DeviceId)).ToList();
        if (untold.Count > 0)
        {
            device.Store.SaveOutboundGroupSession(outbound.Record with { SharedWith = SharedWithJson(outbound.SharedWith) });
            outbound.Record = device.Store.OutboundGroupSession(roomId)!;
            var notices = new JsonObject();
            foreach (var refused in untold)
            {
                Add(notices, refused.UserId, refused.DeviceId, RoomKeyContent.Withheld(refused.Code, device.Account.Curve25519Key, refused.Code == WithheldCode.NoOlm ? null : roomId, refused.Code == WithheldCode.NoOlm ? null : outbound.Session.SessionId, refused.Reason));
            }

            await SendToDeviceAsync("m.room_key.withheld", notices, cancellationToken);
        }
    }

    /// <summary>An Olm session with each device: the last one used, else a new one from a claimed one-time key whose
    /// signature checks; a device with neither is refused (<c>m.no_olm</c>).</summary>
    private async Task<List<(DeviceIdentity Identity, OlmSession Session)>> OlmSessionsAsync(DeviceContext device, List<DeviceIdentity> devices, List<Withheld> withheld, CancellationToken cancellationToken)
    {
        var sessions = new List<(DeviceIdentity, OlmSession)>();
        var claim = new List<DeviceIdentity>();
        foreach (var identity in devices)
        {
            if (device.Store.OlmSessions(identity.Curve25519Key) is [var (_, state), ..])
            {
                sessions.Add((identity, OlmSession.FromJson(JsonNode.Parse(state))));
            }
            else
            {
                claim.Add(identity);
            }
        }

        if (claim.Count == 0)
        {
            return sessions;
        }

        var (claimed, refused) = await DeviceRequests.NewSessionsAsync(session, device.Account, claim, cancellationToken);
        sessions.AddRange(claimed);
        withheld.AddRange(refused.Select(r => new Withheld(r.Identity.UserId, r.Identity.DeviceId, r.Identity.Curve25519Key, r.Code, r.Why)));
        return sessions;
    }

    private Task<JsonNode> SendToDeviceAsync(string type, JsonObject messages, CancellationToken cancellationToken) =>
        DeviceRequests.SendToDeviceAsync(session, type, messages, cancellationToken);

    private static void Add(JsonObject map, string userId, string deviceId, JsonNode value) => DeviceRequests.Add(map, userId, deviceId, value);

    /// <summary>What this device is while it holds its crypto lock.</summary>
    internal sealed record DeviceContext(CryptoStore Store, string UserId, string DeviceId, OlmAccount Account, long NowMs, JsonObject Query) : IDisposable
    {
        /// <summary>What <c>/keys/query</c> listed: user id → device id → device keys.</summary>
        public JsonObject DeviceKeys => Query["device_keys"] as JsonObject ?? [];

        /// <summary>Releases the device's crypto lock.</summary>
        public void Dispose() => Store.Dispose();
    }

    /// <summary>The room's outbound session in use, its stored record and the devices it was shared with.</summary>
    private sealed class Outbound(MegolmOutboundSession session, OutboundGroupRecord record, HashSet<string> sharedWith)
    {
        public MegolmOutboundSession Session => session;

        public OutboundGroupRecord Record { get; set; } = record;

        public HashSet<string> SharedWith => sharedWith;
    }

    /// <summary>A device given no room key, and why.</summary>
    private sealed record Withheld(string UserId, string DeviceId, string? Curve25519Key, WithheldCode Code, string Reason)
    {
        public string Describe() => $"{UserId} {DeviceId} ({RoomKeyContent.Code(Code)}: {Reason})";
    }
}

/// <summary>A device's encryption state as <c>crypto status</c> shows it: public keys and counts only.</summary>
/// <param name="UserId">The bot.</param>
/// <param name="DeviceId">This host's device.</param>
/// <param name="Ed25519Key">Its signing key.</param>
/// <param name="Curve25519Key">Its Olm identity key.</param>
/// <param name="CrossSigned">Whether the homeserver lists it signed by the bot's self-signing key, itself signed by the master key.</param>
/// <param name="MasterKey">The bot's master key as the server lists it, or null without an identity.</param>
/// <param name="OneTimeKeysOnServer">The server's count of its one-time keys, when last asked.</param>
/// <param name="OutboundRooms">The rooms it has an outbound Megolm session for.</param>
public sealed record DeviceCryptoStatus(string UserId, string DeviceId, string Ed25519Key, string Curve25519Key, bool CrossSigned, string? MasterKey, long OneTimeKeysOnServer, IReadOnlyList<string> OutboundRooms);
