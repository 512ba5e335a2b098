namespace Solti.Matrix.Crypto;

/// <summary>An Olm session made from a pre-key message, and that message's plaintext.</summary>
/// <param name="Session">The new session: keep it only now that it has decrypted a message (the spec's rule).</param>
/// <param name="Plaintext">The decrypted pre-key message.</param>
public sealed record InboundOlmSession(OlmSession Session, byte[] Plaintext);

/// <summary>A device's Olm account: its identity keys (Curve25519 for Olm, Ed25519 for signing), its one-time keys
/// and fallback key, what <c>/keys/upload</c> takes of them, and the sessions made with them. Pure state: it produces and
/// consumes JSON bodies; the requests and the store are the caller's.</summary>
public sealed class OlmAccount
{
    /// <summary>One-time keys kept at most: the oldest are dropped beyond it.</summary>
    public const int MaxOneTimeKeys = 100;

    private const string Kind = "olm_account";

    private readonly Curve25519KeyPair identityKey;
    private readonly Ed25519KeyPair signingKey;
    private readonly List<OneTimeKey> oneTimeKeys = [];
    private readonly IRandomSource random;
    private uint nextKeyId;
    private OneTimeKey? fallbackKey;
    private OneTimeKey? previousFallbackKey;

    private OlmAccount(Curve25519KeyPair identityKey, Ed25519KeyPair signingKey, IRandomSource random)
    {
        this.identityKey = identityKey;
        this.signingKey = signingKey;
        this.random = random;
    }

    /// <summary>The Curve25519 identity key (unpadded base64): the device's <c>curve25519:{device}</c> key.</summary>
    public string Curve25519Key => identityKey.PublicKey;

    /// <summary>The Ed25519 signing key (unpadded base64): the device's <c>ed25519:{device}</c> key.</summary>
    public string Ed25519Key => signingKey.PublicKey;

    /// <summary>One-time keys not yet marked published.</summary>
    public int UnpublishedOneTimeKeyCount => oneTimeKeys.Count(key => !key.Published);

    /// <summary>A new account with new identity keys from <paramref name="random"/> (the kernel's when null).</summary>
    public static OlmAccount Create(IRandomSource? random = null)
    {
        random ??= KernelRandom.Instance;
        var signing = Ed25519KeyPair.Generate(random);
        return new OlmAccount(Curve25519KeyPair.Generate(random), signing, random);
    }

    /// <summary>The signed device keys for <c>/keys/upload</c>'s <c>device_keys</c>.</summary>
    public JsonObject DeviceKeysForUpload(string userId, string deviceId) => DeviceKeys.Build(userId, deviceId, Curve25519Key, signingKey);

    /// <summary>Signs <paramref name="value"/> in place as the device (<c>signatures.{user}.{ed25519:device}</c>).</summary>
    public string Sign(JsonObject value, string userId, string deviceId) => SignedJson.Sign(value, userId, "ed25519:" + deviceId, signingKey);

    /// <summary>Makes <paramref name="count"/> new one-time keys (unpublished); beyond <see cref="MaxOneTimeKeys"/> the
    /// oldest are dropped.</summary>
    public void GenerateOneTimeKeys(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        for (var i = 0; i < count; i++)
        {
            oneTimeKeys.Add(new OneTimeKey(++nextKeyId, Curve25519KeyPair.Generate(random)));
        }

        if (oneTimeKeys.Count > MaxOneTimeKeys)
        {
            oneTimeKeys.RemoveRange(0, oneTimeKeys.Count - MaxOneTimeKeys);
        }
    }

    /// <summary>The unpublished one-time keys, signed, for <c>/keys/upload</c>'s <c>one_time_keys</c>:
    /// <c>{"signed_curve25519:{id}": {"key", "signatures"}}</c>.</summary>
    public JsonObject OneTimeKeysForUpload(string userId, string deviceId)
    {
        var upload = new JsonObject();
        foreach (var key in oneTimeKeys.Where(key => !key.Published))
        {
            upload[key.Name] = DeviceKeys.SignedKey(key.Pair.PublicKey, fallback: false, userId, deviceId, signingKey);
        }

        return upload;
    }

    /// <summary>A new fallback key; the one it replaces is kept until <see cref="ForgetPreviousFallbackKey"/>, for
    /// pre-key messages still on their way.</summary>
    public void GenerateFallbackKey()
    {
        previousFallbackKey = fallbackKey;
        fallbackKey = new OneTimeKey(++nextKeyId, Curve25519KeyPair.Generate(random));
    }

    /// <summary>Drops the fallback key that the current one replaced.</summary>
    public void ForgetPreviousFallbackKey() => previousFallbackKey = null;

    /// <summary>The fallback key when unpublished, signed with <c>"fallback": true</c>, for <c>/keys/upload</c>'s
    /// <c>fallback_keys</c>; empty otherwise.</summary>
    public JsonObject FallbackKeyForUpload(string userId, string deviceId) => fallbackKey is { Published: false } key
        ? new JsonObject { [key.Name] = DeviceKeys.SignedKey(key.Pair.PublicKey, fallback: true, userId, deviceId, signingKey) }
        : [];

    /// <summary>Marks every one-time key and the fallback key published (after <c>/keys/upload</c> succeeded).</summary>
    public void MarkKeysAsPublished()
    {
        foreach (var key in oneTimeKeys)
        {
            key.Published = true;
        }

        fallbackKey?.Published = true;
    }

