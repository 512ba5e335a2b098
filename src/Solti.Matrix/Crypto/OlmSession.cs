namespace Solti.Matrix.Crypto;

/// <summary>An Olm session (<c>m.olm.v1.curve25519-aes-sha2</c>): the double ratchet between two devices. Created by an
/// <see cref="OlmAccount"/>, outbound from the other device's identity and one-time keys (triple Diffie-Hellman), or
/// inbound from their pre-key message. It sends pre-key messages until it has received one, normal messages after.
/// Root keys advance by HKDF (<c>"OLM_ROOT"</c>, then <c>"OLM_RATCHET"</c> salted with the root key); chain keys by
/// HMAC of <c>0x02</c>, message keys are the HMAC of <c>0x01</c>.</summary>
public sealed class OlmSession
{
    /// <summary>Receiving chains kept for late messages of earlier ratchet keys.</summary>
    public const int MaxReceiverChains = 5;

    /// <summary>Message keys kept for messages that arrive out of order.</summary>
    public const int MaxSkippedKeys = 40;

    /// <summary>How far ahead of its chain a message may be.</summary>
    public const int MaxMessageGap = 2000;

    private const string Kind = "olm_session";

    private readonly byte[] identityKey;
    private readonly byte[] baseKey;
    private readonly byte[] oneTimeKey;
    private readonly List<ReceiverChain> receivers = [];
    private readonly List<SkippedKey> skipped = [];
    private readonly IRandomSource random;
    private byte[] rootKey;
    private SenderChain? sender;

    private OlmSession(byte[] identityKey, byte[] baseKey, byte[] oneTimeKey, byte[] rootKey, IRandomSource random)
    {
        this.identityKey = identityKey;
        this.baseKey = baseKey;
        this.oneTimeKey = oneTimeKey;
        this.rootKey = rootKey;
        this.random = random;
        SessionId = UnpaddedBase64.Encode(Primitives.Sha256([.. identityKey, .. baseKey, .. oneTimeKey]));
    }

    /// <summary>The session's id: SHA-256 of the creator's identity key, its base key and the one-time key, in base64.</summary>
    public string SessionId { get; }

    /// <summary>True once a message was decrypted: the session then sends normal messages.</summary>
    public bool HasReceivedMessage { get; private set; }

    /// <summary>Alice's side: 3DH of our identity key and a new base key with their identity and one-time keys.</summary>
    internal static OlmSession CreateOutbound(Curve25519KeyPair ourIdentity, byte[] theirIdentityKey, byte[] theirOneTimeKey, IRandomSource random)
    {
        var baseKey = Curve25519KeyPair.Generate(random);
        var ratchetKey = Curve25519KeyPair.Generate(random);
        byte[] secret = [.. ourIdentity.Agree(theirOneTimeKey), .. baseKey.Agree(theirIdentityKey), .. baseKey.Agree(theirOneTimeKey)];
        var (root, chain) = Derive(secret, [], "OLM_ROOT"u8);
        return new OlmSession(ourIdentity.PublicKeyBytes(), baseKey.PublicKeyBytes(), theirOneTimeKey, root, random)
        {
            sender = new SenderChain(ratchetKey, chain),
        };
    }

    /// <summary>Bob's side, from Alice's pre-key message and the one-time key it names.</summary>
    internal static OlmSession CreateInbound(Curve25519KeyPair ourIdentity, Curve25519KeyPair ourOneTimeKey, OlmPreKeyMessage message, IRandomSource random)
    {
        var inner = OlmNormalMessage.Decode(message.Message);
        byte[] secret = [.. ourOneTimeKey.Agree(message.IdentityKey), .. ourIdentity.Agree(message.BaseKey), .. ourOneTimeKey.Agree(message.BaseKey)];
        var (root, chain) = Derive(secret, [], "OLM_ROOT"u8);
        var session = new OlmSession(message.IdentityKey, message.BaseKey, message.OneTimeKey, root, random);
        session.receivers.Add(new ReceiverChain(inner.RatchetKey, chain));
        return session;
    }

