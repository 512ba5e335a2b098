using Solti.Matrix.Crypto;

namespace Solti.Matrix.Tests.Crypto;

/// <summary>libolm's test randomness (tests/test_olm.cpp's MockRandom): every 32-byte chunk is the tag byte then a
/// counter byte repeated, the counter rising by one a chunk. Deterministic keys make known answers possible.</summary>
internal sealed class MockRandom(byte tag, byte offset = 0) : IRandomSource
{
    private byte current = offset;

    public void Fill(Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            var chunk = destination[..Math.Min(32, destination.Length)];
            chunk[0] = tag;
            chunk[1..].Fill(current++);
            destination = destination[chunk.Length..];
        }
    }
}
