namespace Solti.Matrix.Crypto;

/// <summary>Our Megolm session for a room (<c>m.megolm.v1.aes-sha2</c>): a ratchet and an Ed25519 signing key whose
/// public key is the session id. Each message is encrypted with keys derived from the ratchet at the message index and
/// signed; the ratchet then advances. <see cref="SessionKey"/> is what <c>m.room_key</c> shares.</summary>
public sealed class MegolmOutboundSession
{
    private const string Kind = "megolm_outbound_session";

    private readonly MegolmRatchet ratchet;
    private readonly Ed25519KeyPair signingKey;

    private MegolmOutboundSession(MegolmRatchet ratchet, Ed25519KeyPair signingKey)
    {
        this.ratchet = ratchet;
        this.signingKey = signingKey;
    }

    /// <summary>The session id: the signing key's public key in unpadded base64.</summary>
    public string SessionId => signingKey.PublicKey;

    /// <summary>The index the next message gets (the number of messages encrypted so far).</summary>
    public uint MessageIndex => ratchet.Counter;

    /// <summary>A new session: 128 random bytes of ratchet, then a new signing key, from <paramref name="random"/>
    /// (the kernel's when null).</summary>
    public static MegolmOutboundSession Create(IRandomSource? random = null)
    {
        random ??= KernelRandom.Instance;
        var data = new byte[MegolmRatchet.Length];
        random.Fill(data);
        var session = new MegolmOutboundSession(new MegolmRatchet(data, 0), Ed25519KeyPair.Generate(random));
        Array.Clear(data);
        return session;
    }

    /// <summary>Encrypts <paramref name="plaintext"/> at <see cref="MessageIndex"/> and advances: the message in unpadded
    /// base64, as the <c>ciphertext</c> of an <c>m.room.encrypted</c> event.</summary>
    public string Encrypt(ReadOnlySpan<byte> plaintext)
    {
        var cipher = AesSha2Cipher.ForMegolm(ratchet.Data);
        var message = MegolmMessage.Encode(ratchet.Counter, cipher.Encrypt(plaintext), cipher, signingKey);
        ratchet.Advance();
        return UnpaddedBase64.Encode(message);
    }

    /// <summary>The session key at the current index, signed (the sharing format, version 2), in unpadded base64: the
    /// <c>session_key</c> of <c>m.room_key</c>.</summary>
    public string SessionKey() => UnpaddedBase64.Encode(MegolmSessionKey.EncodeSharing(ratchet, signingKey));

    /// <summary>The session's whole state (ratchet and signing key) in our own export format, for the store.</summary>
    public JsonObject ToJson()
    {
        var state = StateJson.New(Kind);
        state["index"] = ratchet.Counter;
        state["ratchet"] = UnpaddedBase64.Encode(ratchet.Data);
        state["signing_key"] = UnpaddedBase64.Encode(signingKey.ExportSeed());
        return state;
    }

    /// <summary>A session from <see cref="ToJson"/>; <see cref="CryptoException"/> (<see cref="CryptoFailure.BadState"/>)
    /// when it is not one.</summary>
    public static MegolmOutboundSession FromJson(JsonNode? state)
    {
        var obj = StateJson.Open(state, Kind);
        return new MegolmOutboundSession(
            new MegolmRatchet(StateJson.Bytes(obj, "ratchet", MegolmRatchet.Length), StateJson.Index(obj, "index")),
            Ed25519KeyPair.FromSeed(StateJson.Bytes(obj, "signing_key", Ed25519KeyPair.KeyLength)));
    }

    /// <summary>Only the session id and index.</summary>
    public override string ToString() => $"MegolmOutboundSession({SessionId}, index {MessageIndex})";
}
