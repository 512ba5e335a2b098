using System.Reflection;
using System.Runtime.InteropServices;

namespace Solti.Matrix.Outbox;

/// <summary>Finds SQLite where it is loaded dynamically: the JIT (tests, a framework-dependent build) takes
/// SQLitePCLRaw's <c>libe_sqlite3.so</c> next to the app, else the system's <c>libsqlite3.so.0</c>. The shipped AOT
/// binaries never come here: SQLite is linked into them (src/Native/Solti.Native.targets). Same C API either way.</summary>
internal static class SqliteNative
{
    private static int _registered;

    public static void EnsureLoaded()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 1)
        {
            return;
        }

        var provider = typeof(SQLitePCL.SQLite3Provider_e_sqlite3).Assembly;
        try
        {
            NativeLibrary.SetDllImportResolver(provider, Resolve);
        }
        catch (InvalidOperationException)
        {
            // A resolver is already set (e.g. by the host): keep it.
        }
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != "e_sqlite3")
        {
            return IntPtr.Zero;
        }

        if (NativeLibrary.TryLoad(Path.Combine(AppContext.BaseDirectory, "libe_sqlite3.so"), out var beside)
            || NativeLibrary.TryLoad(name, assembly, searchPath, out beside))
        {
            return beside; // next to the binary, or where the app's own dependencies are (a framework-dependent build)
        }

        foreach (var system in new[] { "libsqlite3.so.0", "libsqlite3.so" })
        {
            if (NativeLibrary.TryLoad(system, out var handle))
            {
                return handle;
            }
        }

        throw new DllNotFoundException("SQLite is needed for the outbox: install libsqlite3-0 (Debian/Ubuntu) or sqlite-libs (RHEL), or keep libe_sqlite3.so next to the binary");
    }
}
