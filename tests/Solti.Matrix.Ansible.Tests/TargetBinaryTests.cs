using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Solti.Matrix.Ansible.Modules;
using Solti.Matrix.Ansible.Tests.Support;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests;

/// <summary>What the tarball promises a target: one module binary per architecture named by <c>bin/manifest.json</c>,
/// none needing a glibc symbol version newer than 2.28, SQLite inside each binary; and the aarch64 build run for real
/// (under qemu-user) against the repo's homeserver: a send, a heal from a stale token, a spool into its own SQLite.</summary>
[Trait("tier", "package")]
public sealed partial class TargetBinaryTests(CollectionTarball tarball) : IClassFixture<CollectionTarball>, IAsyncLifetime
{
    private const string BotPassword = LoggerRoom.BotPassword;
    private const string BotId = LoggerRoom.BotId;
    private const string Room = LoggerRoom.Alias;
    private readonly string _dir = Directory.CreateTempSubdirectory("solti-arm64-").FullName;
    private LoggerRoom _world = null!;

    private TestHomeserver Hs => _world.Hs;

    private Session Admin => _world.Admin;

    private Session Bot => _world.Bot;

    private string RoomId => _world.RoomId;

    public async Task InitializeAsync() => _world = await LoggerRoom.StartAsync();

    public async Task DisposeAsync()
    {
        await _world.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [GeneratedRegex(@"\bGLIBC_([0-9]+(?:\.[0-9]+)+)\b")]
    private static partial Regex GlibcVersion();

    [Fact]
    public void The_manifest_names_one_stripped_binary_per_machine_within_the_size_limit_with_its_digest_and_size()
    {
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(tarball.Bin, "manifest.json")))!.AsObject();
        var collectionVersion = JsonNode.Parse(File.ReadAllText(Path.Combine(tarball.Root, "MANIFEST.json")))!["collection_info"]!["version"]!.GetValue<string>();
        Assert.Equal(collectionVersion, manifest["version"]!.GetValue<string>());
        Assert.Equal(CollectionTarball.GlibcFloor, manifest["glibc_min"]!.GetValue<string>());

