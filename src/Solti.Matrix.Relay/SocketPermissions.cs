using System.Runtime.InteropServices;

namespace Solti.Matrix.Relay;

/// <summary>The relay's Unix socket is the relay's own and its group's: mode 0660 (connecting needs write access), and
/// with <c>--socket-group</c> that group, so producers running as other users join the group instead of getting the
/// socket opened to everyone.</summary>
internal static partial class SocketPermissions
{
    public const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;

    /// <summary>The group id of <paramref name="group"/> (a name or a number); a clear error when there is none.</summary>
    public static uint GroupId(string group)
    {
        if (uint.TryParse(group, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var gid))
        {
            return gid;
        }

        var entry = getgrnam(group);
        return entry == IntPtr.Zero
            ? throw new ArgumentException($"--socket-group: there is no group named '{group}' on this host")
            : (uint)Marshal.ReadInt32(entry, 2 * IntPtr.Size); // struct group { char *gr_name; char *gr_passwd; gid_t gr_gid; … }
    }

    /// <summary>Mode 0660, then the group when one is given.</summary>
    public static void Apply(string path, uint? groupId)
    {
        File.SetUnixFileMode(path, Mode);
        if (groupId is { } gid && chown(path, uint.MaxValue, gid) != 0)
        {
            throw new IOException($"--socket-group: cannot give {path} to group {gid}: errno {Marshal.GetLastPInvokeError()} (the relay's user must be a member of the group)");
        }
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr getgrnam(string name);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int chown(string path, uint owner, uint group);
}
