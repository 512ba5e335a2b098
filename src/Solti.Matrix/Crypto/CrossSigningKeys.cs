namespace Solti.Matrix.Crypto;

/// <summary>A user's cross-signing identity (spec, client-server API, "Cross-signing"): three Ed25519 keys, each the
/// public key of a 32-byte seed. The master key is the identity; it signs the self-signing key (which signs the user's
/// own devices) and the user-signing key (which signs other users' master keys). Their upload bodies for
/// <c>/keys/device_signing/upload</c>, the signatures for <c>/keys/signatures/upload</c>, and the check of a device's
/// chain (device ← self-signing ← master). The secrets, as secret storage keeps them, are the seeds in unpadded base64
/// under <see cref="MasterSecret"/>, <see cref="SelfSigningSecret"/> and <see cref="UserSigningSecret"/>.</summary>
public sealed class CrossSigningKeys
{
    /// <summary>The secret name of the master key's seed.</summary>
    public const string MasterSecret = "m.cross_signing.master";

    /// <summary>The secret name of the self-signing key's seed.</summary>
    public const string SelfSigningSecret = "m.cross_signing.self_signing";

    /// <summary>The secret name of the user-signing key's seed.</summary>
    public const string UserSigningSecret = "m.cross_signing.user_signing";

    private CrossSigningKeys(string userId, Ed25519KeyPair master, Ed25519KeyPair selfSigning, Ed25519KeyPair userSigning) =>
        (UserId, Master, SelfSigning, UserSigning) = (userId, master, selfSigning, userSigning);

    /// <summary>Whose identity it is.</summary>
    public string UserId { get; }

    /// <summary>The master key.</summary>
    public Ed25519KeyPair Master { get; }

    /// <summary>The self-signing key.</summary>
    public Ed25519KeyPair SelfSigning { get; }

    /// <summary>The user-signing key.</summary>
    public Ed25519KeyPair UserSigning { get; }

    /// <summary>Three new keys from <paramref name="random"/> (the kernel's when null).</summary>
    public static CrossSigningKeys Generate(string userId, IRandomSource? random = null) =>
        new(userId, Ed25519KeyPair.Generate(random), Ed25519KeyPair.Generate(random), Ed25519KeyPair.Generate(random));

    /// <summary>The keys of known seeds.</summary>
    public static CrossSigningKeys FromSeeds(string userId, ReadOnlySpan<byte> master, ReadOnlySpan<byte> selfSigning, ReadOnlySpan<byte> userSigning) =>
        new(userId, Ed25519KeyPair.FromSeed(master), Ed25519KeyPair.FromSeed(selfSigning), Ed25519KeyPair.FromSeed(userSigning));

    /// <summary>The secrets to keep in secret storage: secret name → the seed in unpadded base64.</summary>
    public IReadOnlyList<(string Name, string Secret)> Secrets() =>
    [
        (MasterSecret, UnpaddedBase64.Encode(Master.ExportSeed())),
        (SelfSigningSecret, UnpaddedBase64.Encode(SelfSigning.ExportSeed())),
        (UserSigningSecret, UnpaddedBase64.Encode(UserSigning.ExportSeed())),
    ];

    /// <summary>A key pair of a secret as secret storage keeps it (the seed in unpadded base64).</summary>
    public static Ed25519KeyPair FromSecret(string secret) => Ed25519KeyPair.FromSeed(UnpaddedBase64.DecodeExact(secret, Ed25519KeyPair.KeyLength, "a cross-signing secret"));

    /// <summary>The body of <c>/keys/device_signing/upload</c> (the caller adds <c>auth</c>): <c>master_key</c>,
    /// and <c>self_signing_key</c> and <c>user_signing_key</c> signed by the master key.</summary>
    public JsonObject UploadBody()
    {
        var selfSigning = KeyObject(UserId, "self_signing", SelfSigning.PublicKey);
        var userSigning = KeyObject(UserId, "user_signing", UserSigning.PublicKey);
        SignedJson.Sign(selfSigning, UserId, KeyId(Master.PublicKey), Master);
        SignedJson.Sign(userSigning, UserId, KeyId(Master.PublicKey), Master);
        return new JsonObject
        {
            ["master_key"] = KeyObject(UserId, "master", Master.PublicKey),
            ["self_signing_key"] = selfSigning,
            ["user_signing_key"] = userSigning,
        };
    }

