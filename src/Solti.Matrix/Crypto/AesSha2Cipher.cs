namespace Solti.Matrix.Crypto;

/// <summary>The authenticated encryption of Olm and Megolm version 1: from key material (an Olm message key or the
/// 128-byte Megolm ratchet) HKDF-SHA-256 with a zero salt derives 80 bytes, the AES-256 key, the HMAC-SHA-256 key and
/// the 16-byte IV; the plaintext is AES-256-CBC with PKCS#7, and the message is authenticated by its HMAC truncated to
/// 8 bytes.</summary>
internal sealed class AesSha2Cipher
{
    public const int MacLength = 8;

    private readonly byte[] keys;

    private AesSha2Cipher(ReadOnlySpan<byte> keyMaterial, ReadOnlySpan<byte> info) =>
        keys = Primitives.Hkdf(keyMaterial, [], info, 80);

    private ReadOnlySpan<byte> AesKey => keys.AsSpan(0, 32);

    private ReadOnlySpan<byte> MacKey => keys.AsSpan(32, 32);

    private ReadOnlySpan<byte> Iv => keys.AsSpan(64, 16);

    public static AesSha2Cipher ForOlm(ReadOnlySpan<byte> messageKey) => new(messageKey, "OLM_KEYS"u8);

    public static AesSha2Cipher ForMegolm(ReadOnlySpan<byte> ratchet) => new(ratchet, "MEGOLM_KEYS"u8);

    public byte[] Encrypt(ReadOnlySpan<byte> plaintext) => Primitives.AesCbcEncrypt(AesKey, Iv, plaintext);

    public byte[] Decrypt(ReadOnlySpan<byte> ciphertext) => Primitives.AesCbcDecrypt(AesKey, Iv, ciphertext);

    /// <summary>The first 8 bytes of the HMAC of everything the MAC protects.</summary>
    public byte[] Mac(ReadOnlySpan<byte> authenticated) => Primitives.HmacSha256(MacKey, authenticated)[..MacLength];

    /// <summary><see cref="CryptoException"/> (<see cref="CryptoFailure.BadMac"/>) unless <paramref name="mac"/> is right.</summary>
    public void CheckMac(ReadOnlySpan<byte> authenticated, ReadOnlySpan<byte> mac)
    {
        if (!Primitives.FixedTimeEquals(Mac(authenticated), mac))
        {
            throw new CryptoException(CryptoFailure.BadMac, "the message's MAC does not match");
        }
    }
}
