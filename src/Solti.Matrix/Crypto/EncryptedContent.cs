namespace Solti.Matrix.Crypto;

/// <summary>The contents of <c>m.room.encrypted</c>, to-device (Olm) and in a room (Megolm), and the plaintexts they
/// carry (spec, "End-to-End Encryption": "Messaging Algorithms").</summary>
public static class EncryptedContent
{
    /// <summary>An Olm-encrypted to-device content: <c>{"algorithm", "sender_key", "ciphertext": {their curve25519 key:
    /// {"type", "body"}}}</c>.</summary>
    public static JsonObject ToDevice(string senderKey, string recipientKey, OlmMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new JsonObject
        {
            ["algorithm"] = Algorithms.Olm,
            ["sender_key"] = senderKey,
            ["ciphertext"] = new JsonObject { [recipientKey] = message.ToJson() },
        };
    }

    /// <summary>The Olm message for <paramref name="ourKey"/> in a to-device content and its sender's Curve25519 key;
    /// <see cref="CryptoException"/> when the content is not Olm or has nothing for us.</summary>
    public static (string SenderKey, OlmMessage Message) ReadToDevice(JsonObject content, string ourKey)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (Text(content, "algorithm") != Algorithms.Olm || Text(content, "sender_key") is not { } senderKey)
        {
            throw new CryptoException(CryptoFailure.BadEncoding, "not an Olm to-device content");
        }

        return content["ciphertext"] is JsonObject ciphertexts && ciphertexts[ourKey] is JsonObject mine
            ? (senderKey, OlmMessage.FromJson(mine))
            : throw new CryptoException(CryptoFailure.BadEncoding, "the Olm content has no ciphertext for this device");
    }

    /// <summary>The Olm plaintext (spec: OlmPlaintext): the event's <c>type</c> and <c>content</c>, <c>sender</c>,
    /// <c>sender_device</c>, <c>keys.ed25519</c> (ours), <c>recipient</c>, <c>recipient_keys.ed25519</c> (theirs) and,
    /// when given, our signed <c>sender_device_keys</c>; canonical JSON bytes.</summary>
    public static byte[] OlmPlaintext(string type, JsonObject content, OlmParties parties, JsonObject? senderDeviceKeys = null)
    {
        ArgumentNullException.ThrowIfNull(parties);
        var payload = new JsonObject
        {
            ["type"] = type,
            ["content"] = content.DeepClone(),
            ["sender"] = parties.Sender,
            ["sender_device"] = parties.SenderDevice,
            ["keys"] = new JsonObject { ["ed25519"] = parties.SenderEd25519 },
            ["recipient"] = parties.Recipient,
            ["recipient_keys"] = new JsonObject { ["ed25519"] = parties.RecipientEd25519 },
        };
        if (senderDeviceKeys is not null)
        {
            payload["sender_device_keys"] = senderDeviceKeys.DeepClone();
        }

        return CanonicalJson.Encode(payload);
    }

    /// <summary>A decrypted Olm plaintext once it passes the spec's checks ("Validation of incoming decrypted events"):
    /// the sender is the event's, <c>keys.ed25519</c> is the sending device's (when known), the recipient is us and
    /// <c>recipient_keys.ed25519</c> is our key; <see cref="CryptoException"/> (<see cref="CryptoFailure.BadPayload"/>)
    /// otherwise. The sending device's key, when not known, is the caller's to check against <c>keys.ed25519</c>.</summary>
    public static JsonObject ReadOlmPlaintext(ReadOnlySpan<byte> plaintext, OlmParties parties)
    {
        ArgumentNullException.ThrowIfNull(parties);
        JsonObject payload;
        try
        {
            payload = JsonNode.Parse(plaintext) as JsonObject ?? throw Refused("the Olm plaintext is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new CryptoException(CryptoFailure.BadPayload, "the Olm plaintext is not JSON", e);
        }

        if (Text(payload, "type") is null || payload["content"] is not JsonObject)
        {
            throw Refused("the Olm plaintext has no type or content");
        }

        if (Text(payload, "sender") != parties.Sender)
        {
            throw Refused("the Olm plaintext names another sender than the event's");
        }

        if (payload["keys"] is not JsonObject keys || Text(keys, "ed25519") is not { } senderEd25519 ||
            (parties.SenderEd25519.Length > 0 && senderEd25519 != parties.SenderEd25519))
        {
            throw Refused("the Olm plaintext's keys.ed25519 is not the sending device's");
        }

        if (Text(payload, "recipient") != parties.Recipient ||
            payload["recipient_keys"] is not JsonObject recipientKeys || Text(recipientKeys, "ed25519") != parties.RecipientEd25519)
        {
            throw Refused("the Olm plaintext is for another recipient");
        }

        return payload;
    }

    /// <summary>A Megolm-encrypted room content: <c>{"algorithm", "sender_key", "ciphertext", "session_id",
    /// "device_id"}</c>.</summary>
    public static JsonObject Room(string senderKey, string deviceId, string sessionId, string ciphertext) => new()
    {
        ["algorithm"] = Algorithms.Megolm,
        ["sender_key"] = senderKey,
        ["ciphertext"] = ciphertext,
        ["session_id"] = sessionId,
        ["device_id"] = deviceId,
    };

    /// <summary>What a Megolm message encrypts: <c>{"type", "content", "room_id"}</c> in canonical JSON.</summary>
    public static byte[] MegolmPlaintext(string roomId, string type, JsonObject content) =>
        CanonicalJson.Encode(new JsonObject { ["type"] = type, ["content"] = content.DeepClone(), ["room_id"] = roomId });

    /// <summary>A decrypted Megolm plaintext when it is for <paramref name="roomId"/>; <see cref="CryptoException"/>
    /// (<see cref="CryptoFailure.BadPayload"/>) otherwise (a key replayed into another room).</summary>
    public static JsonObject ReadMegolmPlaintext(ReadOnlySpan<byte> plaintext, string roomId)
    {
        JsonObject payload;
        try
        {
            payload = JsonNode.Parse(plaintext) as JsonObject ?? throw Refused("the Megolm plaintext is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new CryptoException(CryptoFailure.BadPayload, "the Megolm plaintext is not JSON", e);
        }

        return Text(payload, "room_id") == roomId && Text(payload, "type") is not null && payload["content"] is JsonObject
            ? payload
            : throw Refused("the Megolm plaintext is not an event of this room");
    }

    internal static string? Text(JsonObject obj, string name) =>
        obj[name] is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    private static CryptoException Refused(string why) => new(CryptoFailure.BadPayload, why);
}

/// <summary>Who an Olm message is between: the users and their devices' Ed25519 keys.</summary>
/// <param name="Sender">The sending user.</param>
/// <param name="SenderDevice">The sending device.</param>
/// <param name="SenderEd25519">The sending device's Ed25519 key (empty when reading and not yet known).</param>
/// <param name="Recipient">The receiving user.</param>
/// <param name="RecipientEd25519">The receiving device's Ed25519 key.</param>
public sealed record OlmParties(string Sender, string SenderDevice, string SenderEd25519, string Recipient, string RecipientEd25519);
