using Solti.Matrix.Crypto;
using Solti.Matrix.Sessions;

namespace Solti.Matrix.Encryption;

/// <summary>Why an encrypted room event could not be decrypted (yet): the <c>reason</c> of an <c>undecryptable</c> line.</summary>
public static class UndecryptableReason
{
    /// <summary>This device has no key for the event's session (it may still arrive).</summary>
    public const string NoKey = "no_key";

    /// <summary>The sender said it will not share the key with this device (<c>m.room_key.withheld</c>; its code is given).</summary>
    public const string Withheld = "withheld";

    /// <summary>The key known starts after the event's message index (shared after it was sent).</summary>
    public const string UnknownIndex = "unknown_index";

    /// <summary>The session's message index was already used by another event: a replay, refused.</summary>
    public const string Replayed = "replayed";

    /// <summary>The ciphertext does not decrypt with the session (bad MAC or signature, malformed).</summary>
    public const string BadCiphertext = "bad_ciphertext";

    /// <summary>The plaintext is of another room (a key or event replayed into this one).</summary>
    public const string WrongRoom = "wrong_room";

    /// <summary>The session was shared by another user than the event's sender.</summary>
    public const string WrongSender = "wrong_sender";

    /// <summary>Not <c>m.megolm.v1.aes-sha2</c>.</summary>
    public const string UnsupportedAlgorithm = "unsupported_algorithm";
}

/// <summary>How far the sender's device is trusted, as a line says it (<c>trust</c>).</summary>
public static class SenderTrust
{
    /// <summary>The device's keys carry a valid signature by its owner's self-signing key, itself signed by their master
    /// key (cross-signing, as <c>/keys/query</c> lists it).</summary>
    public const string SignedByOwner = "signed_by_owner";

    /// <summary>A known device of the sender (its keys are those that shared the session) that its owner did not sign.</summary>
    public const string NotSignedByOwner = "not_signed_by_owner";

    /// <summary>No device of the sender lists the keys that shared the session (deleted, or never listed).</summary>
    public const string UnknownDevice = "unknown_device";
}

/// <summary>A room event as a reader sees it: the clear event (or, when it cannot be decrypted, the wire event), whether
/// it was encrypted, the sender's device and its trust (<see cref="SenderTrust"/>) for a decrypted one, why it is
/// undecryptable (<see cref="UndecryptableReason"/>) and the withheld code.</summary>
public sealed record ReadEvent(JsonObject Event, bool Encrypted, string? SenderDevice = null, string? Trust = null, string? Undecryptable = null, string? WithheldCode = null)
{
    /// <summary>The event's id.</summary>
    public string? EventId => EncryptedContent.Text(Event, "event_id");
}

/// <summary>The reading side of encrypted rooms for <c>events follow</c>/<c>tail</c> (docs/encryption.md, "Reading
/// encrypted rooms"): a Megolm event decrypted with the inbound session of (room, session id, sender key) from the
/// device's <see cref="CryptoStore"/> (filled by <see cref="DeviceInbox"/>), under the crypto lock; refused when its
/// index was already used by another event, when the plaintext is of another room, or when the session's sender is not
/// the event's. The clear event is the wire event with the plaintext's <c>type</c> and <c>content</c> (the wire's
/// <c>m.relates_to</c> kept when the plaintext lacks it). The sender's device is the one whose keys shared the session
/// (<c>/keys/query</c>, asked once per sender and again for a key it did not list), with its trust.</summary>
public sealed class RoomDecryptor(MatrixSession session, CredentialCache? cache)
{
    private readonly Dictionary<string, JsonObject> _keys = new(StringComparer.Ordinal);
    private (string UserId, string DeviceId)? _identity;

    /// <summary>How long a read waits for another process of the same device to finish with the crypto store.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The device's inbox (its sync step): <see cref="EncryptionException"/> without a credential cache.</summary>
    public DeviceInbox Inbox() => new(session, Cache) { LockTimeout = LockTimeout };

    /// <summary>The event as read: as is when not encrypted, else decrypted or undecryptable.</summary>
    public async Task<ReadEvent> ReadAsync(string roomId, JsonObject e, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (EncryptedContent.Text(e, "type") != "m.room.encrypted")
        {
            return new ReadEvent(e, Encrypted: false);
        }

        var (userId, deviceId) = _identity ??= await DeviceRequests.DeviceIdentityAsync(session, cancellationToken);
        ReadEvent read;
        InboundGroupRecord? key;
        using (var store = await CryptoStore.OpenAsync(Cache, session.Http.Options.Homeserver, userId, deviceId, LockTimeout, cancellationToken))
        {
            (read, key) = Decrypt(store, roomId, e);
        }

        if (key is null)
        {
            return read;
        }

        var (device, trust) = await SenderDeviceAsync(key, cancellationToken);
        return read with { SenderDevice = device ?? EncryptedContent.Text(e["content"] as JsonObject ?? [], "device_id"), Trust = trust };
    }

