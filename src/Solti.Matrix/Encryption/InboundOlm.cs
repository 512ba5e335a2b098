using Microsoft.Extensions.Logging;
using Solti.Matrix.Crypto;

namespace Solti.Matrix.Encryption;

/// <summary>The to-device messages of one sync step, handled under the device's crypto lock (<see cref="DeviceInbox"/>):
/// <list type="bullet">
/// <item><c>m.room.encrypted</c> (<c>m.olm.v1.curve25519-aes-sha2</c>): our ciphertext by our Curve25519 key, tried
/// with every stored Olm session of the sender's key, else (a pre-key message) a new inbound session from the account
/// (its one-time key removed, the account saved); the plaintext passes the spec's checks (sender, recipient, our
/// Ed25519 key, and <c>keys.ed25519</c> the sending device's as <c>/keys/query</c> lists the device whose Curve25519
/// key sent it, pinned as first seen). A message no session decrypts and that starts none marks the device wedged
/// (<see cref="Wedged"/>).</item>
/// <item><c>m.room_key</c>, from inside Olm only (a cleartext one is ignored): the inbound Megolm session kept, with the
/// sender's key, claimed Ed25519 key and user; a key for a known session replaces it only when it knows an earlier
/// index.</item>
/// <item><c>m.room_key.withheld</c> (cleartext): recorded.</item>
/// </list>
/// A message that fails is logged (without its content) and skipped: it is never stored.</summary>
internal sealed class InboundOlm(CryptoStore store, OlmAccount account, string userId, JsonObject senderDevices, long nowMs, ILogger logger)
{
    /// <summary>At most one <c>m.dummy</c> per wedged device this often.</summary>
    public static readonly TimeSpan UnwedgeInterval = TimeSpan.FromHours(1);

    private readonly List<DeviceIdentity> _wedged = [];

    /// <summary>The devices whose Olm message no session decrypted.</summary>
    public IReadOnlyCollection<DeviceIdentity> Wedged => _wedged;

    /// <summary>How many room keys were kept.</summary>
    public int RoomKeys { get; private set; }

    /// <summary>How many withheld notices were recorded.</summary>
    public int Withheld { get; private set; }

    /// <summary>Handles one to-device message.</summary>
    public void Handle(JsonObject message)
    {
        var type = EncryptedContent.Text(message, "type");
        var sender = EncryptedContent.Text(message, "sender");
        var content = message["content"] as JsonObject ?? [];
        switch (type)
        {
            case "m.room.encrypted" when sender is not null:
                Decrypt(sender, content);
                break;
            case "m.room_key.withheld":
                RecordWithheld(content);
                break;
            case "m.room_key":
                logger.LogWarning("ignored an m.room_key from {Sender} sent in the clear: room keys are accepted only from inside Olm", sender);
                break;
        }
    }

    private void Decrypt(string sender, JsonObject content)
    {
        try
        {
            var (senderKey, message) = EncryptedContent.ReadToDevice(content, account.Curve25519Key);
            if (Plaintext(sender, senderKey, message) is not { } plaintext)
            {
                return;
            }

            var device = SenderDevice(sender, senderKey) ?? throw new CryptoException(CryptoFailure.BadPayload, $"no device of {sender} lists the Curve25519 key that sent it (with a valid self-signature, and the keys first seen)");
            var payload = EncryptedContent.ReadOlmPlaintext(plaintext, new OlmParties(sender, device.DeviceId, device.Ed25519Key, userId, account.Ed25519Key));
            if (EncryptedContent.Text(payload, "type") == "m.room_key")
            {
                KeepRoomKey(payload["content"] as JsonObject ?? [], sender, senderKey, device.Ed25519Key);
            }
        }
        catch (CryptoException e)
        {
            logger.LogWarning("refused an Olm message from {Sender}: {Why}", sender, e.Message);
        }
    }