    /// <summary>The cross-signing key object of <paramref name="usage"/> (<c>master</c>, <c>self_signing</c>,
    /// <c>user_signing</c>): <c>{user_id, usage: [usage], keys: {"ed25519:{key}": key}}</c>, unsigned.</summary>
    public static JsonObject KeyObject(string userId, string usage, string publicKey) => new()
    {
        ["keys"] = new JsonObject { [KeyId(publicKey)] = publicKey },
        ["usage"] = new JsonArray(usage),
        ["user_id"] = userId,
    };

    /// <summary>The key id of a cross-signing key: <c>ed25519:</c> and the public key itself.</summary>
    public static string KeyId(string publicKey) => "ed25519:" + publicKey;

    /// <summary>One of the user's devices' keys signed by <paramref name="selfSigning"/>, for
    /// <c>/keys/signatures/upload</c>: the device keys as <c>/keys/query</c> listed them (without their
    /// <c>unsigned</c>), with only the new signature under <c>signatures</c>.</summary>
    public static JsonObject SignDevice(JsonObject deviceKeys, string userId, Ed25519KeyPair selfSigning)
    {
        ArgumentNullException.ThrowIfNull(deviceKeys);
        ArgumentNullException.ThrowIfNull(selfSigning);
        var signed = SignedJson.WithoutSignatures(deviceKeys);
        SignedJson.Sign(signed, userId, KeyId(selfSigning.PublicKey), selfSigning);
        return signed;
    }

    /// <summary>The master key object signed by one of the user's devices (<paramref name="sign"/> signs with the
    /// device's Ed25519 key, e.g. <see cref="OlmAccount.Sign"/>), for <c>/keys/signatures/upload</c>.</summary>
    public static JsonObject SignMaster(JsonObject masterKey, Action<JsonObject> sign)
    {
        ArgumentNullException.ThrowIfNull(sign);
        var signed = SignedJson.WithoutSignatures(masterKey);
        sign(signed);
        return signed;
    }

    /// <summary>The single Ed25519 public key of a cross-signing key object of <paramref name="userId"/> with
    /// <paramref name="usage"/>; null when it is not one.</summary>
    public static string? PublicKeyOf(JsonObject? key, string userId, string usage)
    {
        if (key is null || key["user_id"] is not JsonValue user || !user.TryGetValue<string>(out var owner) || owner != userId
            || key["usage"] is not JsonArray usages || !usages.Any(u => u is JsonValue v && v.TryGetValue<string>(out var s) && s == usage)
            || key["keys"] is not JsonObject keys || keys.Count != 1)
        {
            return null;
        }

        var (id, value) = keys.First();
        return value is JsonValue k && k.TryGetValue<string>(out var publicKey) && id == KeyId(publicKey) ? publicKey : null;
    }

    /// <summary>Whether a device's keys carry the cross-signing chain of their owner: the self-signing key, signed by the
    /// master key, signs the device keys (<paramref name="deviceKeys"/>, <paramref name="selfSigningKey"/> and
    /// <paramref name="masterKey"/> as <c>/keys/query</c> returns them).</summary>
    public static bool IsDeviceCrossSigned(JsonObject deviceKeys, JsonObject? selfSigningKey, JsonObject? masterKey, string userId)
    {
        ArgumentNullException.ThrowIfNull(deviceKeys);
        return PublicKeyOf(masterKey, userId, "master") is { } master
            && PublicKeyOf(selfSigningKey, userId, "self_signing") is { } selfSigning
            && SignedJson.Verify(selfSigningKey!, userId, KeyId(master), master)
            && SignedJson.Verify(deviceKeys, userId, KeyId(selfSigning), selfSigning);
    }

    /// <summary>Only the public keys.</summary>
    public override string ToString() => $"CrossSigningKeys {{ UserId = {UserId}, Master = {Master.PublicKey}, SelfSigning = {SelfSigning.PublicKey}, UserSigning = {UserSigning.PublicKey} }}";
}
