using Org.BouncyCastle.Math.EC.Rfc7748;

namespace Solti.Matrix.Crypto;

/// <summary>A Curve25519 key pair for X25519 agreement (RFC 7748), through BouncyCastle. The private key is the 32 bytes
/// it was made from; the scalar is clamped when used, as every X25519 implementation does.</summary>
public sealed class Curve25519KeyPair
{
    /// <summary>The length of a private key, a public key and a shared secret.</summary>
    public const int KeyLength = 32;

    private readonly byte[] privateKey;
    private readonly byte[] publicKey;

    private Curve25519KeyPair(ReadOnlySpan<byte> privateKey)
    {
        if (privateKey.Length != KeyLength)
        {
            throw new CryptoException(CryptoFailure.BadEncoding, $"a Curve25519 private key is {KeyLength} bytes");
        }

        this.privateKey = privateKey.ToArray();
        publicKey = new byte[KeyLength];
        X25519.ScalarMultBase(this.privateKey, publicKey);
        PublicKey = UnpaddedBase64.Encode(publicKey);
    }

    /// <summary>The public key as unpadded base64, as Matrix writes it.</summary>
    public string PublicKey { get; }

    /// <summary>A new key pair from <paramref name="random"/> (the kernel's when null).</summary>
    public static Curve25519KeyPair Generate(IRandomSource? random = null) => KeyMaterial.Generate(random, bytes => new Curve25519KeyPair(bytes));

    /// <summary>The key pair of a known private key.</summary>
    public static Curve25519KeyPair FromPrivateKey(ReadOnlySpan<byte> privateKey) => new(privateKey);

    /// <summary>The public key's 32 bytes.</summary>
    public byte[] PublicKeyBytes() => (byte[])publicKey.Clone();

    /// <summary>The X25519 shared secret with their public key; <see cref="CryptoException"/> (<see cref="CryptoFailure.BadKey"/>)
    /// when it is all zeros (a key of small order).</summary>
    public byte[] Agree(ReadOnlySpan<byte> theirPublicKey)
    {
        if (theirPublicKey.Length != KeyLength)
        {
            throw new CryptoException(CryptoFailure.BadEncoding, $"a Curve25519 public key is {KeyLength} bytes");
        }

        var secret = new byte[KeyLength];
        return X25519.CalculateAgreement(privateKey, theirPublicKey, secret)
            ? secret
            : throw new CryptoException(CryptoFailure.BadKey, "the Curve25519 agreement gave no secret (a key of small order)");
    }

    /// <summary>The private key, for the exported state of the account or session that owns it.</summary>
    internal byte[] ExportPrivateKey() => (byte[])privateKey.Clone();

    /// <summary>Only the public key.</summary>
    public override string ToString() => "curve25519:" + PublicKey;
}
