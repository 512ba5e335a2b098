using Solti.Matrix.Sessions;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Tests;

/// <summary>The cache is private: modes, atomic writes, and refusal of links, foreign owners and open permissions.</summary>
[Trait("tier", "unit")]
public sealed class CredentialCacheTests : IDisposable
{
    private static readonly Uri Homeserver = new("http://127.0.0.1:8008/");
    private readonly string _root = Path.Combine(Path.GetTempPath(), "solti-cachetest-" + Guid.NewGuid().ToString("N"));

    private string Dir => Path.Combine(_root, "solti-matrix");

    private static StoredSession Session(string token = "syt_secret_token") => new("@bot:localhost", token, "DEV1", "syr_refresh", null);

    [Fact]
    public void Writes_a_0600_file_in_a_0700_directory_and_reads_it_back()
    {
        var cache = new CredentialCache(Dir);
        cache.Write(Homeserver, Session());

        var path = cache.PathFor(Homeserver, "@bot:localhost");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Dir));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal("syt_secret_token", cache.Read(Homeserver, "@bot:localhost")!.AccessToken);
        Assert.Single(Directory.GetFiles(Dir));
    }

    [Fact]
    public void A_session_is_found_by_its_token_on_its_own_homeserver_only()
    {
        var cache = new CredentialCache(Dir);
        cache.Write(Homeserver, Session("syt_bot_token"));
        cache.Write(Homeserver, new StoredSession("@other:localhost", "syt_other_token", "DEV2", null, null));
        cache.Write(new Uri("http://127.0.0.1:9009/"), new StoredSession("@third:localhost", "syt_third_token", "DEV3", null, null));

        Assert.Equal(("@bot:localhost", "DEV1"), (cache.FindByToken(Homeserver, "syt_bot_token")!.UserId, cache.FindByToken(Homeserver, "syt_bot_token")!.DeviceId));
        Assert.Equal("@other:localhost", cache.FindByToken(new Uri("http://127.0.0.1:8008"), "syt_other_token")!.UserId);
        Assert.Null(cache.FindByToken(Homeserver, "syt_third_token")); // same host, another homeserver
        Assert.Null(cache.FindByToken(Homeserver, "syt_unknown"));
        Assert.Equal("http://127.0.0.1:8008", cache.Read(Homeserver, "@bot:localhost")!.Homeserver);
    }

    [Fact]
    public void A_mas_grant_is_a_record_of_its_own_in_a_private_file_that_no_session_lookup_reads()
    {
        var cache = new CredentialCache(Dir);
        var expires = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
        cache.Write(Homeserver, Session());
        cache.WriteGrant(Homeserver, new StoredGrant("01J5ADM1N", "mat_grant_token", expires)); // MAS at the homeserver's URL

        var path = cache.GrantPathFor(Homeserver, "01J5ADM1N");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.StartsWith("mas-grant_", Path.GetFileName(path), StringComparison.Ordinal);
        Assert.Equal(("mat_grant_token", expires, "http://127.0.0.1:8008"), (cache.ReadGrant(Homeserver, "01J5ADM1N")!.AccessToken, cache.ReadGrant(Homeserver, "01J5ADM1N")!.ExpiresAt, cache.ReadGrant(Homeserver, "01J5ADM1N")!.MasUrl));
        Assert.Null(cache.ReadGrant(Homeserver, "01J5OTHER"));
        Assert.Null(cache.ReadGrant(new Uri("http://127.0.0.1:9009/"), "01J5ADM1N"));
        Assert.Null(cache.FindByToken(Homeserver, "mat_grant_token"));
        Assert.Null(cache.Read(Homeserver, "01J5ADM1N"));
        Assert.NotEqual(cache.PathFor(Homeserver, "01J5ADM1N"), path); // never the file of a session of the same name
        Assert.DoesNotContain("mat_grant_token", cache.ReadGrant(Homeserver, "01J5ADM1N")!.ToString(), StringComparison.Ordinal);

        var target = Path.Combine(_root, "attacker-file");
        File.WriteAllText(target, "untouched");
        File.Delete(path);
        File.CreateSymbolicLink(path, target);
        Assert.Contains("symbolic link", Assert.Throws<CredentialCacheException>(() => cache.ReadGrant(Homeserver, "01J5ADM1N")).Message, StringComparison.Ordinal);
        Assert.Contains("symbolic link", Assert.Throws<CredentialCacheException>(() => cache.WriteGrant(Homeserver, new StoredGrant("01J5ADM1N", "mat_new", expires))).Message, StringComparison.Ordinal);
        Assert.Equal("untouched", File.ReadAllText(target));
    }

    [Fact]
    public void Entries_are_keyed_by_homeserver_and_user()
    {
        var cache = new CredentialCache(Dir);
        cache.Write(Homeserver, Session("token-a"));
        cache.Write(new Uri("http://127.0.0.1:9009/"), Session("token-b"));

        Assert.Equal("token-a", cache.Read(Homeserver, "@bot:localhost")!.AccessToken);
        Assert.Equal("token-b", cache.Read(new Uri("http://127.0.0.1:9009"), "@bot:localhost")!.AccessToken);
        Assert.Null(cache.Read(Homeserver, "@other:localhost"));
    }

    [Fact]
    public void A_planted_symlink_is_refused_and_nothing_is_written_through_it()
    {
        var cache = new CredentialCache(Dir);
        cache.Write(Homeserver, Session());
        var path = cache.PathFor(Homeserver, "@bot:localhost");
        var target = Path.Combine(_root, "attacker-file");
        File.WriteAllText(target, "untouched");
        File.Delete(path);
        File.CreateSymbolicLink(path, target);

        var read = Assert.Throws<CredentialCacheException>(() => cache.Read(Homeserver, "@bot:localhost"));
        var write = Assert.Throws<CredentialCacheException>(() => cache.Write(Homeserver, Session("new-token")));

        Assert.Contains("symbolic link", read.Message, StringComparison.Ordinal);
        Assert.Contains("symbolic link", write.Message, StringComparison.Ordinal);
        Assert.Equal("untouched", File.ReadAllText(target));
    }

    [Fact]
    public void A_symlinked_cache_directory_is_refused()
    {
        var real = Path.Combine(_root, "elsewhere");
        Directory.CreateDirectory(real, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Directory.CreateDirectory(_root);
        Directory.CreateSymbolicLink(Dir, real);

        var error = Assert.Throws<CredentialCacheException>(() => new CredentialCache(Dir).Write(Homeserver, Session()));

        Assert.Contains("symbolic link", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(real));
    }

    [Fact]
    public void A_group_readable_file_is_refused()
    {
        var cache = new CredentialCache(Dir);
        cache.Write(Homeserver, Session());
        var path = cache.PathFor(Homeserver, "@bot:localhost");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);

        var error = Assert.Throws<CredentialCacheException>(() => cache.Read(Homeserver, "@bot:localhost"));

        Assert.Contains("group or others", error.Message, StringComparison.Ordinal);
        Assert.Throws<CredentialCacheException>(() => cache.Write(Homeserver, Session("new-token")));
        Assert.DoesNotContain("new-token", File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Fact]
    public void An_open_cache_directory_is_refused()
    {
        Directory.CreateDirectory(Dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        File.SetUnixFileMode(Dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

        var error = Assert.Throws<CredentialCacheException>(() => new CredentialCache(Dir).Write(Homeserver, Session()));

        Assert.Contains("0700", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_owned_by_another_user_is_refused()
    {
        var cache = new CredentialCache(Dir);
        cache.Write(Homeserver, Session());
        var path = cache.PathFor(Homeserver, "@bot:localhost");
        Assert.NotNull(cache.Read(Homeserver, "@bot:localhost"));
        if (Environment.UserName != "root")
        {
            // Giving a file away needs root; CI runs as root, so the refusal is exercised there.
            return;
        }

        Assert.Equal(0, ProcessRunner.Run("chown", ["nobody", path]).ExitCode);

        var error = Assert.Throws<CredentialCacheException>(() => cache.Read(Homeserver, "@bot:localhost"));

        Assert.Contains("not by the current user", error.Message, StringComparison.Ordinal);
        Assert.Throws<CredentialCacheException>(() => cache.Write(Homeserver, Session("new-token")));
        Assert.DoesNotContain("new-token", File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_directory_follows_XDG_STATE_HOME_then_the_home_directory()
    {
        var saved = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        try
        {
            Environment.SetEnvironmentVariable("XDG_STATE_HOME", "/srv/state");
            Assert.Equal("/srv/state/solti-matrix", CredentialCache.DefaultDirectory());
            Environment.SetEnvironmentVariable("XDG_STATE_HOME", null);
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            Assert.Equal(Path.Combine(home, ".local", "state", "solti-matrix"), CredentialCache.DefaultDirectory());
        }
        finally
        {
            Environment.SetEnvironmentVariable("XDG_STATE_HOME", saved);
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
