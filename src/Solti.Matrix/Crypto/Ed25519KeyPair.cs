using Org.BouncyCastle.Math.EC.Rfc8032;

namespace Solti.Matrix.Crypto;

/// <summary>An Ed25519 signing key (RFC 8032), through BouncyCastle; the private key is its 32-byte seed.</summary>
public sealed class Ed25519KeyPair
{
    /// <summary>The length of a seed and of a public key.</summary>
    public const int KeyLength = 32;

    /// <summary>The length of a signature.</summary>
    public const int SignatureLength = 64;

    private readonly byte[] seed;
    private readonly byte[] publicKey;

    private Ed25519KeyPair(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != KeyLength)
        {
            throw new CryptoException(CryptoFailure.BadEncoding, $"an Ed25519 seed is {KeyLength} bytes");
        }

        this.seed = seed.ToArray();
        publicKey = new byte[KeyLength];
        Ed25519.GeneratePublicKey(this.seed, publicKey);
        PublicKey = UnpaddedBase64.Encode(publicKey);
    }

    /// <summary>The public key as unpadded base64, as Matrix writes it.</summary>
    public string PublicKey { get; }

    /// <summary>A new key from <paramref name="random"/> (the kernel's when null).</summary>
    public static Ed25519KeyPair Generate(IRandomSource? random = null) => KeyMaterial.Generate(random, bytes => new Ed25519KeyPair(bytes));

    /// <summary>The key of a known 32-byte seed.</summary>
    public static Ed25519KeyPair FromSeed(ReadOnlySpan<byte> seed) => new(seed);

    /// <summary>The public key's 32 bytes.</summary>
    public byte[] PublicKeyBytes() => (byte[])publicKey.Clone();

    /// <summary>The 64-byte signature of <paramref name="message"/>.</summary>
    public byte[] Sign(ReadOnlySpan<byte> message)
    {
        var signature = new byte[SignatureLength];
        // Spans on purpose: with a byte[] second argument the overload taken is Ed25519ctx, whose byte[] is a context.
        Ed25519.Sign((ReadOnlySpan<byte>)seed, (ReadOnlySpan<byte>)publicKey, message, signature);
        return signature;
    }

    /// <summary>True when <paramref name="signature"/> is the key's signature of <paramref name="message"/>; false for
    /// any other input, a wrong length included.</summary>
    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature) =>
        publicKey.Length == KeyLength && signature.Length == SignatureLength && Ed25519.Verify(signature, publicKey, message);

    /// <summary>The same, with the key and the signature in unpadded base64.</summary>
    public static bool Verify(string publicKey, ReadOnlySpan<byte> message, string signature) =>
        UnpaddedBase64.TryDecode(publicKey, out var key) && UnpaddedBase64.TryDecode(signature, out var bytes) && Verify(key, message, bytes);

    /// <summary>The seed, for the exported state of the account or session that owns it.</summary>
    internal byte[] ExportSeed() => (byte[])seed.Clone();

    /// <summary>Only the public key.</summary>
    public override string ToString() => "ed25519:" + PublicKey;
}
