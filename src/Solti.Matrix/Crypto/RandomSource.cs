using System.Runtime.InteropServices;

namespace Solti.Matrix.Crypto;

/// <summary>Where new key material comes from: <see cref="KernelRandom"/> everywhere, a fixed sequence in tests.</summary>
public interface IRandomSource
{
    /// <summary>Fills <paramref name="destination"/> with random bytes.</summary>
    void Fill(Span<byte> destination);
}

/// <summary>The kernel's random source (<c>getrandom(2)</c>, else <c>/dev/urandom</c>). Not <c>RandomNumberGenerator</c>:
/// on Linux that is OpenSSL's, loaded and initialised at first use (see <see cref="Primitives"/>).</summary>
public sealed partial class KernelRandom : IRandomSource
{
    private const int Eintr = 4;

    /// <summary>The one instance.</summary>
    public static KernelRandom Instance { get; } = new();

    private KernelRandom()
    {
    }

    /// <inheritdoc />
    public void Fill(Span<byte> destination)
    {
        if (!OperatingSystem.IsLinux())
        {
            using var urandom = File.OpenRead("/dev/urandom");
            urandom.ReadExactly(destination);
            return;
        }

        while (!destination.IsEmpty)
        {
            var got = GetRandom(destination);
            if (got < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == Eintr)
                {
                    continue;
                }

                throw new IOException($"getrandom failed with errno {errno}");
            }

            destination = destination[(int)got..];
        }
    }

    private static unsafe nint GetRandom(Span<byte> destination)
    {
        fixed (byte* buffer = destination)
        {
            return NativeMethods.getrandom(buffer, (nuint)destination.Length, 0);
        }
    }

    private static unsafe partial class NativeMethods
    {
        [LibraryImport("libc", SetLastError = true)]
        internal static partial nint getrandom(byte* buffer, nuint length, uint flags);
    }
}

/// <summary>New 32-byte key material, wiped once the key pair is made from it.</summary>
internal static class KeyMaterial
{
    public delegate T Factory<out T>(ReadOnlySpan<byte> keyMaterial);

    public static T Generate<T>(IRandomSource? random, Factory<T> make)
    {
        Span<byte> key = stackalloc byte[32];
        (random ?? KernelRandom.Instance).Fill(key);
        try
        {
            return make(key);
        }
        finally
        {
            key.Clear();
        }
    }
}
