using System.Buffers.Binary;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Solti.Matrix.Ansible.Tests.Support;
using Solti.Matrix.Homeserver.Tests.Support;

namespace Solti.Matrix.Ansible.Tests;

/// <summary>The module binaries as the tarball ships them (<c>SOLTI_COLLECTION_TARBALL</c>, else built with
/// <c>./build.sh collection</c>), unpacked with tar into a temporary directory.</summary>
public sealed partial class CollectionTarball : IDisposable
{
    public const string GlibcFloor = "2.28";

    public CollectionTarball()
    {
        Root = Directory.CreateTempSubdirectory("solti-tarball-").FullName;
        Tarball = InstalledCollection.Tarball();
        var untar = InstalledCollection.Run("tar", ["-xzf", Tarball, "-C", Root], null);
        if (untar.ExitCode != 0)
        {
            throw new InvalidOperationException("tar failed: " + untar.Output);
        }
    }

    public string Root { get; }

    public string Tarball { get; }

    public string Bin => Path.Combine(Root, "bin");

    /// <summary>Every regular file of the tarball that starts with the ELF magic, with its <c>e_machine</c>.</summary>
    public IReadOnlyList<(string Path, ushort Machine)> ElfFiles()
    {
        var found = new List<(string, ushort)>();
        var header = new byte[20];
        foreach (var file in Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories))
        {
            if (new FileInfo(file).LinkTarget is not null)
            {
                continue; // the symlinks point at files listed on their own
            }

            using var stream = File.OpenRead(file);
            if (stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) == header.Length && header.AsSpan(0, 4).SequenceEqual(ElfMagic))
            {
                found.Add((file, BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(18))));
            }
        }

        return found;
    }

    private static ReadOnlySpan<byte> ElfMagic => [0x7f, (byte)'E', (byte)'L', (byte)'F'];

    public const ushort X86_64 = 62;
    public const ushort Aarch64 = 183;

    /// <summary>The binutils that read this machine's ELF files (Debian's plain objdump reads only the host's).</summary>
    public static string Objdump(ushort machine) => machine switch
    {
        X86_64 => "x86_64-linux-gnu-objdump",
        Aarch64 => "aarch64-linux-gnu-objdump",
        _ => throw new InvalidOperationException($"unexpected ELF machine {machine}"),
    };

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

/// <summary>What the tarball promises a target: one module binary per architecture named by <c>bin/manifest.json</c>,
/// none needing a glibc symbol version newer than 2.28, SQLite inside each binary; and the aarch64 build run for real
/// (under qemu-user) against the repo's homeserver: a send, a heal from a stale token, a spool into its own SQLite.</summary>
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
    public void The_manifest_names_one_stripped_binary_per_machine_with_its_digest_and_size()
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
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), entry["sha256"]!.GetValue<string>());
            Assert.Equal(elfMachine, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(18)));
            Assert.True(File.GetUnixFileMode(path).HasFlag(UnixFileMode.UserExecute), path + " is not executable");

            var sections = InstalledCollection.Run(CollectionTarball.Objdump(elfMachine), ["-h", path], null);
            Assert.Equal(0, sections.ExitCode);
            Assert.DoesNotContain(".symtab", sections.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain(".debug_", sections.Stdout, StringComparison.Ordinal);
        }

        // The x86-64 build is also bin/solti-matrix-module, which every module's symlink names.
        Assert.Equal("linux-x64/solti-matrix-module", new FileInfo(Path.Combine(tarball.Bin, "solti-matrix-module")).LinkTarget);
        var modules = Directory.GetFiles(Path.Combine(tarball.Root, "plugins", "modules")).Where(f => !f.EndsWith(".yml", StringComparison.Ordinal)).ToList();
        Assert.Contains(modules, m => Path.GetFileName(m) == "matrix_event");
        Assert.All(modules, m => Assert.Equal("../../bin/solti-matrix-module", new FileInfo(m).LinkTarget));
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
            var symbols = InstalledCollection.Run(CollectionTarball.Objdump(machine), ["-T", path], null);
            Assert.True(symbols.ExitCode == 0, symbols.Output);
            var versions = GlibcVersion().Matches(symbols.Stdout).Select(m => Version.Parse(m.Groups[1].Value)).ToList();
            Assert.NotEmpty(versions);
            var newer = symbols.Stdout.Split('\n').Where(l => GlibcVersion().Match(l) is { Success: true } m && Version.Parse(m.Groups[1].Value) > floor).ToList();
            Assert.True(newer.Count == 0, $"{path} needs glibc > {floor}:\n{string.Join('\n', newer)}");
            Assert.Contains(floor, versions); // fcntl64 and friends: the floor is real, not only a bound
            Assert.DoesNotContain(symbols.Stdout.Split('\n'), l => l.Contains("*UND*", StringComparison.Ordinal) && l.Contains(" sqlite3_", StringComparison.Ordinal));

            var headers = InstalledCollection.Run(CollectionTarball.Objdump(machine), ["-p", path], null);
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
        var delivery = new Solti.Matrix.Outbox.OutboxDelivery(store, client, Url);
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
        : Path.Combine(InstalledCollection.RepositoryRoot(), "artifacts", "sysroot-bullseye-arm64");

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

        var start = new ProcessStartInfo("/usr/bin/qemu-aarch64-static")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _dir,
        };
        foreach (var arg in new[] { "-L", Arm64Root, link })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["XDG_STATE_HOME"] = Path.Combine(_dir, "state");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(new JsonObject { ["ANSIBLE_MODULE_ARGS"] = args }.ToJsonString());
        process.StandardInput.Close();
        // A guard against a hung emulator only; nothing here depends on how fast the binary answers.
        using var hang = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(hang.Token);
        var output = await stdout;
        var node = (output.TrimStart().StartsWith('{') ? JsonNode.Parse(output) : null) as JsonObject ?? throw new InvalidOperationException($"not one JSON object (exit {process.ExitCode}): {output} {await stderr}");
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {output} {await stderr}");
        return node;
    }

    private Task<List<JsonObject>> MessagesAsync() => _world.MessagesAsync();

    private Task<int> DevicesAsync() => _world.DevicesAsync();

    private Task<long> LoginsAsync() => _world.LoginsAsync();
}