    /// <summary>Decrypts <paramref name="e"/> with the store's keys: the read event and the session that decrypted it (null
    /// when undecryptable). The index is remembered for the event, so a replay in another event is refused.</summary>
    internal static (ReadEvent Read, InboundGroupRecord? Key) Decrypt(CryptoStore store, string roomId, JsonObject e)
    {
        var content = e["content"] as JsonObject ?? [];
        if (EncryptedContent.Text(content, "algorithm") != Algorithms.Megolm)
        {
            return (Undecryptable(e, UndecryptableReason.UnsupportedAlgorithm), null);
        }

        var sessionId = EncryptedContent.Text(content, "session_id") ?? "";
        var senderKey = EncryptedContent.Text(content, "sender_key") ?? "";
        if (store.InboundGroupSession(roomId, sessionId, senderKey) is not { } key)
        {
            return store.Withheld(roomId, sessionId, senderKey) is { } withheld
                ? (Undecryptable(e, UndecryptableReason.Withheld) with { WithheldCode = withheld.Code }, null)
                : (Undecryptable(e, UndecryptableReason.NoKey), null);
        }

        MegolmDecryption decrypted;
        JsonObject payload;
        try
        {
            decrypted = MegolmInboundSession.FromJson(JsonNode.Parse(key.State)).Decrypt(EncryptedContent.Text(content, "ciphertext") ?? "");
            payload = EncryptedContent.ReadMegolmPlaintext(decrypted.Plaintext, roomId);
        }
        catch (CryptoException failure)
        {
            return (Undecryptable(e, failure.Failure switch
            {
                CryptoFailure.UnknownMessageIndex => UndecryptableReason.UnknownIndex,
                CryptoFailure.BadPayload => UndecryptableReason.WrongRoom,
                _ => UndecryptableReason.BadCiphertext,
            }), null);
        }

        var eventId = EncryptedContent.Text(e, "event_id") ?? "";
        if (store.MegolmIndexEvent(sessionId, decrypted.MessageIndex) is { } first && first != eventId)
        {
            return (Undecryptable(e, UndecryptableReason.Replayed), null);
        }

        if (key.SenderUser != EncryptedContent.Text(e, "sender"))
        {
            return (Undecryptable(e, UndecryptableReason.WrongSender), null);
        }

        store.RememberMegolmIndex(sessionId, decrypted.MessageIndex, eventId);
        return (new ReadEvent(Clear(e, payload), Encrypted: true), key);
    }

    /// <summary>The wire event with the plaintext's type and content; the wire's <c>m.relates_to</c> when the plaintext
    /// has none (it stays in the clear for relations).</summary>
    private static JsonObject Clear(JsonObject e, JsonObject payload)
    {
        var clear = (JsonObject)e.DeepClone();
        var content = (JsonObject)payload["content"]!.DeepClone();
        if (content["m.relates_to"] is null && e["content"]?["m.relates_to"] is JsonObject relation)
        {
            content["m.relates_to"] = relation.DeepClone();
        }

        clear["type"] = payload["type"]!.DeepClone();
        clear["content"] = content;
        return clear;
    }

    private static ReadEvent Undecryptable(JsonObject e, string reason) => new(e, Encrypted: true, Undecryptable: reason);

    /// <summary>The sender's device whose keys are the session's sender key and claimed Ed25519 key, and its trust.</summary>
    private async Task<(string? DeviceId, string Trust)> SenderDeviceAsync(InboundGroupRecord key, CancellationToken cancellationToken)
    {
        for (var asked = false; ; asked = true)
        {
            if (!_keys.TryGetValue(key.SenderUser, out var answer) || asked)
            {
                _keys[key.SenderUser] = answer = await DeviceRequests.QueryKeysAsync(session, [key.SenderUser], cancellationToken, whole: true);
            }

            if (Trust(answer, key) is { } found)
            {
                return found;
            }

            if (asked)
            {
                return (null, SenderTrust.UnknownDevice);
            }
        }
    }

    /// <summary>The device of <paramref name="answer"/> (a <c>/keys/query</c> answer) that holds the session's keys and
    /// its trust; null when none does.</summary>
    internal static (string DeviceId, string Trust)? Trust(JsonObject answer, InboundGroupRecord key)
    {
        foreach (var (deviceId, keys) in answer["device_keys"]?[key.SenderUser] as JsonObject ?? [])
        {
            try
            {
                var identity = DeviceKeys.Verify(keys as JsonObject ?? [], key.SenderUser, deviceId);
                if (identity.Curve25519Key == key.SenderKey && identity.Ed25519Key == key.SenderEd25519)
                {
                    return (deviceId, SignedByOwner(answer, key.SenderUser, (JsonObject)keys!) ? SenderTrust.SignedByOwner : SenderTrust.NotSignedByOwner);
                }
            }
            catch (CryptoException)
            {
                // a device whose keys do not verify holds nothing
            }
        }

        return null;
    }

    /// <summary>Whether <paramref name="deviceKeys"/> carry a valid signature by the user's self-signing key, itself
    /// signed by their master key (both as <c>/keys/query</c> lists them).</summary>
    private static bool SignedByOwner(JsonObject answer, string userId, JsonObject deviceKeys) =>
        answer["master_keys"]?[userId] is JsonObject master && OnlyKey(master) is { } masterKey
        && answer["self_signing_keys"]?[userId] is JsonObject selfSigning && OnlyKey(selfSigning) is { } selfSigningKey
        && SignedJson.Verify(selfSigning, userId, "ed25519:" + masterKey, masterKey)
        && SignedJson.Verify(deviceKeys, userId, "ed25519:" + selfSigningKey, selfSigningKey);

    /// <summary>A cross-signing key's one Ed25519 public key.</summary>
    private static string? OnlyKey(JsonObject crossSigningKey) =>
        crossSigningKey["keys"] is JsonObject keys && keys.Count == 1 && keys.First().Value is JsonValue value && value.TryGetValue<string>(out var key) ? key : null;

    private CredentialCache Cache => cache ?? throw new EncryptionException("reading an encrypted room needs the device's keys kept in the credential cache, which this run does not use (--no-cache, or no token_cache): its events cannot be decrypted");
}
