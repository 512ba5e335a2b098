namespace Solti.Matrix.Crypto;

/// <summary>A device's identity as its signed device keys state it.</summary>
/// <param name="UserId">The device's owner.</param>
/// <param name="DeviceId">The device.</param>
/// <param name="Curve25519Key">Its Olm identity key (unpadded base64).</param>
/// <param name="Ed25519Key">Its signing key (unpadded base64).</param>
public sealed record DeviceIdentity(string UserId, string DeviceId, string Curve25519Key, string Ed25519Key);

/// <summary>Device keys and one-time keys as <c>/keys/upload</c> takes them and <c>/keys/query</c> and <c>/keys/claim</c>
/// return them: built and signed for our device, checked for another's.</summary>
public static class DeviceKeys
{
    /// <summary>The signed device keys object of a device: its algorithms, <c>curve25519:{device}</c> and
    /// <c>ed25519:{device}</c> keys, signed by the latter.</summary>
    internal static JsonObject Build(string userId, string deviceId, string curve25519Key, Ed25519KeyPair signingKey)
    {
        var keys = new JsonObject
        {
            ["algorithms"] = new JsonArray(Algorithms.Olm, Algorithms.Megolm),
            ["device_id"] = deviceId,
            ["keys"] = new JsonObject { ["curve25519:" + deviceId] = curve25519Key, ["ed25519:" + deviceId] = signingKey.PublicKey },
            ["user_id"] = userId,
        };
        SignedJson.Sign(keys, userId, "ed25519:" + deviceId, signingKey);
        return keys;
    }

    /// <summary>A one-time or fallback key signed by the device: <c>{"key", ["fallback": true,] "signatures"}</c>.</summary>
    internal static JsonObject SignedKey(string curve25519Key, bool fallback, string userId, string deviceId, Ed25519KeyPair signingKey)
    {
        var key = new JsonObject { ["key"] = curve25519Key };
        if (fallback)
        {
            key["fallback"] = true;
        }

        SignedJson.Sign(key, userId, "ed25519:" + deviceId, signingKey);
        return key;
    }

    /// <summary>The identity in another device's keys, as <c>/keys/query</c> returns them, once they name the expected
    /// user and device and carry a valid signature by their own Ed25519 key; <see cref="CryptoException"/>
    /// (<see cref="CryptoFailure.BadEncoding"/> or <see cref="CryptoFailure.BadSignature"/>) otherwise.</summary>
    public static DeviceIdentity Verify(JsonObject deviceKeys, string userId, string deviceId)
    {
        ArgumentNullException.ThrowIfNull(deviceKeys);
        if (Text(deviceKeys, "user_id") != userId || Text(deviceKeys, "device_id") != deviceId)
        {
            throw new CryptoException(CryptoFailure.BadEncoding, "device keys of another user or device than asked for");
        }

        var keys = deviceKeys["keys"] as JsonObject;
        var curve = keys is null ? null : Text(keys, "curve25519:" + deviceId);
        var ed = keys is null ? null : Text(keys, "ed25519:" + deviceId);
        if (curve is null || ed is null)
        {
            throw new CryptoException(CryptoFailure.BadEncoding, "device keys without their curve25519 and ed25519 keys");
        }

        return SignedJson.Verify(deviceKeys, userId, "ed25519:" + deviceId, ed)
            ? new DeviceIdentity(userId, deviceId, curve, ed)
            : throw new CryptoException(CryptoFailure.BadSignature, "device keys not signed by their own ed25519 key");
    }

    /// <summary>The Curve25519 key of a claimed one-time key (<c>signed_curve25519</c>, as <c>/keys/claim</c> returns it)
    /// once its signature by the device's Ed25519 key checks; <see cref="CryptoException"/> otherwise.</summary>
    public static string VerifyOneTimeKey(JsonObject claimedKey, string userId, string deviceId, string ed25519Key)
    {
        ArgumentNullException.ThrowIfNull(claimedKey);
        var key = Text(claimedKey, "key") ?? throw new CryptoException(CryptoFailure.BadEncoding, "a claimed one-time key without 'key'");
        return SignedJson.Verify(claimedKey, userId, "ed25519:" + deviceId, ed25519Key)
            ? key
            : throw new CryptoException(CryptoFailure.BadSignature, "a one-time key not signed by the device");
    }

    private static string? Text(JsonObject obj, string name) =>
        obj[name] is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;
}
