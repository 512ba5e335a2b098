using System.Text;
using System.Text.Json.Serialization.Metadata;
using Solti.Matrix.Storage;

namespace Solti.Matrix.Sessions;

/// <summary>Per-OS-user session cache: one 0600 file per (homeserver, user), a <see cref="StoredSession"/>, and one per
/// (MAS, admin client), a <see cref="StoredGrant"/>, in a 0700 directory (<see cref="StatePaths.CredentialCache"/>).
/// Files are replaced through a temp file and a rename; a symlink, a path owned by someone else, or one with
/// group/other access is refused, never used (<see cref="PrivateDirectory"/>).</summary>
public sealed class CredentialCache
{
    /// <summary>A cache in <paramref name="directory"/>, or in <see cref="DefaultDirectory"/> when null.</summary>
    public CredentialCache(string? directory = null)
    {
        Directory = Path.GetFullPath(directory ?? DefaultDirectory());
    }

    /// <summary>The cache's directory, as a full path.</summary>
    public string Directory { get; }

    /// <summary>The default directory: <c>$XDG_STATE_HOME/solti-matrix</c>, else
    /// <c>~/.local/state/solti-matrix</c>.</summary>
    public static string DefaultDirectory() => StatePaths.CredentialCache();

    /// <summary>The file for one (homeserver, user): readable name plus a hash so distinct keys never collide.</summary>
    public string PathFor(Uri homeserver, string userId) => FileFor("", homeserver, userId);

    /// <summary>The file of the grant of MAS admin client <paramref name="clientId"/> at <paramref name="mas"/>:
    /// <c>mas-grant_</c>, then named as a session's file is (a name no session's file has, and that
    /// <see cref="FindByToken"/> never reads).</summary>
    public string GrantPathFor(Uri mas, string clientId) => FileFor(GrantPrefix, mas, clientId);

    private const string GrantPrefix = "mas-grant_";

    /// <summary>The end-to-end encryption store of one device (<c>crypto_…​.db</c>, SQLite): its keys, Olm and Megolm
    /// sessions and the devices it has seen, changed only under <see cref="DeviceLockAsync"/>.</summary>
    public string CryptoPathFor(Uri homeserver, string userId, string deviceId) =>
        Path.ChangeExtension(FileFor(CryptoPrefix, homeserver, userId + "/" + deviceId), ".db");

    private const string CryptoPrefix = "crypto_";

    /// <summary>The one lock of a device's crypto store that every process of that device on this host takes (modules,
    /// the CLI, the relay): one crypto owner at a time, so no Megolm index is used twice and no Olm session forks.</summary>
    public Task<IDisposable> DeviceLockAsync(Uri homeserver, string userId, string deviceId, TimeSpan timeout, CancellationToken cancellationToken) =>
        AcquireAsync(CryptoPathFor(homeserver, userId, deviceId) + ".lock", timeout, (path, e) => new CredentialCacheException($"another process held the crypto lock {path} for longer than {timeout.TotalSeconds:0} s: {e.Message}"), cancellationToken);

    /// <summary>The one <c>/sync</c> loop of a device on this host (the reading side: to-device messages are deleted by
    /// the server once the next token is used, so two loops would take each other's): held across one sync step, the
    /// request included; a second reader of the device waits for the first one's step, then reads what it stored. Not
    /// the crypto lock: senders of the device do not wait for a long poll.</summary>
    public Task<IDisposable> SyncLockAsync(Uri homeserver, string userId, string deviceId, TimeSpan timeout, CancellationToken cancellationToken) =>
        AcquireAsync(CryptoPathFor(homeserver, userId, deviceId) + ".sync.lock", timeout, (path, e) => new CredentialCacheException($"another process held the sync lock {path} for longer than {timeout.TotalSeconds:0} s: {e.Message}"), cancellationToken);