    /// <summary>The message decrypted by a stored session of the sender's key, else by a new inbound session (pre-key
    /// message); null (and the sender's device marked wedged) when neither can.</summary>
    private byte[]? Plaintext(string sender, string senderKey, OlmMessage message)
    {
        foreach (var (_, state) in store.OlmSessions(senderKey))
        {
            var olm = OlmSession.FromJson(JsonNode.Parse(state));
            try
            {
                var plaintext = olm.Decrypt(message);
                store.SaveOlmSession(senderKey, olm.SessionId, olm.ToJson().ToJsonString(), nowMs);
                return plaintext;
            }
            catch (CryptoException)
            {
                // another of the device's sessions may be the one
            }
        }

        if (message.Type != OlmMessageType.PreKey)
        {
            if (SenderDevice(sender, senderKey) is { } device)
            {
                _wedged.Add(device);
            }

            logger.LogWarning("no Olm session with {Sender} ({Key}) decrypts its message", sender, senderKey);
            return null;
        }

        var created = account.CreateInboundSession(message, senderKey);
        store.SaveAccount(account.ToJson().ToJsonString()); // its one-time key is spent
        store.SaveOlmSession(senderKey, created.Session.SessionId, created.Session.ToJson().ToJsonString(), nowMs);
        return created.Plaintext;
    }

    /// <summary>The sender's device whose Curve25519 key is <paramref name="senderKey"/>, as <c>/keys/query</c> lists it
    /// with a valid self-signature, and pinned: the keys first seen for it (remembered now when new); null otherwise.</summary>
    private DeviceIdentity? SenderDevice(string sender, string senderKey)
    {
        foreach (var (deviceId, keys) in senderDevices[sender] as JsonObject ?? [])
        {
            if (keys?["keys"]?["curve25519:" + deviceId] is not JsonValue curve || curve.GetValue<string>() != senderKey)
            {
                continue;
            }

            try
            {
                var identity = DeviceKeys.Verify(keys as JsonObject ?? [], sender, deviceId);
                return store.PinDevice(identity, nowMs) ? identity : null;
            }
            catch (CryptoException)
            {
                return null;
            }
        }

        return null;
    }

    /// <summary>Keeps an <c>m.room_key</c>'s Megolm session: a new one, or one that knows an earlier index than the kept one.</summary>
    private void KeepRoomKey(JsonObject content, string sender, string senderKey, string senderEd25519)
    {
        if (EncryptedContent.Text(content, "algorithm") != Algorithms.Megolm
            || EncryptedContent.Text(content, "room_id") is not { } roomId
            || EncryptedContent.Text(content, "session_id") is not { } sessionId
            || EncryptedContent.Text(content, "session_key") is not { } sessionKey)
        {
            throw new CryptoException(CryptoFailure.BadPayload, "an m.room_key without a Megolm room_id, session_id and session_key");
        }

        var session = MegolmInboundSession.FromSessionKey(sessionKey);
        if (session.SessionId != sessionId)
        {
            throw new CryptoException(CryptoFailure.BadPayload, "an m.room_key whose session_key is not of its session_id");
        }

        if (store.InboundGroupSession(roomId, sessionId, senderKey) is { } kept && kept.FirstIndex <= session.FirstKnownIndex)
        {
            return;
        }

        store.SaveInboundGroupSession(new InboundGroupRecord(roomId, sessionId, senderKey, senderEd25519, sender, session.ToJson().ToJsonString(), session.FirstKnownIndex));
        RoomKeys++;
    }

    private void RecordWithheld(JsonObject content)
    {
        if (EncryptedContent.Text(content, "room_id") is { } roomId
            && EncryptedContent.Text(content, "session_id") is { } sessionId
            && EncryptedContent.Text(content, "sender_key") is { } senderKey
            && EncryptedContent.Text(content, "code") is { } code)
        {
            store.SaveWithheld(new WithheldRecord(roomId, sessionId, senderKey, code, EncryptedContent.Text(content, "reason")));
            Withheld++;
        }
    }
}
