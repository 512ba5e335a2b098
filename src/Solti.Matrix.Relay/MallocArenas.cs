using System.Runtime.InteropServices;

namespace Solti.Matrix.Relay;

/// <summary>glibc's malloc gives each thread that allocates natively (SQLite, the runtime's own native side) an arena of
/// its own, up to 8 per core, each keeping the memory it once used: with the thread pool's threads that was 5-6 MB of
/// the relay's peak (bench/relay-memory.sh). The relay caps them at 2 (<c>M_ARENA_MAX</c>) before its threads start;
/// <c>MALLOC_ARENA_MAX</c> in the environment still wins (glibc reads it at its first allocation). Nothing elsewhere
/// (musl has no arenas and no such option: the call then fails harmlessly).</summary>
internal static partial class MallocArenas
{
    private const int ArenaMax = -8; // M_ARENA_MAX in <malloc.h>

    public static void Cap(int arenas)
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") is not null)
        {
            return;
        }

        try
        {
            _ = mallopt(ArenaMax, arenas);
        }
        catch (EntryPointNotFoundException)
        {
        }
    }

    [LibraryImport("libc")]
    private static partial int mallopt(int param, int value);
}
