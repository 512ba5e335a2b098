using System.Security.Cryptography;

namespace Solti.Matrix.Homeserver.Mas;

/// <summary>ULIDs as MAS uses them for ids: 48 bits of milliseconds then 80 random bits, written as 26 Crockford base32
/// characters. Ids minted in the same millisecond (or with a clock that stands still, as a test's) follow the previous
/// one, so the lexical order of ids is their creation order and cursors page in that order.</summary>
public static class Ulid
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    /// <summary>A new id after <see cref="MasData.LastUlid"/>, which it then becomes. Call under the state lock.</summary>
    public static string Next(ServerState state)
    {
        var mas = state.Data.Mas;
        Span<byte> random = stackalloc byte[10];
        RandomNumberGenerator.Fill(random);
        var value = ((UInt128)(ulong)Math.Max(0, state.NowMs) << 80) | Random80(random);
        if (mas.LastUlid is { } last && TryParse(last, out var previous) && value <= previous)
        {
            value = previous + 1;
        }

        var id = Format(value);
        mas.LastUlid = id;
        return id;
    }

    public static bool IsValid(string? value) => value is not null && TryParse(value, out _);

    public static bool TryParse(string value, out UInt128 parsed)
    {
        parsed = 0;
        if (value.Length != 26 || value[0] > '7')
        {
            return false;
        }

        foreach (var c in value)
        {
            var digit = Alphabet.IndexOf(char.ToUpperInvariant(c), StringComparison.Ordinal);
            if (digit < 0)
            {
                return false;
            }

            parsed = (parsed << 5) | (uint)digit;
        }

        return true;
    }

    public static string Format(UInt128 value)
    {
        Span<char> chars = stackalloc char[26];
        for (var i = 25; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }

        return new string(chars);
    }

    private static UInt128 Random80(ReadOnlySpan<byte> bytes)
    {
        UInt128 value = 0;
        foreach (var b in bytes)
        {
            value = (value << 8) | b;
        }

        return value;
    }
}