        var binaries = manifest["binaries"]!.AsObject();
        Assert.Equal(["aarch64", "x86_64"], binaries.Select(b => b.Key).Order(StringComparer.Ordinal));
        foreach (var (machine, rid, elfMachine) in new[] { ("x86_64", "linux-x64", CollectionTarball.X86_64), ("aarch64", "linux-arm64", CollectionTarball.Aarch64) })
        {
            var entry = binaries[machine]!;
            Assert.Equal(rid, entry["rid"]!.GetValue<string>());
            Assert.Equal($"{rid}/solti-matrix-module", entry["path"]!.GetValue<string>());
            var path = Path.Combine(tarball.Bin, rid, "solti-matrix-module");
            Assert.Null(new FileInfo(path).LinkTarget);
            var bytes = File.ReadAllBytes(path);
            Assert.Equal(bytes.Length, entry["size"]!.GetValue<long>());
            Assert.True(bytes.Length <= CollectionTarball.MaxBinaryBytes, $"{rid}/solti-matrix-module is {bytes.Length:N0} bytes, over the limit of {CollectionTarball.MaxBinaryBytes:N0} (docs/target-binaries.md)");
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), entry["sha256"]!.GetValue<string>());
            Assert.Equal(elfMachine, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(18)));
            Assert.True(File.GetUnixFileMode(path).HasFlag(UnixFileMode.UserExecute), path + " is not executable");

            var sections = ProcessRunner.Run(CollectionTarball.Objdump(elfMachine), ["-h", path]);
            Assert.Equal(0, sections.ExitCode);
            Assert.DoesNotContain(".symtab", sections.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain(".debug_", sections.Stdout, StringComparison.Ordinal);
        }

        // Each module is a file of its own, not a link to a binary (Ansible lists no links: ansible-doc -l would miss the
        // module): comments naming the module, no code, no shebang, not executable. The action runs the build for it.
        var modules = Directory.GetFiles(Path.Combine(tarball.Root, "plugins", "modules")).Where(f => !f.EndsWith(".yml", StringComparison.Ordinal)).ToList();
        Assert.Equal(ModuleCatalog.All.Keys.Order(StringComparer.Ordinal), modules.Select(m => Path.GetFileName(m)).Order(StringComparer.Ordinal));
        Assert.All(modules, m =>
        {
            Assert.Null(new FileInfo(m).LinkTarget);
            var text = File.ReadAllText(m);
            Assert.StartsWith($"# jackaltx.solti_matrix_mgr.{Path.GetFileName(m)}: ", text, StringComparison.Ordinal);
            Assert.All(text.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Assert.StartsWith("#", line, StringComparison.Ordinal));
            Assert.Contains($"Documentation: {Path.GetFileName(m)}.yml", text, StringComparison.Ordinal);
            Assert.False(File.GetUnixFileMode(m).HasFlag(UnixFileMode.UserExecute), m + " is executable");
        });
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(tarball.Root, "*", SearchOption.AllDirectories), p => new FileInfo(p).LinkTarget is not null);
    }

    [Fact]
    public void No_ELF_file_needs_a_glibc_newer_than_the_floor_or_loads_SQLite()
    {
        var elves = tarball.ElfFiles();
        Assert.Equal(
            [Path.Combine("bin", "linux-arm64", "solti-matrix-module"), Path.Combine("bin", "linux-x64", "solti-matrix-module")],
            elves.Select(e => Path.GetRelativePath(tarball.Root, e.Path)).Order(StringComparer.Ordinal));
        Assert.Empty(Directory.EnumerateFiles(tarball.Root, "*sqlite*", SearchOption.AllDirectories));

        var floor = Version.Parse(CollectionTarball.GlibcFloor);
        foreach (var (path, machine) in elves)
        {
            var symbols = ProcessRunner.Run(CollectionTarball.Objdump(machine), ["-T", path]);
            Assert.True(symbols.ExitCode == 0, symbols.Output);
            var versions = GlibcVersion().Matches(symbols.Stdout).Select(m => Version.Parse(m.Groups[1].Value)).ToList();
            Assert.NotEmpty(versions);
            var newer = symbols.Stdout.Split('\n').Where(l => GlibcVersion().Match(l) is { Success: true } m && Version.Parse(m.Groups[1].Value) > floor).ToList();
            Assert.True(newer.Count == 0, $"{path} needs glibc > {floor}:\n{string.Join('\n', newer)}");
            Assert.Contains(floor, versions); // fcntl64 and friends: the floor is real, not only a bound
            Assert.DoesNotContain(symbols.Stdout.Split('\n'), l => l.Contains("*UND*", StringComparison.Ordinal) && l.Contains(" sqlite3_", StringComparison.Ordinal));

            var headers = ProcessRunner.Run(CollectionTarball.Objdump(machine), ["-p", path]);
            Assert.True(headers.ExitCode == 0, headers.Output);
            var needed = headers.Stdout.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("NEEDED", StringComparison.Ordinal)).Select(l => l["NEEDED".Length..].Trim()).ToList();
            Assert.Contains("libc.so.6", needed);
            Assert.DoesNotContain(needed, n => n.Contains("sqlite", StringComparison.OrdinalIgnoreCase));

            // SQLite itself is inside (not dlopen()ed later): its database header string is part of its code.
            Assert.True(File.ReadAllBytes(path).AsSpan().IndexOf("SQLite format 3\0"u8) >= 0, path + " does not contain SQLite");
        }
    }

    [Fact]
    public async Task The_aarch64_binary_posts_an_event_that_reads_back_from_the_room()
    {
        var result = await RunArm64Async(new JsonObject
        {
            ["homeserver_url"] = Url,
            ["access_token"] = Bot.AccessToken,
            ["room_id"] = Room,
            ["content"] = new JsonObject { ["msgtype"] = "m.notice", ["body"] = "hello from aarch64" },
        });

        Assert.True(result["changed"]!.GetValue<bool>(), result.ToJsonString());
        Assert.False(result["reauthenticated"]!.GetValue<bool>());
        Assert.Equal(RoomId, result["room_id"]!.GetValue<string>());
        var message = Assert.Single(await MessagesAsync());
        Assert.Equal(result["event_id"]!.GetValue<string>(), message["event_id"]!.GetValue<string>());
        Assert.Equal("hello from aarch64", message["content"]!["body"]!.GetValue<string>());
        Assert.Equal(BotId, message["sender"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_aarch64_binary_heals_a_stale_token_on_the_same_device()
    {
        Assert.Equal(200, (await Hs.Client.PostAsync("/_solti/testing/v1/expire_token", new JsonObject { ["user_id"] = BotId }, Admin.AccessToken)).Code);
        Assert.Equal(401, (await Hs.Client.GetAsync("/_matrix/client/v3/account/whoami", Bot.AccessToken)).Code);
        var devices = await DevicesAsync();
        var logins = await LoginsAsync();

        var result = await RunArm64Async(new JsonObject
        {
            ["homeserver_url"] = Url,
            ["access_token"] = Bot.AccessToken,
            ["user_id"] = BotId,
            ["password"] = BotPassword,
            ["device_id"] = "DEPLOY",
            ["room_id"] = Room,
            ["content"] = new JsonObject { ["msgtype"] = "m.notice", ["body"] = "healed on aarch64" },
        });

        Assert.True(result["changed"]!.GetValue<bool>(), result.ToJsonString());
        Assert.True(result["reauthenticated"]!.GetValue<bool>(), result.ToJsonString());
        Assert.DoesNotContain(BotPassword, result.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(devices, await DevicesAsync());
        Assert.Equal(logins + 1, await LoginsAsync());
        var message = Assert.Single(await MessagesAsync());
        Assert.Equal("healed on aarch64", message["content"]!["body"]!.GetValue<string>());

        // The healed token went to the binary's own credential cache (as it does on a target).
        Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(_dir, "state", "solti-matrix"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task The_aarch64_binary_spools_into_its_own_SQLite_while_the_homeserver_answers_503()
    {
        var outbox = Path.Combine(_dir, "outbox.db");
        Assert.Equal(200, (await Hs.Client.PostAsync("/_solti/testing/v1/faults", new JsonObject { ["endpoint"] = "rooms.send", ["status"] = 503, ["count"] = null }, Admin.AccessToken)).Code);

        var result = await RunArm64Async(new JsonObject
        {
            ["homeserver_url"] = Url,
            ["access_token"] = Bot.AccessToken,
            ["room_id"] = Room,
            ["content"] = new JsonObject { ["msgtype"] = "m.notice", ["body"] = "queued on aarch64" },
            ["spool"] = "on_failure",
            ["outbox"] = outbox,
            ["timeout"] = 1,
        });

        Assert.True(result["queued"]!.GetValue<bool>(), result.ToJsonString());
        Assert.Contains("queued in the outbox", result["warnings"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(await MessagesAsync());
        Assert.True(File.Exists(outbox), "no outbox database written by the aarch64 binary");

        // The database the aarch64 build's static SQLite wrote is one the library reads and delivers from.
        await Hs.Client.DeleteAsync("/_solti/testing/v1/faults", Admin.AccessToken);
        using var store = new Solti.Matrix.Outbox.OutboxStore(outbox);
        Assert.Equal(1, store.Stats().Pending);
        using var client = new MatrixClient(new MatrixClientOptions(new Uri(Url)), new Solti.Matrix.Sessions.SessionOptions { AccessToken = Bot.AccessToken, UseCache = false });
        var delivery = new Solti.Matrix.Outbox.OutboxDelivery(store, client);
        Assert.Equal(1, (await delivery.DeliverPendingAsync(CancellationToken.None)).Delivered);
        var message = Assert.Single(await MessagesAsync());
        Assert.Equal("queued on aarch64", message["content"]!["body"]!.GetValue<string>());
    }

    private string Url => _world.Url;

    /// <summary>The aarch64 system qemu-user runs the binary in: <c>SOLTI_ARM64_ROOT</c> (set by <c>./build.sh test</c>),
    /// else the Debian 11 arm64 sysroot <c>./build.sh collection</c> made: glibc 2.31 and OpenSSL 1.1, as on a Debian 11
    /// target. (Debian's libc6-arm64-cross has no OpenSSL, which the healing path loads for SHA-256.)</summary>
    private static string Arm64Root => Environment.GetEnvironmentVariable("SOLTI_ARM64_ROOT") is { Length: > 0 } root
        ? root
        : Path.Combine(Repository.Root, "artifacts", "sysroot-bullseye-arm64");

    /// <summary>Runs the aarch64 build as a target runs it: through a symlink named after the module, the arguments
    /// on stdin, one JSON object on stdout.</summary>
    private async Task<JsonObject> RunArm64Async(JsonObject args)
    {
        Assert.True(File.Exists("/usr/bin/qemu-aarch64-static"), "qemu-aarch64-static is missing (apt-get install qemu-user-static)");
        Assert.True(File.Exists(Path.Combine(Arm64Root, "lib", "ld-linux-aarch64.so.1")), $"no aarch64 glibc under {Arm64Root} (./build.sh collection makes it, as root)");
        Assert.True(File.Exists(Path.Combine(Arm64Root, "usr", "lib", "aarch64-linux-gnu", "libssl.so.1.1")), $"no aarch64 OpenSSL under {Arm64Root}");
        var link = Path.Combine(_dir, "matrix_event");
        if (!File.Exists(link))
        {
            File.CreateSymbolicLink(link, Path.Combine(tarball.Bin, "linux-arm64", "solti-matrix-module"));
        }

        var start = ProcessRunner.StartInfo("/usr/bin/qemu-aarch64-static", ["-L", Arm64Root, link], _dir);
        start.Environment["XDG_STATE_HOME"] = Path.Combine(_dir, "state");
        var run = await ProcessRunner.RunAsync(start, stdin: new JsonObject { ["ANSIBLE_MODULE_ARGS"] = args }.ToJsonString());
        var output = run.Stdout;
        var node = (output.TrimStart().StartsWith('{') ? JsonNode.Parse(output) : null) as JsonObject ?? throw new InvalidOperationException($"not one JSON object (exit {run.ExitCode}): {output} {run.Stderr}");
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {output} {run.Stderr}");
        return node;
    }

    private Task<List<JsonObject>> MessagesAsync() => _world.MessagesAsync();

    private Task<int> DevicesAsync() => _world.DevicesAsync();

    private Task<long> LoginsAsync() => _world.LoginsAsync();
}
