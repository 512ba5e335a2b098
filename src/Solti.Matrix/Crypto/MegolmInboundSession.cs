namespace Solti.Matrix.Crypto;

/// <summary>A decrypted Megolm message: its plaintext and its index (to refuse a replayed index).</summary>
public sealed record MegolmDecryption(byte[] Plaintext, uint MessageIndex);

/// <summary>Another device's Megolm session as we received it (or our own, to read our own messages): the ratchet at
/// its first known index and the sender's signing key. It decrypts any message at or after that index; a message with
/// a bad signature or MAC is refused and changes nothing.</summary>
public sealed class MegolmInboundSession
{
    private const string Kind = "megolm_inbound_session";

    private readonly MegolmRatchet initial;
    private readonly byte[] signingKey;
    private MegolmRatchet latest;

    private MegolmInboundSession(MegolmRatchet initial, MegolmRatchet latest, byte[] signingKey, bool isVerified)
    {
        this.initial = initial;
        this.latest = latest;
        this.signingKey = signingKey;
        IsVerified = isVerified;
        SessionId = UnpaddedBase64.Encode(signingKey);
    }

    /// <summary>The session id: the sender's signing key in unpadded base64.</summary>
    public string SessionId { get; }

    /// <summary>The first index this session can decrypt.</summary>
    public uint FirstKnownIndex => initial.Counter;

    /// <summary>True when the session came signed (an <c>m.room_key</c>) or a message has verified against its key; an
    /// imported export is not, until then.</summary>
    public bool IsVerified { get; private set; }

    /// <summary>The session of an <c>m.room_key</c>'s <c>session_key</c> (the signed sharing format, version 2).</summary>
    public static MegolmInboundSession FromSessionKey(string sessionKey) => From(sessionKey, MegolmSessionKey.SharingVersion);

    /// <summary>The session of an exported key (version 1: forwarded keys, key backup, <see cref="ExportAt"/>).</summary>
    public static MegolmInboundSession Import(string exportedKey) => From(exportedKey, MegolmSessionKey.ExportVersion);

    /// <summary>Decrypts an <c>m.room.encrypted</c> event's <c>ciphertext</c>; <see cref="CryptoException"/> with
    /// <see cref="CryptoFailure.BadSignature"/>, <see cref="CryptoFailure.BadMac"/>,
    /// <see cref="CryptoFailure.UnknownMessageIndex"/> (before <see cref="FirstKnownIndex"/>) or a malformed message.</summary>
    public MegolmDecryption Decrypt(string ciphertext)
    {
        var message = MegolmMessage.Decode(UnpaddedBase64.DecodeBody(ciphertext));
        if (!Ed25519KeyPair.Verify(signingKey, message.Signed, message.Signature))
        {
            throw new CryptoException(CryptoFailure.BadSignature, "the Megolm message is not signed by the session's key");
        }

        if (message.MessageIndex < initial.Counter)
        {
            throw new CryptoException(CryptoFailure.UnknownMessageIndex, $"message index {message.MessageIndex} is before the session's first known index {initial.Counter}");
        }

        var fromLatest = message.MessageIndex >= latest.Counter;
        var ratchet = (fromLatest ? latest : initial).Copy();
        ratchet.AdvanceTo(message.MessageIndex);
        var cipher = AesSha2Cipher.ForMegolm(ratchet.Data);
        cipher.CheckMac(message.Authenticated, message.Mac);
        var plaintext = cipher.Decrypt(message.Ciphertext);
        if (fromLatest)
        {
            latest = ratchet;
        }

        IsVerified = true;
        return new MegolmDecryption(plaintext, message.MessageIndex);
    }

    /// <summary>The session from <paramref name="index"/> on, in the export format (version 1) in unpadded base64; null
    /// before <see cref="FirstKnownIndex"/>.</summary>
    public string? ExportAt(uint index)
    {
        if (index < initial.Counter)
        {
            return null;
        }

        var ratchet = (index >= latest.Counter ? latest : initial).Copy();
        ratchet.AdvanceTo(index);
        return UnpaddedBase64.Encode(MegolmSessionKey.EncodeExport(ratchet, signingKey));
    }

    /// <summary>The session's state in our own export format, for the store.</summary>
    public JsonObject ToJson()
    {
        var state = StateJson.New(Kind);
        state["signing_key"] = SessionId;
        state["verified"] = IsVerified;
        state["initial_index"] = initial.Counter;
        state["initial_ratchet"] = UnpaddedBase64.Encode(initial.Data);
        state["latest_index"] = latest.Counter;
        state["latest_ratchet"] = UnpaddedBase64.Encode(latest.Data);
        return state;
    }

    /// <summary>A session from <see cref="ToJson"/>; <see cref="CryptoException"/> (<see cref="CryptoFailure.BadState"/>)
    /// when it is not one.</summary>
    public static MegolmInboundSession FromJson(JsonNode? state)
    {
        var obj = StateJson.Open(state, Kind);
        return new MegolmInboundSession(
            new MegolmRatchet(StateJson.Bytes(obj, "initial_ratchet", MegolmRatchet.Length), StateJson.Index(obj, "initial_index")),
            new MegolmRatchet(StateJson.Bytes(obj, "latest_ratchet", MegolmRatchet.Length), StateJson.Index(obj, "latest_index")),
            StateJson.Bytes(obj, "signing_key", Ed25519KeyPair.KeyLength),
            StateJson.Flag(obj, "verified"));
    }

    /// <summary>Only the session id and first known index.</summary>
    public override string ToString() => $"MegolmInboundSession({SessionId}, from index {FirstKnownIndex})";

    private static MegolmInboundSession From(string key, byte version)
    {
        var decoded = MegolmSessionKey.Decode(UnpaddedBase64.DecodeBody(key));
        if (decoded.Signed != (version == MegolmSessionKey.SharingVersion))
        {
            throw new CryptoException(CryptoFailure.BadEncoding, version == MegolmSessionKey.SharingVersion
                ? "an exported key where a signed session key was expected"
                : "a signed session key where an exported key was expected");
        }

        return new MegolmInboundSession(decoded.Ratchet, decoded.Ratchet.Copy(), decoded.SigningKey, decoded.Signed);
    }
}
