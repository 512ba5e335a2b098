namespace Solti.Matrix.Crypto;

/// <summary>The Megolm ratchet (Megolm spec, "The Megolm ratchet algorithm"): four 32-byte parts R0..R3 and a 32-bit
/// counter. Advancing to i: when i is a multiple of 2^24 every part is reseeded from R0; of 2^16, R1..R3 from R1; of
/// 2^8, R2 and R3 from R2; otherwise R3 alone is rehashed. Hj(A) = HMAC-SHA-256(A, the byte j).</summary>
internal sealed class MegolmRatchet
{
    public const int PartLength = 32;
    public const int Length = 4 * PartLength;

    private readonly byte[] data;

    public MegolmRatchet(ReadOnlySpan<byte> data, uint counter)
    {
        if (data.Length != Length)
        {
            throw new CryptoException(CryptoFailure.BadEncoding, $"a Megolm ratchet is {Length} bytes");
        }

        this.data = data.ToArray();
        Counter = counter;
    }

    public uint Counter { get; private set; }

    public ReadOnlySpan<byte> Data => data;

    public MegolmRatchet Copy() => new(data, Counter);

    /// <summary>One step: the parts that the new counter's multiples reseed, each from the highest of them.</summary>
    public void Advance()
    {
        Counter = unchecked(Counter + 1);
        var from = Counter % (1u << 24) == 0 ? 0 : Counter % (1u << 16) == 0 ? 1 : Counter % (1u << 8) == 0 ? 2 : 3;
        Reseed(from);
    }

    /// <summary>Jumps to <paramref name="target"/> with at most 1020 hashes: for each part from R0 down, as many rehashes
    /// as its byte of the counter moves (the lower parts reseeded at the last one), then the lower bytes start from zero.
    /// A target below the counter wraps around 2^32, as the counter does.</summary>
    public void AdvanceTo(uint target)
    {
        for (var part = 0; part < 4; part++)
        {
            var shift = 8 * (3 - part);
            var steps = ((target >> shift) - (Counter >> shift)) & 0xFF;
            if (steps == 0)
            {
                if (target >= Counter)
                {
                    continue;
                }

                steps = 0x100;
            }

            for (; steps > 1; steps--)
            {
                Rehash(part, part);
            }

            Reseed(part);
            Counter = shift == 0 ? target : target & ~((1u << shift) - 1);
        }
    }

    /// <summary>Parts 3 down to <paramref name="from"/> from part <paramref name="from"/>'s current value (itself last).</summary>
    private void Reseed(int from)
    {
        for (var part = 3; part >= from; part--)
        {
            Rehash(from, part);
        }
    }

    private void Rehash(int from, int to) =>
        Primitives.HmacSha256(data.AsSpan(from * PartLength, PartLength), [(byte)to]).CopyTo(data, to * PartLength);
}
