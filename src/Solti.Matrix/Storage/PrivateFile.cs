using System.Runtime.InteropServices;

namespace Solti.Matrix.Storage;

/// <summary>The one way a private file is written: a new 0600 temp file beside it (created exclusively, so never through
/// a planted link), the content written and flushed to disk, renamed into place, then the directory flushed so that the
/// rename itself survives a power loss. A reader, or a restart after a kill, finds the old content or the new, never half
/// of it and never an empty file. The directory's own checks stay with its caller (<see cref="PrivateDirectory"/>).</summary>
public static partial class PrivateFile
{
    /// <summary>Replaces <paramref name="path"/> with what <paramref name="write"/> writes.</summary>
    public static void WriteAtomic(string path, Action<Stream> write) => Write(path, write, replace: true);

    /// <summary>Creates <paramref name="path"/> with what <paramref name="write"/> writes, unless it exists: false then
    /// (another process made it first), and the file is left as it is.</summary>
    public static bool CreateAtomic(string path, Action<Stream> write) => Write(path, write, replace: false);

    private static bool Write(string path, Action<Stream> write, bool replace)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, UnixCreateMode = PrivateDirectory.FileMode }))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            try
            {
                File.Move(temp, path, overwrite: replace);
            }
            catch (IOException) when (!replace && File.Exists(path))
            {
                return false;
            }

            FlushDirectory(directory);
            return true;
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>fsync(2) of the directory, so that a rename in it is on disk.</summary>
    private static void FlushDirectory(string directory)
    {
        const int ReadOnlyCloseOnExec = 0x80000; // O_RDONLY | O_CLOEXEC, the same on x86-64 and aarch64
        var fd = NativeMethods.open(directory, ReadOnlyCloseOnExec);
        if (fd < 0)
        {
            throw new IOException($"cannot open directory {directory} to flush it: errno {Marshal.GetLastPInvokeError()}");
        }

        try
        {
            if (NativeMethods.fsync(fd) != 0)
            {
                throw new IOException($"cannot flush directory {directory}: errno {Marshal.GetLastPInvokeError()}");
            }
        }
        finally
        {
            _ = NativeMethods.close(fd);
        }
    }

    private static partial class NativeMethods
    {
        [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int open(string pathname, int flags);

        [LibraryImport("libc", SetLastError = true)]
        internal static partial int fsync(int fd);

        [LibraryImport("libc")]
        internal static partial int close(int fd);
    }
}