    /// <summary>Encrypts <paramref name="plaintext"/>: a pre-key message until the session has received one.</summary>
    public OlmMessage Encrypt(ReadOnlySpan<byte> plaintext)
    {
        if (sender is null)
        {
            var ratchetKey = Curve25519KeyPair.Generate(random);
            (rootKey, var chain) = Derive(ratchetKey.Agree(receivers[0].RatchetKey), rootKey, "OLM_RATCHET"u8);
            sender = new SenderChain(ratchetKey, chain);
        }

        var cipher = AesSha2Cipher.ForOlm(sender.Chain.MessageKey());
        var index = sender.Chain.Index;
        sender.Chain.Advance();
        var normal = OlmNormalMessage.Encode(sender.RatchetKey.PublicKeyBytes(), index, cipher.Encrypt(plaintext), cipher);
        return HasReceivedMessage
            ? new OlmMessage(OlmMessageType.Normal, UnpaddedBase64.Encode(normal))
            : new OlmMessage(OlmMessageType.PreKey, UnpaddedBase64.Encode(new OlmPreKeyMessage(oneTimeKey, baseKey, identityKey, normal).Encode()));
    }

    /// <summary>Encrypts the UTF-8 bytes of <paramref name="plaintext"/>.</summary>
    public OlmMessage Encrypt(string plaintext) => Encrypt(System.Text.Encoding.UTF8.GetBytes(plaintext));

    /// <summary>Decrypts a message of this session; <see cref="CryptoException"/> when it is not one (the state is then
    /// unchanged).</summary>
    public byte[] Decrypt(OlmMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        byte[] normal;
        if (message.Type == OlmMessageType.PreKey)
        {
            var preKey = OlmPreKeyMessage.From(message);
            normal = IsFrom(preKey) ? preKey.Message : throw new CryptoException(CryptoFailure.WrongSession, "a pre-key message of another session");
        }
        else
        {
            normal = UnpaddedBase64.DecodeBody(message.Body);
        }

        var plaintext = Decrypt(OlmNormalMessage.Decode(normal));
        HasReceivedMessage = true;
        return plaintext;
    }

    /// <summary>True when <paramref name="message"/> is a pre-key message that created this session (and comes from
    /// <paramref name="theirIdentityKey"/>, when given): the spec's check before creating a new inbound session.</summary>
    public bool Matches(OlmMessage message, string? theirIdentityKey = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Type != OlmMessageType.PreKey)
        {
            return false;
        }

