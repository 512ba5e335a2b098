using System.Text;

namespace Solti.Matrix.Crypto;

/// <summary>The key of the bot's secret storage (<c>m.secret_storage.v1.aes-hmac-sha2</c>), 32 bytes, as an operator
/// keeps it: the spec's "cryptographic key representation" (appendix), base58 with the Bitcoin alphabet of
/// <c>0x8B 0x01</c>, the key and a parity byte (the XOR of every byte before it), shown in groups of four characters
/// separated by spaces. Reading tolerates any whitespace and checks the prefix, the length and the parity; no error and
/// no <see cref="ToString"/> ever shows the key.</summary>
public sealed class RecoveryKey
{
    /// <summary>The key's length.</summary>
    public const int KeyLength = 32;

    private const string Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    private static readonly byte[] Prefix = [0x8B, 0x01];

    private readonly byte[] key;

    private RecoveryKey(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeyLength)
        {
            throw new CryptoException(CryptoFailure.BadEncoding, $"a recovery key is {KeyLength} bytes");
        }

        this.key = key.ToArray();
    }

    /// <summary>A new key from <paramref name="random"/> (the kernel's when null).</summary>
    public static RecoveryKey Generate(IRandomSource? random = null) => KeyMaterial.Generate(random, bytes => new RecoveryKey(bytes));

    /// <summary>The key of known bytes.</summary>
    public static RecoveryKey FromBytes(ReadOnlySpan<byte> key) => new(key);

    /// <summary>The key an operator wrote (<see cref="Encode"/>'s format, spaces and line breaks anywhere);
    /// <see cref="CryptoException"/> (<see cref="CryptoFailure.BadEncoding"/>) saying what is wrong, never echoing it.</summary>
    public static RecoveryKey Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var compact = string.Concat(text.Where(c => !char.IsWhiteSpace(c)));
        var bytes = Base58Decode(compact) ?? throw Refused("it has characters outside the base58 alphabet");
        if (bytes.Length != Prefix.Length + KeyLength + 1)
        {
            throw Refused($"it decodes to {bytes.Length} bytes instead of {Prefix.Length + KeyLength + 1} (key bytes missing or extra): characters are missing or extra");
        }

        if (bytes[0] != Prefix[0] || bytes[1] != Prefix[1])
        {
            throw Refused("it does not start with the recovery key prefix (0x8B 0x01): not a Matrix recovery key");
        }

        return Parity(bytes.AsSpan(0, bytes.Length - 1)) == bytes[^1]
            ? new RecoveryKey(bytes.AsSpan(Prefix.Length, KeyLength))
            : throw Refused("its parity byte does not match: a character is mistyped");
    }

    /// <summary>The key as an operator keeps it: base58 in groups of four separated by spaces.</summary>
    public string Encode()
    {
        var bytes = new byte[Prefix.Length + KeyLength + 1];
        Prefix.CopyTo(bytes, 0);
        key.CopyTo(bytes, Prefix.Length);
        bytes[^1] = Parity(bytes.AsSpan(0, bytes.Length - 1));
        var text = Base58Encode(bytes);
        return string.Join(' ', Enumerable.Range(0, (text.Length + 3) / 4).Select(i => text.Substring(i * 4, Math.Min(4, text.Length - (i * 4)))));
    }

    /// <summary>The key's bytes, for the secret storage it opens.</summary>
    internal ReadOnlySpan<byte> Bytes => key;

    /// <summary>Never the key.</summary>
    public override string ToString() => "RecoveryKey(hidden)";

    private static CryptoException Refused(string why) => new(CryptoFailure.BadEncoding, "the recovery key is not valid: " + why);

    private static byte Parity(ReadOnlySpan<byte> bytes)
    {
        byte parity = 0;
        foreach (var b in bytes)
        {
            parity ^= b;
        }

        return parity;
    }

    /// <summary>Base58: the bytes as a big-endian number in base 58, each leading zero byte a leading '1'.</summary>
    private static string Base58Encode(ReadOnlySpan<byte> bytes)
    {
        var zeros = 0;
        while (zeros < bytes.Length && bytes[zeros] == 0)
        {
            zeros++;
        }

        var digits = new List<byte>(); // base 58, least significant first
        foreach (var b in bytes[zeros..])
        {
            var carry = (int)b;
            for (var i = 0; i < digits.Count; i++)
            {
                carry += digits[i] << 8;
                digits[i] = (byte)(carry % 58);
                carry /= 58;
            }

            for (; carry > 0; carry /= 58)
            {
                digits.Add((byte)(carry % 58));
            }
        }

        var text = new StringBuilder(new string('1', zeros));
        for (var i = digits.Count - 1; i >= 0; i--)
        {
            text.Append(Alphabet[digits[i]]);
        }

        return text.ToString();
    }

    /// <summary>The bytes of base58 text, or null when a character is not in the alphabet.</summary>
    private static byte[]? Base58Decode(string text)
    {
        var zeros = text.TakeWhile(c => c == '1').Count();
        var bytes = new List<byte>(); // base 256, least significant first
        foreach (var c in text.AsSpan(zeros))
        {
            var carry = Alphabet.IndexOf(c, StringComparison.Ordinal);
            if (carry < 0)
            {
                return null;
            }

            for (var i = 0; i < bytes.Count; i++)
            {
                carry += bytes[i] * 58;
                bytes[i] = (byte)carry;
                carry >>= 8;
            }

            for (; carry > 0; carry >>= 8)
            {
                bytes.Add((byte)carry);
            }
        }

        bytes.Reverse();
        return [.. new byte[zeros], .. bytes];
    }
}