    /// <summary>One record's file: <paramref name="kind"/>, the server's host and the name in safe characters, then a
    /// hash of the server's base URL and the name.</summary>
    private string FileFor(string kind, Uri server, string name)
    {
        var key = Key(server) + "\n" + name;
        var hash = Convert.ToHexStringLower(Crypto.Primitives.Sha256(Encoding.UTF8.GetBytes(key)))[..12];
        return Path.Combine(Directory, $"{kind}{Readable(server, name)}.{hash}.json");
    }

    /// <summary>A homeserver as the cache names it: its base URL without the trailing slash.</summary>
    private static string Key(Uri homeserver) => homeserver.AbsoluteUri.TrimEnd('/');

    /// <summary>The readable start of a cache file's name: the homeserver's host and the user, in safe characters.</summary>
    private static string Readable(Uri homeserver, string userId) =>
        new([.. $"{homeserver.Host}_{userId}".Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_')]);

    /// <summary>The cached session of <paramref name="userId"/> on <paramref name="homeserver"/>, or null when there is
    /// none; a cache directory or file that is not private is refused with a
    /// <see cref="CredentialCacheException"/>.</summary>
    public StoredSession? Read(Uri homeserver, string userId)
    {
        var path = PathFor(homeserver, userId);
        return CheckDirectory(create: false) && ReadFile(path, SessionJsonContext.Default.StoredSession) is { } stored && stored.UserId == userId ? stored : null;
    }

    /// <summary>The grant the cache holds for MAS admin client <paramref name="clientId"/> at <paramref name="mas"/>, or
    /// null when there is none, with the same refusals as <see cref="Read"/>.</summary>
    public StoredGrant? ReadGrant(Uri mas, string clientId) =>
        CheckDirectory(create: false) && ReadFile(GrantPathFor(mas, clientId), SessionJsonContext.Default.StoredGrant) is { } grant && grant.ClientId == clientId && grant.MasUrl == Key(mas)
            ? grant
            : null;

    /// <summary>The cached session on <paramref name="homeserver"/> whose access token is <paramref name="accessToken"/>,
    /// whatever its user (a session given a bare token, kept earlier under the user the server named), or null. Reads
    /// only that homeserver's files, with the same refusals as <see cref="Read"/>.</summary>
    public StoredSession? FindByToken(Uri homeserver, string accessToken)
    {
        if (!CheckDirectory(create: false))
        {
            return null;
        }

        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, Readable(homeserver, "") + "*.json"))
        {
            // The record names its homeserver; an older one is told by its file name (a hash, so only then).
            if (ReadFile(path, SessionJsonContext.Default.StoredSession) is { } stored && stored.AccessToken == accessToken && (stored.Homeserver is { } written ? written == Key(homeserver) : PathFor(homeserver, stored.UserId) == path))
            {
                return stored;
            }
        }

        return null;
    }

