using Solti.Matrix.Encryption;
using Solti.Matrix.Sessions;

namespace Solti.Matrix.Tests;

/// <summary>A device's crypto store: private, kept across processes, and owned by one process at a time.</summary>
[Trait("tier", "unit")]
public sealed class CryptoStoreTests : IDisposable
{
    private static readonly Uri Hs = new("https://matrix.example.org/");
    private readonly string _root = Path.Combine(Path.GetTempPath(), "solti-cryptotest-" + Guid.NewGuid().ToString("N"));

    private CredentialCache Cache => new(Path.Combine(_root, "solti-matrix"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private Task<CryptoStore> OpenAsync(string device = "BOTDEVICE", TimeSpan? timeout = null) =>
        CryptoStore.OpenAsync(Cache, Hs, "@bot:example.org", device, timeout ?? TimeSpan.FromSeconds(5), CancellationToken.None);

    [Fact]
    public async Task What_is_saved_is_read_back_after_reopening_from_a_private_file()
    {
        var record = new OutboundGroupRecord("!room:example.org", """{"ratchet":"secret"}""", 1700000000000, 3, """{"@bob:example.org":["BOBPHONE"]}""");
        using (var store = await OpenAsync())
        {
            Assert.Null(store.Account);
            store.SaveAccount("""{"account":1}""");
            store.SaveAccount("""{"account":2}""");
            store.SaveOlmSession("curveBob", "s1", "old", 1);
            store.SaveOlmSession("curveBob", "s2", "new", 2);
            store.SaveOutboundGroupSession(record);
            store.RememberDevice(new KnownDevice("@bob:example.org", "BOBPHONE", "edFirst", "curveBob", 10));
            store.RememberDevice(new KnownDevice("@bob:example.org", "BOBPHONE", "edChanged", "curveOther", 20));
            store.RememberEncryptedRoom("!room:example.org", """{"algorithm":"m.megolm.v1.aes-sha2"}""");
            store.SaveSetting("keys_uploaded", "true");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.Path));
        }

        using var again = await OpenAsync();
        Assert.Equal("""{"account":2}""", again.Account);
        Assert.Equal([("s2", "new"), ("s1", "old")], again.OlmSessions("curveBob"));
        Assert.Equal(record, again.OutboundGroupSession("!room:example.org"));
        Assert.DoesNotContain("secret", record.ToString(), StringComparison.Ordinal);
        Assert.Equal(new KnownDevice("@bob:example.org", "BOBPHONE", "edFirst", "curveBob", 10), again.Device("@bob:example.org", "BOBPHONE")); // the first keys stay
        Assert.NotNull(again.EncryptedRoom("!room:example.org"));
        Assert.Null(again.EncryptedRoom("!other:example.org"));
        Assert.Equal("true", again.Setting("keys_uploaded"));

        again.DropOutboundGroupSession("!room:example.org");
        Assert.Null(again.OutboundGroupSession("!room:example.org"));
    }

    [Fact]
    public async Task One_process_owns_a_device_store_at_a_time_and_other_devices_are_not_held_up()
    {
        using var first = await OpenAsync();

        await Assert.ThrowsAsync<CredentialCacheException>(() => OpenAsync(timeout: TimeSpan.FromMilliseconds(200)));
        using (var other = await OpenAsync("OTHERDEVICE"))
        {
            Assert.NotEqual(first.Path, other.Path);
        }

        var waiting = OpenAsync(timeout: TimeSpan.FromSeconds(30));
        first.Dispose();
        using var next = await waiting; // taken as soon as the first owner lets go
        Assert.Null(next.Account);
    }

    [Fact]
    public async Task A_store_that_is_a_symbolic_link_is_refused()
    {
        using (await OpenAsync())
        {
        }

        var path = Cache.CryptoPathFor(Hs, "@bot:example.org", "LINKED");
        var elsewhere = Path.Combine(_root, "elsewhere.db");
        await File.WriteAllTextAsync(elsewhere, "");
        File.CreateSymbolicLink(path, elsewhere);

        var refused = await Assert.ThrowsAsync<CredentialCacheException>(() => OpenAsync("LINKED"));
        Assert.Contains("refusing it", refused.Message, StringComparison.Ordinal);
    }
}
