using System.Buffers;
using System.Buffers.Binary;

namespace Solti.Matrix.Crypto;

/// <summary>A Megolm message (Megolm spec, "Message format"): version byte 3; the message index (tag 0x08) and the
/// ciphertext (0x12); the first 8 bytes of the HMAC of everything before; the Ed25519 signature of everything before.</summary>
internal sealed record MegolmMessage(uint MessageIndex, byte[] Ciphertext, byte[] Authenticated, byte[] Mac, byte[] Signed, byte[] Signature)
{
    public const byte Version = 3;
    private const byte IndexTag = 0x08;
    private const byte CiphertextTag = 0x12;

    public static byte[] Encode(uint messageIndex, ReadOnlySpan<byte> ciphertext, AesSha2Cipher cipher, Ed25519KeyPair signingKey)
    {
        var output = new ArrayBufferWriter<byte>();
        output.Write([Version]);
        MessageFields.WriteInteger(output, IndexTag, messageIndex);
        MessageFields.WriteBytes(output, CiphertextTag, ciphertext);
        output.Write(cipher.Mac(output.WrittenSpan));
        output.Write(signingKey.Sign(output.WrittenSpan));
        return output.WrittenSpan.ToArray();
    }

    public static MegolmMessage Decode(ReadOnlySpan<byte> message)
    {
        const int suffix = AesSha2Cipher.MacLength + Ed25519KeyPair.SignatureLength;
        if (message.Length < 1 + suffix)
        {
            throw MessageFields.Malformed("a Megolm message too short for its MAC and signature");
        }

        if (message[0] != Version)
        {
            throw MessageFields.Malformed($"Megolm message version {message[0]}, not {Version}");
        }

        var authenticated = message[..^suffix];
        var fields = MessageFields.Read(authenticated[1..]);
        return new MegolmMessage(
            MessageFields.RequiredIndex(fields, IndexTag, "message index"),
            MessageFields.RequiredBytes(fields, CiphertextTag, "ciphertext"),
            authenticated.ToArray(),
            message.Slice(authenticated.Length, AesSha2Cipher.MacLength).ToArray(),
            message[..^Ed25519KeyPair.SignatureLength].ToArray(),
            message[^Ed25519KeyPair.SignatureLength..].ToArray());
    }
}

/// <summary>The two ways a Megolm session is handed over (Megolm spec, "Data exchange formats"): the session-sharing
/// format of <c>m.room_key</c> (version 2: index, ratchet, signing public key, signed by that key; 229 bytes) and the
/// export format of forwarded and backed-up keys (version 1: the same without the signature; 165 bytes). The index is
/// a 32-bit big-endian integer.</summary>
internal sealed record MegolmSessionKey(MegolmRatchet Ratchet, byte[] SigningKey, bool Signed)
{
    public const byte SharingVersion = 2;
    public const byte ExportVersion = 1;
    private const int Body = 1 + 4 + MegolmRatchet.Length + Ed25519KeyPair.KeyLength;

    public static byte[] EncodeSharing(MegolmRatchet ratchet, Ed25519KeyPair signingKey)
    {
        var body = EncodeBody(SharingVersion, ratchet, signingKey.PublicKeyBytes());
        return [.. body, .. signingKey.Sign(body)];
    }

    public static byte[] EncodeExport(MegolmRatchet ratchet, byte[] signingKey) => EncodeBody(ExportVersion, ratchet, signingKey);

    /// <summary>Either format; the sharing format's signature is checked (<see cref="CryptoFailure.BadSignature"/>).</summary>
    public static MegolmSessionKey Decode(ReadOnlySpan<byte> key)
    {
        var signed = key.Length == Body + Ed25519KeyPair.SignatureLength && key[0] == SharingVersion;
        if (!signed && !(key.Length == Body && key[0] == ExportVersion))
        {
            throw new CryptoException(CryptoFailure.BadEncoding, "neither a Megolm session key (version 2) nor an exported one (version 1)");
        }

        var signingKey = key.Slice(Body - Ed25519KeyPair.KeyLength, Ed25519KeyPair.KeyLength).ToArray();
        if (signed && !Ed25519KeyPair.Verify(signingKey, key[..Body], key[Body..]))
        {
            throw new CryptoException(CryptoFailure.BadSignature, "the Megolm session key is not signed by its own key");
        }

        var ratchet = new MegolmRatchet(key.Slice(5, MegolmRatchet.Length), BinaryPrimitives.ReadUInt32BigEndian(key[1..]));
        return new MegolmSessionKey(ratchet, signingKey, signed);
    }

    private static byte[] EncodeBody(byte version, MegolmRatchet ratchet, byte[] signingKey)
    {
        var body = new byte[Body];
        body[0] = version;
        BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(1), ratchet.Counter);
        ratchet.Data.CopyTo(body.AsSpan(5));
        signingKey.CopyTo(body, 5 + MegolmRatchet.Length);
        return body;
    }
}
