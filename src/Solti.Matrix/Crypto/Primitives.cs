using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Paddings;
using Org.BouncyCastle.Crypto.Parameters;

namespace Solti.Matrix.Crypto;

/// <summary>The symmetric primitives of Olm and Megolm (SHA-256, HMAC-SHA-256, HKDF-SHA-256, AES-256-CBC with PKCS#7), secret storage's AES-256-CTR
/// and the streaming SHA-256 and AES-256-CTR of attachments,
/// all from BouncyCastle's managed code: the BCL's System.Security.Cryptography loads OpenSSL on Linux, about 3 ms at
/// every process start, which neither the module binary nor a send that encrypts nothing should pay.</summary>
internal static class Primitives
{
    public const int Sha256Length = 32;

    public static byte[] Sha256(ReadOnlySpan<byte> data)
    {
        var digest = new Sha256Digest();
        digest.BlockUpdate(data);
        var output = new byte[Sha256Length];
        digest.DoFinal(output);
        return output;
    }

    public static byte[] HmacSha256(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data)
    {
        var mac = new HMac(new Sha256Digest());
        mac.Init(new KeyParameter(key.ToArray()));
        mac.BlockUpdate(data);
        var output = new byte[Sha256Length];
        mac.DoFinal(output);
        return output;
    }

    /// <summary>HKDF-SHA-256 (RFC 5869); an empty salt is HashLen zero bytes, as the Olm and Megolm specs use it.</summary>
    public static byte[] Hkdf(ReadOnlySpan<byte> inputKeyMaterial, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> info, int length)
    {
        var generator = new HkdfBytesGenerator(new Sha256Digest());
        generator.Init(new HkdfParameters(inputKeyMaterial.ToArray(), salt.IsEmpty ? null : salt.ToArray(), info.ToArray()));
        var output = new byte[length];
        generator.GenerateBytes(output);
        return output;
    }

    public static byte[] AesCbcEncrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> plaintext) =>
        RunCbc(forEncryption: true, key, iv, plaintext);

    /// <summary>Throws <see cref="CryptoException"/> (<see cref="CryptoFailure.BadMessage"/>) on bad padding or length.</summary>
    public static byte[] AesCbcDecrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> ciphertext)
    {
        try
        {
            return RunCbc(forEncryption: false, key, iv, ciphertext);
        }
        catch (Exception e) when (e is InvalidCipherTextException or DataLengthException)
        {
            throw new CryptoException(CryptoFailure.BadMessage, "the ciphertext does not decrypt (AES-CBC padding)", e);
        }
    }

    /// <summary>AES-256-CTR (encrypting and decrypting are the same): the 16-byte <paramref name="iv"/> is the first
    /// counter block, incremented as a 128-bit big-endian number, as Web Crypto's AES-CTR with a 64-bit counter does
    /// while the low 64 bits do not wrap (secret storage clears bit 63 of its IVs for that).</summary>
    public static byte[] AesCtr(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> input)
    {
        var cipher = new SicBlockCipher(AesUtilities.CreateEngine());
        cipher.Init(true, new ParametersWithIV(new KeyParameter(key.ToArray()), iv.ToArray()));
        var output = new byte[input.Length];
        Span<byte> block = stackalloc byte[16];
        for (var at = 0; at < input.Length; at += 16)
        {
            var length = Math.Min(16, input.Length - at);
            block.Clear();
            input.Slice(at, length).CopyTo(block);
            cipher.ProcessBlock(block, block); // the last block's padding bytes are keystream only, dropped
            block[..length].CopyTo(output.AsSpan(at));
        }

        return output;
    }

    /// <summary>SHA-256 of data given piece by piece (a file as it streams).</summary>
    public sealed class IncrementalSha256
    {
        private readonly Sha256Digest _digest = new();

        public void Update(ReadOnlySpan<byte> data) => _digest.BlockUpdate(data);

        /// <summary>The hash of everything given; the digest starts over after.</summary>
        public byte[] Finish()
        {
            var output = new byte[Sha256Length];
            _digest.DoFinal(output);
            return output;
        }
    }

    /// <summary>AES-256-CTR applied to data as it passes, any length per call (attachments): the keystream of
    /// <see cref="AesCtr"/>, the counter block incremented as a 128-bit big-endian number (for data under 2^64 blocks from
    /// an IV whose low 64 bits are zero, Web Crypto's 64-bit counter too).</summary>
    public sealed class CtrKeystream
    {
        private readonly SicBlockCipher _cipher = new(AesUtilities.CreateEngine());
        private readonly byte[] _zero = new byte[16];
        private readonly byte[] _block = new byte[16];
        private int _used = 16;

        public CtrKeystream(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv) =>
            _cipher.Init(true, new ParametersWithIV(new KeyParameter(key.ToArray()), iv.ToArray()));

        /// <summary>XORs the next bytes of the keystream over <paramref name="data"/> (encrypting and decrypting alike).</summary>
        public void Apply(Span<byte> data)
        {
            for (var i = 0; i < data.Length; i++)
            {
                if (_used == 16)
                {
                    _cipher.ProcessBlock(_zero, 0, _block, 0);
                    _used = 0;
                }

                data[i] ^= _block[_used++];
            }
        }
    }

    /// <summary>Equal contents, in time that does not depend on where they differ.</summary>
    public static bool FixedTimeEquals(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right) =>
        left.Length == right.Length && Org.BouncyCastle.Utilities.Arrays.FixedTimeEquals(left, right);

    private static byte[] RunCbc(bool forEncryption, ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> input)
    {
        var cipher = new PaddedBufferedBlockCipher(new CbcBlockCipher(AesUtilities.CreateEngine()), new Pkcs7Padding());
        cipher.Init(forEncryption, new ParametersWithIV(new KeyParameter(key.ToArray()), iv.ToArray()));
        var output = new byte[cipher.GetOutputSize(input.Length)];
        var written = cipher.ProcessBytes(input.ToArray(), 0, input.Length, output, 0);
        written += cipher.DoFinal(output, written);
        return written == output.Length ? output : output[..written];
    }
}
