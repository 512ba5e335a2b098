using System.Runtime.InteropServices;

namespace Solti.Matrix.Storage;

/// <summary>What <c>statx(2)</c> says of a path without following a final symlink: type, owner, mode and identity.</summary>
public readonly partial record struct UnixFileInfo(bool IsSymlink, bool IsDirectory, uint OwnerUid, UnixFileMode Mode, ulong Inode, uint DevMajor, uint DevMinor)
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxBasicStats = 0x7ff;
    private const int Enoent = 2;

    /// <summary>The effective user id of this process.</summary>
    public static uint CurrentUid => NativeMethods.geteuid();

    /// <summary>The path itself (a symlink is reported, not followed); null when it does not exist.</summary>
    public static UnixFileInfo? OfPath(string path) => Query(AtFdCwd, path, AtSymlinkNoFollow);

    /// <summary>The open file behind a handle.</summary>
    public static UnixFileInfo OfHandle(Microsoft.Win32.SafeHandles.SafeFileHandle handle) =>
        Query((int)handle.DangerousGetHandle(), "", AtEmptyPath) ?? throw new IOException("fstat of an open file failed");

    /// <summary>True when both describe the same file (the same inode on the same device).</summary>
    public bool SameFileAs(UnixFileInfo other) => Inode == other.Inode && DevMajor == other.DevMajor && DevMinor == other.DevMinor;

    private static unsafe UnixFileInfo? Query(int dirFd, string path, int flags)
    {
        var buffer = stackalloc byte[256];
        if (NativeMethods.statx(dirFd, path, flags, StatxBasicStats, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno == Enoent ? null : throw new IOException($"statx({path}) failed with errno {errno}");
        }

        var mode = *(ushort*)(buffer + 28);
        var type = mode & 0xF000;
        return new UnixFileInfo(
            IsSymlink: type == 0xA000,
            IsDirectory: type == 0x4000,
            OwnerUid: *(uint*)(buffer + 20),
            Mode: (UnixFileMode)(mode & 0xFFF),
            Inode: *(ulong*)(buffer + 32),
            DevMajor: *(uint*)(buffer + 136),
            DevMinor: *(uint*)(buffer + 140));
    }

    private static partial class NativeMethods
    {
        [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static unsafe partial int statx(int dirfd, string pathname, int flags, uint mask, byte* statxbuf);

        [LibraryImport("libc")]
        internal static partial uint geteuid();
    }
}
