using System.Buffers;

namespace Solti.Matrix.Crypto;

/// <summary>A normal Olm message (Olm spec, "The Olm Message Format"): version byte 3; the ratchet key (tag 0x0A), the
/// chain index (0x10) and the ciphertext (0x22); then the first 8 bytes of the HMAC of everything before them.</summary>
internal sealed record OlmNormalMessage(byte[] RatchetKey, uint ChainIndex, byte[] Ciphertext, byte[] Authenticated, byte[] Mac)
{
    public const byte Version = 3;
    private const byte RatchetKeyTag = 0x0A;
    private const byte ChainIndexTag = 0x10;
    private const byte CiphertextTag = 0x22;

    /// <summary>Encodes and authenticates with <paramref name="cipher"/>.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> ratchetKey, uint chainIndex, ReadOnlySpan<byte> ciphertext, AesSha2Cipher cipher)
    {
        var output = new ArrayBufferWriter<byte>();
        output.Write([Version]);
        MessageFields.WriteBytes(output, RatchetKeyTag, ratchetKey);
        MessageFields.WriteInteger(output, ChainIndexTag, chainIndex);
        MessageFields.WriteBytes(output, CiphertextTag, ciphertext);
        output.Write(cipher.Mac(output.WrittenSpan));
        return output.WrittenSpan.ToArray();
    }

    public static OlmNormalMessage Decode(ReadOnlySpan<byte> message)
    {
        if (message.Length < 1 + AesSha2Cipher.MacLength)
        {
            throw MessageFields.Malformed("an Olm message too short for its MAC");
        }

        if (message[0] != Version)
        {
            throw MessageFields.Malformed($"Olm message version {message[0]}, not {Version}");
        }

        var authenticated = message[..^AesSha2Cipher.MacLength];
        var fields = MessageFields.Read(authenticated[1..]);
        return new OlmNormalMessage(
            MessageFields.RequiredBytes(fields, RatchetKeyTag, "ratchet key", Curve25519KeyPair.KeyLength),
            MessageFields.RequiredIndex(fields, ChainIndexTag, "chain index"),
            MessageFields.RequiredBytes(fields, CiphertextTag, "ciphertext"),
            authenticated.ToArray(),
            message[^AesSha2Cipher.MacLength..].ToArray());
    }
}

/// <summary>A pre-key Olm message: version byte 3; Bob's one-time key (tag 0x0A), Alice's base key (0x12), Alice's
/// identity key (0x1A) and the normal message inside (0x22), which carries its own MAC.</summary>
internal sealed record OlmPreKeyMessage(byte[] OneTimeKey, byte[] BaseKey, byte[] IdentityKey, byte[] Message)
{
    private const byte OneTimeKeyTag = 0x0A;
    private const byte BaseKeyTag = 0x12;
    private const byte IdentityKeyTag = 0x1A;
    private const byte MessageTag = 0x22;

    public byte[] Encode()
    {
        var output = new ArrayBufferWriter<byte>();
        output.Write([OlmNormalMessage.Version]);
        MessageFields.WriteBytes(output, OneTimeKeyTag, OneTimeKey);
        MessageFields.WriteBytes(output, BaseKeyTag, BaseKey);
        MessageFields.WriteBytes(output, IdentityKeyTag, IdentityKey);
        MessageFields.WriteBytes(output, MessageTag, Message);
        return output.WrittenSpan.ToArray();
    }

    public static OlmPreKeyMessage Decode(ReadOnlySpan<byte> message)
    {
        if (message.IsEmpty || message[0] != OlmNormalMessage.Version)
        {
            throw MessageFields.Malformed("an Olm pre-key message of another version");
        }

        var fields = MessageFields.Read(message[1..]);
        const int key = Curve25519KeyPair.KeyLength;
        return new OlmPreKeyMessage(
            MessageFields.RequiredBytes(fields, OneTimeKeyTag, "one-time key", key),
            MessageFields.RequiredBytes(fields, BaseKeyTag, "base key", key),
            MessageFields.RequiredBytes(fields, IdentityKeyTag, "identity key", key),
            MessageFields.RequiredBytes(fields, MessageTag, "message"));
    }

    /// <summary>The pre-key message inside an <see cref="OlmMessage"/> of type 0.</summary>
    public static OlmPreKeyMessage From(OlmMessage message) =>
        message.Type == OlmMessageType.PreKey
            ? Decode(UnpaddedBase64.DecodeBody(message.Body))
            : throw new CryptoException(CryptoFailure.BadMessage, "not a pre-key message");
}