    /// <summary>One cache file, checked before and after it is opened; null when absent or not a record of the kind.</summary>
    private static T? ReadFile<T>(string path, JsonTypeInfo<T> kind)
        where T : class
    {
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
            return JsonSerializer.Deserialize(stream, kind);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Whether a session of the user is cached, for callers that decide before any session starts: the session
    /// itself, or why there is none (<c>no session</c>; <c>the credential cache cannot be read: …</c> when the cache is
    /// refused, <see cref="Unreadable"/>). Never throws for the cache's own refusals.</summary>
    public (StoredSession? Session, string? Problem) Probe(Uri homeserver, string userId)
    {
        try
        {
            return Read(homeserver, userId) is { } session ? (session, null) : (null, NoSession);
        }
        catch (CredentialCacheException e)
        {
            return (null, Unreadable + e.Message);
        }
    }

    /// <summary>What <see cref="Probe"/> says when the cache holds nothing for the user.</summary>
    public const string NoSession = "no session";

    /// <summary>How <see cref="Probe"/>'s answer starts when the cache refused to be read.</summary>
    public const string Unreadable = "the credential cache cannot be read: ";

    /// <summary>Replaces the user's file at once (<see cref="PrivateFile.WriteAtomic"/>: 0600, flushed, renamed, the directory
    /// flushed).</summary>
    public void Write(Uri homeserver, StoredSession session) =>
        WriteFile(PathFor(homeserver, session.UserId), session with { Homeserver = Key(homeserver) }, SessionJsonContext.Default.StoredSession);

    /// <summary>Replaces the grant's file of its client at <paramref name="mas"/>, as <see cref="Write"/> does a
    /// session's.</summary>
    public void WriteGrant(Uri mas, StoredGrant grant) =>
        WriteFile(GrantPathFor(mas, grant.ClientId), grant with { MasUrl = Key(mas) }, SessionJsonContext.Default.StoredGrant);

    /// <summary>The one write of a record: the directory and the file checked, then <see cref="PrivateFile.WriteAtomic"/>.</summary>
    private void WriteFile<T>(string path, T record, JsonTypeInfo<T> kind)
    {
        CheckDirectory(create: true);
        CheckFile(path);
        PrivateFile.WriteAtomic(path, stream => JsonSerializer.Serialize(stream, record, kind));
    }

    /// <summary>Removes the cached session of <paramref name="userId"/> on <paramref name="homeserver"/>, if there is
    /// one.</summary>
    public void Delete(Uri homeserver, string userId)
    {
        var path = PathFor(homeserver, userId);
        if (CheckDirectory(create: false) && CheckFile(path) is not null)
        {
            File.Delete(path);
        }
    }

    /// <summary>An exclusive inter-process lock for logging one user in; waits up to <paramref name="timeout"/>.</summary>
    public Task<IDisposable> LockAsync(Uri homeserver, string userId, TimeSpan timeout, CancellationToken cancellationToken) =>
        LoginLockAsync(PathFor(homeserver, userId), timeout, cancellationToken);

    /// <summary>The same lock for the grant of MAS admin client <paramref name="clientId"/> (a grant is a login): one grant
    /// for every process of this OS user.</summary>
    public Task<IDisposable> GrantLockAsync(Uri mas, string clientId, TimeSpan timeout, CancellationToken cancellationToken) =>
        LoginLockAsync(GrantPathFor(mas, clientId), timeout, cancellationToken);

    private Task<IDisposable> LoginLockAsync(string record, TimeSpan timeout, CancellationToken cancellationToken) =>
        AcquireAsync(record + ".lock", timeout, (path, e) => new CredentialCacheException($"another process held the login lock {path} for longer than {timeout.TotalSeconds:0} s: {e.Message}"), cancellationToken);

    /// <summary>The send slot of one user on this host: held for one message send (its attempts and the waits the server
    /// asks for between them), so that the processes of one user take turns for the homeserver's rate limit instead of
    /// colliding on it. Null when another process held it for all of <paramref name="timeout"/>.</summary>
    public async Task<IDisposable?> SendSlotAsync(Uri homeserver, string userId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            return await AcquireAsync(PathFor(homeserver, userId) + ".send.lock", timeout, (_, e) => new TimeoutException(e.Message), cancellationToken);
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    /// <summary>The one inter-process lock of the cache: a 0600 file opened exclusively (<c>flock</c>), polled with
    /// jitter so that waiters spread out, until <paramref name="timeout"/>.</summary>
    private async Task<IDisposable> AcquireAsync(string path, TimeSpan timeout, Func<string, IOException, Exception> timedOut, CancellationToken cancellationToken)
    {
        CheckDirectory(create: true);
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
                    UnixCreateMode = PrivateDirectory.FileMode,
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
                throw timedOut(path, e);
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

            PrivateDirectory.Create(Directory);
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
        if (PrivateDirectory.Distrust(path, info, what == "directory") is { } reason)
        {
            throw new CredentialCacheException($"credential cache {what} {path} {reason}; refusing it");
        }
    }
}
