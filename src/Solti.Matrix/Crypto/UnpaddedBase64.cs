using System.Diagnostics.CodeAnalysis;

namespace Solti.Matrix.Crypto;

/// <summary>Matrix's base64: the standard alphabet without <c>=</c> padding (spec appendix "Unpadded Base64"). Decoding
/// also takes padded text, as some clients send it.</summary>
public static class UnpaddedBase64
{
    /// <summary>The bytes as unpadded standard base64.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes).TrimEnd('=');

    /// <summary>The bytes of unpadded (or padded) standard base64; <see cref="FormatException"/> when it is not.</summary>
    public static byte[] Decode(string text) =>
        TryDecode(text, out var bytes) ? bytes : throw new FormatException("not unpadded base64");

    /// <summary>False when <paramref name="text"/> is not standard base64, padded or not.</summary>
    public static bool TryDecode(string? text, [NotNullWhen(true)] out byte[]? bytes)
    {
        bytes = null;
        if (text is null)
        {
            return false;
        }

        var unpadded = text.TrimEnd('=');
        if (unpadded.Length % 4 == 1 || text.Length - unpadded.Length > 2)
        {
            return false;
        }

        var padded = unpadded + new string('=', (4 - unpadded.Length % 4) % 4);
        var buffer = new byte[padded.Length / 4 * 3];
        if (!Convert.TryFromBase64String(padded, buffer, out var written))
        {
            return false;
        }

        bytes = written == buffer.Length ? buffer : buffer[..written];
        return true;
    }

    /// <summary>A key or other fixed-length value: <see cref="CryptoException"/> (<see cref="CryptoFailure.BadEncoding"/>)
    /// when it is not base64 or not <paramref name="length"/> bytes.</summary>
    internal static byte[] DecodeExact(string? text, int length, string what) =>
        TryDecode(text, out var bytes) && bytes.Length == length
            ? bytes
            : throw new CryptoException(CryptoFailure.BadEncoding, $"{what} is not {length} bytes of base64");

    /// <summary>A message's bytes: <see cref="CryptoException"/> (<see cref="CryptoFailure.BadEncoding"/>) when not base64.</summary>
    internal static byte[] DecodeBody(string? text) =>
        TryDecode(text, out var bytes) ? bytes : throw new CryptoException(CryptoFailure.BadEncoding, "the message is not base64");
}