        try
        {
            var preKey = OlmPreKeyMessage.From(message);
            return IsFrom(preKey) && (theirIdentityKey is null || UnpaddedBase64.Encode(preKey.IdentityKey) == theirIdentityKey);
        }
        catch (CryptoException)
        {
            return false;
        }
    }

    /// <summary>The session's whole state (secret keys included) in our own export format, for the store.</summary>
    public JsonObject ToJson()
    {
        var state = StateJson.New(Kind);
        state["identity_key"] = UnpaddedBase64.Encode(identityKey);
        state["base_key"] = UnpaddedBase64.Encode(baseKey);
        state["one_time_key"] = UnpaddedBase64.Encode(oneTimeKey);
        state["root_key"] = UnpaddedBase64.Encode(rootKey);
        state["received_message"] = HasReceivedMessage;
        if (sender is not null)
        {
            state["sender_chain"] = ChainJson(sender.RatchetKey.ExportPrivateKey(), sender.Chain);
        }

        state["receiver_chains"] = new JsonArray([.. receivers.Select(chain => (JsonNode)ChainJson(chain.RatchetKey, chain.Chain))]);
        state["skipped_keys"] = new JsonArray([.. skipped.Select(key => (JsonNode)new JsonObject
        {
            ["ratchet_key"] = UnpaddedBase64.Encode(key.RatchetKey),
            ["index"] = key.Index,
            ["message_key"] = UnpaddedBase64.Encode(key.MessageKey),
        })]);
        return state;
    }

    /// <summary>A session from <see cref="ToJson"/>; <see cref="CryptoException"/> (<see cref="CryptoFailure.BadState"/>)
    /// when it is not one.</summary>
    public static OlmSession FromJson(JsonNode? state, IRandomSource? random = null)
    {
        var obj = StateJson.Open(state, Kind);
        const int key = Curve25519KeyPair.KeyLength;
        var session = new OlmSession(
            StateJson.Bytes(obj, "identity_key", key),
            StateJson.Bytes(obj, "base_key", key),
            StateJson.Bytes(obj, "one_time_key", key),
            StateJson.Bytes(obj, "root_key", key),
            random ?? KernelRandom.Instance)
        {
            HasReceivedMessage = StateJson.Flag(obj, "received_message"),
        };
        if (StateJson.OptionalObject(obj, "sender_chain") is { } senderChain)
        {
            session.sender = new SenderChain(Curve25519KeyPair.FromPrivateKey(StateJson.Bytes(senderChain, "ratchet_key", key)), ChainFromJson(senderChain));
        }

        session.receivers.AddRange(StateJson.Objects(obj, "receiver_chains").Select(chain => new ReceiverChain(StateJson.Bytes(chain, "ratchet_key", key), ChainFromJson(chain))));
        session.skipped.AddRange(StateJson.Objects(obj, "skipped_keys").Select(skippedKey => new SkippedKey(
            StateJson.Bytes(skippedKey, "ratchet_key", key), StateJson.Index(skippedKey, "index"), StateJson.Bytes(skippedKey, "message_key", key))));
        if (session.sender is null && session.receivers.Count == 0)
        {
            throw StateJson.Bad("an Olm session with neither a sending nor a receiving chain");
        }

        return session;
    }

    /// <summary>Only the session id.</summary>
    public override string ToString() => $"OlmSession({SessionId})";

    private bool IsFrom(OlmPreKeyMessage message) =>
        message.IdentityKey.AsSpan().SequenceEqual(identityKey) && message.BaseKey.AsSpan().SequenceEqual(baseKey) &&
        message.OneTimeKey.AsSpan().SequenceEqual(oneTimeKey);

    private byte[] Decrypt(OlmNormalMessage message)
    {
        var chain = receivers.Find(candidate => candidate.RatchetKey.AsSpan().SequenceEqual(message.RatchetKey));
        if (chain is null)
        {
            return DecryptOnNewChain(message);
        }

        if (message.ChainIndex < chain.Chain.Index)
        {
            return DecryptSkipped(message);
        }

        var advanced = chain.Chain.Copy();
        var newlySkipped = AdvanceTo(advanced, message);
        var plaintext = Open(advanced, message);
        chain.Chain = advanced;
        Remember(newlySkipped);
        return plaintext;
    }

    /// <summary>Their first message with a new ratchet key: a new root key and receiving chain, and our sending chain is
    /// dropped, so our next message starts a new ratchet key. Nothing changes unless the message authenticates.</summary>
    private byte[] DecryptOnNewChain(OlmNormalMessage message)
    {
        if (sender is null)
        {
            throw new CryptoException(CryptoFailure.BadMessage, "a new ratchet key before this session has sent");
        }

        var (newRoot, chain) = Derive(sender.RatchetKey.Agree(message.RatchetKey), rootKey, "OLM_RATCHET"u8);
        var newlySkipped = AdvanceTo(chain, message);
        var plaintext = Open(chain, message);
        rootKey = newRoot;
        receivers.Insert(0, new ReceiverChain(message.RatchetKey, chain));
        if (receivers.Count > MaxReceiverChains)
        {
            receivers.RemoveAt(receivers.Count - 1);
        }

        sender = null;
        Remember(newlySkipped);
        return plaintext;
    }

    private byte[] DecryptSkipped(OlmNormalMessage message)
    {
        var key = skipped.Find(candidate => candidate.Index == message.ChainIndex && candidate.RatchetKey.AsSpan().SequenceEqual(message.RatchetKey))
            ?? throw new CryptoException(CryptoFailure.UnknownMessageIndex, "an Olm message whose key was used or dropped");
        var cipher = AesSha2Cipher.ForOlm(key.MessageKey);
        cipher.CheckMac(message.Authenticated, message.Mac);
        var plaintext = cipher.Decrypt(message.Ciphertext);
        skipped.Remove(key);
        return plaintext;
    }

    /// <summary>Decrypts with the chain's current message key and advances the chain past it.</summary>
    private static byte[] Open(ChainKey chain, OlmNormalMessage message)
    {
        var cipher = AesSha2Cipher.ForOlm(chain.MessageKey());
        cipher.CheckMac(message.Authenticated, message.Mac);
        var plaintext = cipher.Decrypt(message.Ciphertext);
        chain.Advance();
        return plaintext;
    }

    /// <summary>Advances <paramref name="chain"/> to the message's index, returning the keys of the messages skipped.</summary>
    private static List<SkippedKey> AdvanceTo(ChainKey chain, OlmNormalMessage message)
    {
        if (message.ChainIndex - chain.Index > MaxMessageGap)
        {
            throw new CryptoException(CryptoFailure.MessageGapTooLarge, $"an Olm message more than {MaxMessageGap} ahead of its chain");
        }

        var newlySkipped = new List<SkippedKey>();
        while (chain.Index < message.ChainIndex)
        {
            newlySkipped.Add(new SkippedKey(message.RatchetKey, chain.Index, chain.MessageKey()));
            chain.Advance();
        }

        return newlySkipped;
    }

    private void Remember(List<SkippedKey> newlySkipped)
    {
        skipped.AddRange(newlySkipped);
        if (skipped.Count > MaxSkippedKeys)
        {
            skipped.RemoveRange(0, skipped.Count - MaxSkippedKeys);
        }
    }

    /// <summary>HKDF-SHA-256 of a shared secret into the next root key and a new chain key (index 0).</summary>
    private static (byte[] Root, ChainKey Chain) Derive(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> info)
    {
        var derived = Primitives.Hkdf(secret, salt, info, 64);
        return (derived[..32], new ChainKey(derived[32..], 0));
    }

    private static JsonObject ChainJson(byte[] ratchetKey, ChainKey chain) => new()
    {
        ["ratchet_key"] = UnpaddedBase64.Encode(ratchetKey),
        ["chain_key"] = UnpaddedBase64.Encode(chain.Key),
        ["index"] = chain.Index,
    };

    private static ChainKey ChainFromJson(JsonObject chain) =>
        new(StateJson.Bytes(chain, "chain_key", Primitives.Sha256Length), StateJson.Index(chain, "index"));

    private sealed class SenderChain(Curve25519KeyPair ratchetKey, ChainKey chain)
    {
        public Curve25519KeyPair RatchetKey { get; } = ratchetKey;

        public ChainKey Chain { get; } = chain;
    }

    private sealed class ReceiverChain(byte[] ratchetKey, ChainKey chain)
    {
        public byte[] RatchetKey { get; } = ratchetKey;

        public ChainKey Chain { get; set; } = chain;
    }

    private sealed class SkippedKey(byte[] ratchetKey, uint index, byte[] messageKey)
    {
        public byte[] RatchetKey { get; } = ratchetKey;

        public uint Index { get; } = index;

        public byte[] MessageKey { get; } = messageKey;
    }

    /// <summary>A chain key and its index: the message key is HMAC(key, 0x01), the next chain key HMAC(key, 0x02).</summary>
    private sealed class ChainKey(byte[] key, uint index)
    {
        public byte[] Key { get; private set; } = key;

        public uint Index { get; private set; } = index;

        public byte[] MessageKey() => Primitives.HmacSha256(Key, [0x01]);

        public void Advance()
        {
            Key = Primitives.HmacSha256(Key, [0x02]);
            Index++;
        }

        public ChainKey Copy() => new(Key, Index);
    }
}
