using System.Security.Cryptography;
using Solti.Matrix.Storage;

namespace Solti.Matrix.Relay;

/// <summary>The relay's bearer token: read from its file, or generated into it on first start (32 random bytes,
/// base64url) as a new 0600 file renamed into place, so a half-written token is never read. By default the file is
/// <c>relay.token</c> beside the outbox. A file that is a symbolic link, belongs to another user (root excepted: an
/// operator's <c>--token-file</c>), lets others read it, or lets the group write it is refused; a group may read it
/// (producers in the relay's group).</summary>
public static class RelayToken
{
    private const UnixFileMode OtherAccess = UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary><c>relay.token</c> in the outbox's directory.</summary>
    public static string DefaultPath(string outboxPath) => Path.Combine(Path.GetDirectoryName(outboxPath)!, "relay.token");

    /// <summary>The token in <paramref name="path"/>, generating it when the file does not exist.</summary>
    public static string LoadOrCreate(string path)
    {
        if (Read(path) is { } existing)
        {
            return existing;
        }

        PrivateDirectory.Create(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var token = Base64Url(RandomBytes(32));
        return PrivateFile.CreateAtomic(path, stream => stream.Write(System.Text.Encoding.ASCII.GetBytes(token + "\n")))
            ? token
            : Read(path) ?? throw new IOException($"relay token file {path} is empty"); // another relay made it first
    }

    /// <summary>From the kernel's random source on Linux: <see cref="RandomNumberGenerator"/> is OpenSSL's there, and
    /// loading libcrypto for these 32 bytes kept 3.4 MB of it mapped in the relay for as long as it ran
    /// (bench/relay-memory.sh).</summary>
    private static byte[] RandomBytes(int count)
    {
        if (!OperatingSystem.IsLinux())
        {
            return RandomNumberGenerator.GetBytes(count);
        }

        var bytes = new byte[count];
        using var random = File.OpenRead("/dev/urandom");
        random.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>The first line of the file, or null when there is no file; refuses a file it cannot trust.</summary>
    private static string? Read(string path)
    {
        if (UnixFileInfo.OfPath(path) is not { } info)
        {
            return null;
        }

        if (info.IsSymlink)
        {
            throw new IOException($"relay token file {path} is a symbolic link; refusing it");
        }

        if (info.OwnerUid != UnixFileInfo.CurrentUid && info.OwnerUid != 0)
        {
            throw new IOException($"relay token file {path} is owned by uid {info.OwnerUid}, neither the current user (uid {UnixFileInfo.CurrentUid}) nor root; refusing it");
        }

        if ((info.Mode & (OtherAccess | UnixFileMode.GroupWrite)) != 0)
        {
            throw new IOException($"relay token file {path} has mode {Convert.ToString((int)info.Mode, 8)}: others may read it or the group may write it (expected 0600, or 0640 to share it with a group); refusing it");
        }

        var token = File.ReadLines(path).FirstOrDefault()?.Trim();
        return string.IsNullOrEmpty(token) ? throw new IOException($"relay token file {path} is empty") : token;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
