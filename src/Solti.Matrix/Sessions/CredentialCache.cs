using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Solti.Matrix.Sessions;

/// <summary>Per-OS-user session cache: one 0600 file per (homeserver, user) in a 0700 directory under
/// <c>$XDG_STATE_HOME/solti-matrix</c> (else <c>~/.local/state/solti-matrix</c>). Files are replaced through a temp
/// file and a rename; a symlink, a path owned by someone else, or one with group/other access is refused, never used.</summary>
public sealed class CredentialCache
{
    private const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode GroupOrOther = (UnixFileMode)0x3F; // 0077

    public CredentialCache(string? directory = null)
    {
        Directory = Path.GetFullPath(directory ?? DefaultDirectory());
    }

    public string Directory { get; }

    public static string DefaultDirectory()
    {
        var state = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        if (string.IsNullOrEmpty(state) || !Path.IsPathRooted(state))
        {
            state = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        }

        return Path.Combine(state, "solti-matrix");
    }

    /// <summary>The file for one (homeserver, user): readable name plus a hash so distinct keys never collide.</summary>
    public string PathFor(Uri homeserver, string userId)
    {
        var key = homeserver.AbsoluteUri.TrimEnd('/') + "\n" + userId;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..12];
        var readable = new string([.. $"{homeserver.Host}_{userId}".Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_')]);
        return Path.Combine(Directory, $"{readable}.{hash}.json");
    }

    public StoredSession? Read(Uri homeserver, string userId)
    {
        var path = PathFor(homeserver, userId);
        if (!CheckDirectory(create: false))
        {
            return null;
        }

        if (CheckFile(path) is not { } before)
        {
            return null;
        }

        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        if (!UnixFileInfo.OfHandle(handle).SameFileAs(before))
        {
            throw new CredentialCacheException($"credential cache file {path} changed while it was opened; refusing it");
        }

        using var stream = new FileStream(handle, FileAccess.Read);
        try
        {
            var stored = JsonSerializer.Deserialize(stream, SessionJsonContext.Default.StoredSession);
            return stored is not null && stored.UserId == userId ? stored : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Writes a new 0600 temp file (created exclusively, so never through a link), flushes it and renames it into place.</summary>
    public void Write(Uri homeserver, StoredSession session)
    {
        CheckDirectory(create: true);
        var path = PathFor(homeserver, session.UserId);
        CheckFile(path);
        var temp = Path.Combine(Directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                UnixCreateMode = PrivateFile,
            }))
            {
                JsonSerializer.Serialize(stream, session, SessionJsonContext.Default.StoredSession);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    public void Delete(Uri homeserver, string userId)
    {
        var path = PathFor(homeserver, userId);
        if (CheckDirectory(create: false) && CheckFile(path) is not null)
        {
            File.Delete(path);
        }
    }

    /// <summary>An exclusive inter-process lock for logging one user in; waits up to <paramref name="timeout"/>.</summary>
    public async Task<IDisposable> LockAsync(Uri homeserver, string userId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        CheckDirectory(create: true);
        var path = PathFor(homeserver, userId) + ".lock";
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            CheckFile(path);
            try
            {
                var stream = new FileStream(path, new FileStreamOptions
                {
                    Mode = FileMode.OpenOrCreate,
                    Access = FileAccess.ReadWrite,
                    Share = FileShare.None,
                    UnixCreateMode = PrivateFile,
                });
                CheckFile(path);
                return stream;
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(Random.Shared.Next(20, 60), cancellationToken);
            }
            catch (IOException e)
            {
                throw new CredentialCacheException($"another process held the login lock {path} for longer than {timeout.TotalSeconds:0} s: {e.Message}");
            }
        }
    }

    /// <summary>Returns false when the directory does not exist (and was not to be created); throws when it cannot be trusted.</summary>
    private bool CheckDirectory(bool create)
    {
        var info = UnixFileInfo.OfPath(Directory);
        if (info is null)
        {
            if (!create)
            {
                return false;
            }

            System.IO.Directory.CreateDirectory(Directory, PrivateDirectory);
            info = UnixFileInfo.OfPath(Directory);
        }

        Trust(Directory, info!.Value, "directory");
        if (!info.Value.IsDirectory)
        {
            throw new CredentialCacheException($"credential cache {Directory} is not a directory; refusing it");
        }

        return true;
    }

    private static UnixFileInfo? CheckFile(string path)
    {
        if (UnixFileInfo.OfPath(path) is not { } info)
        {
            return null;
        }

        Trust(path, info, "file");
        return info;
    }

    private static void Trust(string path, UnixFileInfo info, string what)
    {
        if (info.IsSymlink)
        {
            throw new CredentialCacheException($"credential cache {what} {path} is a symbolic link; refusing it");
        }

        if (info.OwnerUid != UnixFileInfo.CurrentUid)
        {
            throw new CredentialCacheException($"credential cache {what} {path} is owned by uid {info.OwnerUid}, not by the current user (uid {UnixFileInfo.CurrentUid}); refusing it");
        }

        if ((info.Mode & GroupOrOther) != 0)
        {
            throw new CredentialCacheException($"credential cache {what} {path} has mode {Convert.ToString((int)info.Mode, 8)}: group or others have access; refusing it (expected {(what == "directory" ? "0700" : "0600")})");
        }
    }
}