    /// <summary>An outbound session to another device from its Curve25519 identity key and a one-time key claimed from it
    /// (checked first with <see cref="DeviceKeys.VerifyOneTimeKey"/>); both in unpadded base64.</summary>
    public OlmSession CreateOutboundSession(string theirIdentityKey, string theirOneTimeKey) =>
        OlmSession.CreateOutbound(
            identityKey,
            UnpaddedBase64.DecodeExact(theirIdentityKey, Curve25519KeyPair.KeyLength, "their identity key"),
            UnpaddedBase64.DecodeExact(theirOneTimeKey, Curve25519KeyPair.KeyLength, "their one-time key"),
            random);

    /// <summary>A session from a pre-key message sent to one of our one-time (or fallback) keys, and its plaintext. The
    /// one-time key is removed only once the message decrypted; a fallback key stays (and the one it replaced goes, once a
    /// message used the new one). <see cref="CryptoException"/> when
    /// the key is not ours (<see cref="CryptoFailure.UnknownOneTimeKey"/>), the sender is not
    /// <paramref name="theirIdentityKey"/> (when given), or the message does not decrypt.</summary>
    public InboundOlmSession CreateInboundSession(OlmMessage preKeyMessage, string? theirIdentityKey = null)
    {
        var message = OlmPreKeyMessage.From(preKeyMessage);
        if (theirIdentityKey is not null && UnpaddedBase64.Encode(message.IdentityKey) != theirIdentityKey)
        {
            throw new CryptoException(CryptoFailure.WrongSession, "a pre-key message from another identity key than expected");
        }

        var key = new[] { fallbackKey, previousFallbackKey }.Concat(oneTimeKeys)
            .FirstOrDefault(candidate => candidate is not null && candidate.Pair.PublicKeyBytes().AsSpan().SequenceEqual(message.OneTimeKey))
            ?? throw new CryptoException(CryptoFailure.UnknownOneTimeKey, "a pre-key message for a one-time key this account does not have");
        var session = OlmSession.CreateInbound(identityKey, key.Pair, message, random);
        var plaintext = session.Decrypt(preKeyMessage);
        oneTimeKeys.Remove(key);
        if (key == fallbackKey)
        {
            previousFallbackKey = null; // a message used the new fallback key: the one it replaced is no longer needed
        }

        return new InboundOlmSession(session, plaintext);
    }

    /// <summary>The account's whole state (secret keys included) in our own export format, for the store.</summary>
    public JsonObject ToJson()
    {
        var state = StateJson.New(Kind);
        state["curve25519"] = UnpaddedBase64.Encode(identityKey.ExportPrivateKey());
        state["ed25519"] = UnpaddedBase64.Encode(signingKey.ExportSeed());
        state["next_key_id"] = nextKeyId;
        state["one_time_keys"] = new JsonArray([.. oneTimeKeys.Select(key => (JsonNode)key.ToJson())]);
        state["fallback_key"] = fallbackKey?.ToJson();
        state["previous_fallback_key"] = previousFallbackKey?.ToJson();
        return state;
    }

    /// <summary>An account from <see cref="ToJson"/>; <see cref="CryptoException"/> (<see cref="CryptoFailure.BadState"/>)
    /// when it is not one.</summary>
    public static OlmAccount FromJson(JsonNode? state, IRandomSource? random = null)
    {
        var obj = StateJson.Open(state, Kind);
        var account = new OlmAccount(
            Curve25519KeyPair.FromPrivateKey(StateJson.Bytes(obj, "curve25519", Curve25519KeyPair.KeyLength)),
            Ed25519KeyPair.FromSeed(StateJson.Bytes(obj, "ed25519", Ed25519KeyPair.KeyLength)),
            random ?? KernelRandom.Instance)
        {
            nextKeyId = StateJson.Index(obj, "next_key_id"),
        };
        account.oneTimeKeys.AddRange(StateJson.Objects(obj, "one_time_keys").Select(OneTimeKey.FromJson));
        account.fallbackKey = StateJson.OptionalObject(obj, "fallback_key") is { } fallback ? OneTimeKey.FromJson(fallback) : null;
        account.previousFallbackKey = StateJson.OptionalObject(obj, "previous_fallback_key") is { } previous ? OneTimeKey.FromJson(previous) : null;
        return account;
    }

    /// <summary>Only public keys and counts.</summary>
    public override string ToString() =>
        $"OlmAccount(curve25519:{Curve25519Key}, ed25519:{Ed25519Key}, {oneTimeKeys.Count} one-time keys, {UnpublishedOneTimeKeyCount} unpublished)";

    /// <summary>A one-time or fallback key: its id (base64 of the 32-bit big-endian counter, as libolm names them).</summary>
    private sealed class OneTimeKey(uint id, Curve25519KeyPair pair)
    {
        public uint Id { get; } = id;

        public Curve25519KeyPair Pair { get; } = pair;

        public bool Published { get; set; }

        public string Name => Algorithms.SignedCurve25519 + ":" + UnpaddedBase64.Encode([(byte)(Id >> 24), (byte)(Id >> 16), (byte)(Id >> 8), (byte)Id]);

        public JsonObject ToJson() => new()
        {
            ["id"] = Id,
            ["key"] = UnpaddedBase64.Encode(Pair.ExportPrivateKey()),
            ["published"] = Published,
        };

        public static OneTimeKey FromJson(JsonObject key) =>
            new(StateJson.Index(key, "id"), Curve25519KeyPair.FromPrivateKey(StateJson.Bytes(key, "key", Curve25519KeyPair.KeyLength)))
            {
                Published = StateJson.Flag(key, "published"),
            };
    }
}
