using System.Reflection;
using System.Text.Json.Nodes;
using Solti.Matrix.Testing;
using Solti.Matrix.Tests.Support;

namespace Solti.Matrix.Tests;

/// <summary>The tests that install the Debian package: one at a time, never beside each other (dpkg, one system user,
/// one /var/lib/solti-matrix).</summary>
[CollectionDefinition(nameof(DebPackageGroup), DisableParallelization = true)]
public sealed class DebPackageGroup;

/// <summary>The Debian packages <c>./build.sh deb</c> makes (<c>./build.sh test</c> builds them and sets
/// <c>SOLTI_DEB_AMD64</c> and <c>SOLTI_DEB_ARM64</c>): lintian clean; the amd64 one installed with dpkg on this machine
/// (the tests run as root), its CLI sending to the repo's homeserver as the package's system user and its relay run as
/// the unit runs it, then removed and purged until nothing of it is left; the arm64 one the same files with aarch64 binaries.</summary>
[Trait("tier", "package")]
[Collection(nameof(DebPackageGroup))]
public sealed class DebPackageTests
{
    private const string Package = "solti-matrix";
    private const string Unit = "/usr/lib/systemd/system/solti-matrix-relay.service";
    private const string StateDir = "/var/lib/solti-matrix";
    private const string ConfigDir = "/etc/solti-matrix";
    private const string EnabledLink = "/etc/systemd/system/multi-user.target.wants/solti-matrix-relay.service";

    private static readonly TimeSpan LintianTimeout = TimeSpan.FromMinutes(10);

    /// <summary>The project's one version (Directory.Build.props), without the source revision.</summary>
    private static string ProjectVersion => typeof(DebPackageTests).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];

    private static string Deb(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } path
            ? Path.GetFullPath(path)
            : throw new InvalidOperationException($"{variable} is not set: run ./build.sh test (it builds the Debian packages and sets it), or ./build.sh deb and point {variable} at the .deb in dist/");

    [Fact]
    public async Task The_amd64_package_installs_sends_as_its_system_user_and_purges_to_nothing()
    {
        var deb = Deb("SOLTI_DEB_AMD64");
        Assert.True(File.Exists(deb), $"{deb} does not exist");
        Assert.True((await Run("id", "-u")).Stdout.Trim() == "0", "installing the package needs root");
        await Lintian(deb);

        // Nor beside a test run of another checkout on this machine.
        await using var machine = await MachineLock.TakeAsync();

        // Not another run's leftovers: start from no package; the system user is removed at the end only if this test made it.
        await Run("dpkg", "--purge", Package);
        var userExisted = (await Run("getent", "passwd", Package)).ExitCode == 0;
        try
        {
            await Must("dpkg", "--install", deb);
            var paths = (await Must("dpkg", "--listfiles", Package)).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var files = paths.Where(p => !Directory.Exists(p) || IsLink(p)).ToList();

            var version = await Must("/usr/bin/solti-matrix", "--version");
            Assert.StartsWith(ProjectVersion, version.Stdout.Trim(), StringComparison.Ordinal);
            Assert.Equal(ProjectVersion, (await Must("dpkg-query", "--show", "--showformat=${Version}", Package)).Stdout);
            Assert.True(File.Exists("/usr/bin/solti-matrix-relay"));
            foreach (var path in new[]
            {
                "/usr/share/man/man1/solti-matrix.1.gz", "/usr/share/man/man1/solti-matrix-relay.1.gz",
                "/usr/share/bash-completion/completions/solti-matrix", "/usr/share/zsh/vendor-completions/_solti-matrix",
                Unit, "/usr/lib/sysusers.d/solti-matrix.conf", "/usr/share/doc/solti-matrix/copyright", $"{ConfigDir}/relay.env",
            })
            {
                Assert.Contains(path, files);
            }

            // The manual page and the completions are the CLI's command tree: every command is in them.
            var man = await Must("sh", "-c", "gzip -dc /usr/share/man/man1/solti-matrix.1.gz");
            Assert.StartsWith(".TH \"SOLTI\\-MATRIX\" 1", man.Stdout, StringComparison.Ordinal);
            Assert.Contains(".SS \"outbox flush\"", man.Stdout, StringComparison.Ordinal);
            Assert.Contains("\\fB\\-\\-homeserver\\fR", man.Stdout, StringComparison.Ordinal);
            await Must("bash", "-n", "/usr/share/bash-completion/completions/solti-matrix");
            var bash = await Must("bash", "-c", ". /usr/share/bash-completion/completions/solti-matrix; COMP_WORDS=(solti-matrix outbox ''); COMP_CWORD=2; _solti_matrix; echo \"${COMPREPLY[*]}\"");
            Assert.Equal(["flush", "purge", "status"], bash.Stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(w => !w.StartsWith('-')).Order(StringComparer.Ordinal));
            Assert.StartsWith("#compdef solti-matrix", await File.ReadAllTextAsync("/usr/share/zsh/vendor-completions/_solti-matrix"), StringComparison.Ordinal);

            // The unit: verified as systemd would load it, enabled, not started; its user, state directory and settings.
            var verify = await Run("systemd-analyze", "verify", Unit);
            Assert.True(verify.ExitCode == 0 && verify.Output.Trim().Length == 0, verify.ToString());
            Assert.True(IsLink(EnabledLink), $"{EnabledLink}: the unit is enabled on installation");
            var user = (await Must("getent", "passwd", Package)).Stdout.Trim().Split(':');
            Assert.Equal(StateDir, user[5]);
            Assert.EndsWith("nologin", user[6], StringComparison.Ordinal);
            Assert.Equal($"640 root {Package}", (await Must("stat", "-c", "%a %U %G", $"{ConfigDir}/relay.env")).Stdout.Trim());
            Assert.Equal($"750 {Package} {Package}", (await Must("stat", "-c", "%a %U %G", StateDir)).Stdout.Trim());

            // The installed CLI sends as the service would run it: the system user, its state under /var/lib/solti-matrix.
            await using (var h = await LibraryHarness.StartAsync())
            {
                var bot = await h.Hs.LoginBotAsync("DEBPKG");
                var (roomId, alias) = await h.BotRoomAsync(bot.AccessToken);
                var start = ProcessRunner.StartInfo("setpriv", ["--reuid", Package, "--regid", Package, "--clear-groups", "/usr/bin/solti-matrix", "send", alias, "--text", "from the package", "--output", "json"]);
                foreach (var (name, value) in new Dictionary<string, string>
                {
                    ["MATRIX_HOMESERVER_URL"] = h.Hs.Server.BaseAddress.ToString(),
                    ["MATRIX_USER_ID"] = h.Hs.BotId,
                    ["MATRIX_ACCESS_TOKEN"] = bot.AccessToken,
                    ["MATRIX_PASSWORD"] = TestHomeserver.BotPassword,
                    ["XDG_STATE_HOME"] = StateDir,
                    ["HOME"] = StateDir,
                })
                {
                    start.Environment[name] = value;
                }

                var send = await ProcessRunner.RunAsync(start);
                Assert.True(send.ExitCode == 0, send.ToString());
                var eventId = JsonNode.Parse(send.Stdout)!["event_id"]!.GetValue<string>();
                var message = Assert.Single(await h.MessagesAsync(roomId, bot.AccessToken));
                Assert.Equal(eventId, message["event_id"]!.GetValue<string>());
                Assert.Equal("from the package", message["content"]!["body"]!.GetValue<string>());

                await RelayAsTheUnitRunsIt(h, bot.AccessToken, roomId, alias);
            }

            Assert.Equal($"700 {Package}", (await Must("stat", "-c", "%a %U", $"{StateDir}/solti-matrix")).Stdout.Trim());

            // Remove: the programs go, the state (a session cached above) and the settings stay.
            await Must("dpkg", "--remove", Package);
            Assert.False(File.Exists("/usr/bin/solti-matrix"));
            Assert.False(File.Exists("/usr/bin/solti-matrix-relay"));
            Assert.False(File.Exists(Unit));
            Assert.NotEmpty(Directory.GetFileSystemEntries($"{StateDir}/solti-matrix"));
            Assert.True(File.Exists($"{ConfigDir}/relay.env"));

            // Purge: nothing of it is left.
            await Must("dpkg", "--purge", Package);
            Assert.DoesNotContain(files, p => File.Exists(p) || IsLink(p));
            foreach (var directory in new[] { StateDir, ConfigDir, "/usr/share/doc/solti-matrix" })
            {
                Assert.False(Directory.Exists(directory), $"{directory} is left after purge");
            }

            Assert.False(IsLink(EnabledLink) || IsLink("/etc/systemd/system/solti-matrix-relay.service"), "the unit's links are left after purge");
            Assert.NotEqual(0, (await Run("dpkg-statoverride", "--list", $"{ConfigDir}/relay.env")).ExitCode);
            var status = await Run("dpkg-query", "--show", "--showformat=${db:Status-Status}", Package);
            Assert.True(status.ExitCode != 0 || status.Stdout == "not-installed", status.ToString());
        }
        finally
        {
            await Run("dpkg", "--purge", Package);
            if (!userExisted && (await Run("getent", "passwd", Package)).ExitCode == 0)
            {
                await Run("userdel", Package);
                await Run("groupdel", Package);
            }
        }
    }

    /// <summary>The unit's ExecStart and Environment (systemd's %t and %S resolved, no SOLTI_RELAY_OPTIONS) run as its
    /// user with its umask, in the runtime directory systemd would make: the token file and the socket are where the docs
    /// say, with their modes, and an event posted to the socket reaches the room.</summary>
    private static async Task RelayAsTheUnitRunsIt(LibraryHarness h, string token, string roomId, string alias)
    {
        var unit = await File.ReadAllLinesAsync(Unit);
        string Resolve(string value) => value.Replace("%t", "/run", StringComparison.Ordinal).Replace("%S", "/var/lib", StringComparison.Ordinal);
        var execStart = Resolve(unit.Single(l => l.StartsWith("ExecStart=", StringComparison.Ordinal))["ExecStart=".Length..])
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => w != "$SOLTI_RELAY_OPTIONS").ToList();
        Assert.Equal("/usr/bin/solti-matrix-relay", execStart[0]);
        const string runtime = "/run/solti-matrix";
        const string socket = runtime + "/relay.sock";
        const string tokenFile = StateDir + "/relay.token";
        Assert.Equal(["relay", "--listen", $"unix:{socket}", "--token-file", tokenFile], execStart[1..]);
        await Must("install", "-d", "-m", "0750", "-o", Package, "-g", Package, runtime);
        var start = ProcessRunner.StartInfo("sh", ["-c", "umask 0077 && exec \"$@\"", "sh", "setpriv", "--reuid", Package, "--regid", Package, "--init-groups", .. execStart]);
        foreach (var line in unit.Where(l => l.StartsWith("Environment=", StringComparison.Ordinal)))
        {
            var (name, value) = (line["Environment=".Length..].Split('=', 2)[0], line["Environment=".Length..].Split('=', 2)[1]);
            start.Environment[name] = Resolve(value);
        }

        Assert.Equal(StateDir, start.Environment["XDG_STATE_HOME"]);
        start.Environment["MATRIX_HOMESERVER_URL"] = h.Hs.Server.BaseAddress.ToString();
        start.Environment["MATRIX_USER_ID"] = h.Hs.BotId;
        start.Environment["MATRIX_ACCESS_TOKEN"] = token;
        start.Environment["MATRIX_PASSWORD"] = TestHomeserver.BotPassword;
        start.Environment["HOME"] = StateDir;
        start.RedirectStandardError = true;
        start.RedirectStandardOutput = true;
        var log = new System.Text.StringBuilder();
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var relay = System.Diagnostics.Process.Start(start)!;
        relay.ErrorDataReceived += (_, e) =>
        {
            lock (log)
            {
                log.AppendLine(e.Data);
            }

            if (e.Data?.Contains("listening on", StringComparison.Ordinal) == true)
            {
                listening.TrySetResult();
            }
        };
        relay.OutputDataReceived += (_, _) => { };
        relay.BeginErrorReadLine();
        relay.BeginOutputReadLine();
        try
        {
            Assert.True(await Task.WhenAny(listening.Task, relay.WaitForExitAsync(), Task.Delay(ProcessRunner.DefaultTimeout)) == listening.Task, $"the relay did not start: {log}");
            Assert.Equal($"600 {Package}", (await Must("stat", "-c", "%a %U", tokenFile)).Stdout.Trim());
            Assert.Equal($"660 {Package} {Package}", (await Must("stat", "-c", "%a %U %G", socket)).Stdout.Trim());
            Assert.True(File.Exists($"{StateDir}/solti-matrix/outbox/outbox.db"), log.ToString());

            using var http = new HttpClient(new SocketsHttpHandler
            {
                ConnectCallback = async (_, ct) =>
                {
                    var client = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
                    await client.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(socket), ct);
                    return new System.Net.Sockets.NetworkStream(client, ownsSocket: true);
                },
            })
            { BaseAddress = new Uri("http://relay/") };
            http.DefaultRequestHeaders.Authorization = new("Bearer", File.ReadLines(tokenFile).First());
            var body = new JsonObject { ["room"] = alias, ["txn_id"] = "deb-relay-1", ["content"] = new JsonObject { ["msgtype"] = "m.text", ["body"] = "through the packaged relay" } };
            using var posted = await http.PostAsync(new Uri("/v1/events", UriKind.Relative), new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
            Assert.True(posted.StatusCode == System.Net.HttpStatusCode.Accepted, await posted.Content.ReadAsStringAsync());
            using var bound = new CancellationTokenSource(ProcessRunner.DefaultTimeout);
            while (!(await h.MessagesAsync(roomId, token)).Any(m => m["content"]!["body"]!.GetValue<string>() == "through the packaged relay"))
            {
                await Task.Delay(100, bound.Token);
            }
        }
        finally
        {
            if (!relay.HasExited)
            {
                await Run("kill", "-TERM", relay.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
                await ProcessRunner.WaitForExitAsync(relay, "the packaged relay (after SIGTERM)");
            }

            // systemd removes a RuntimeDirectory when the service stops.
            Directory.Delete(runtime, recursive: true);
        }

        Assert.True(relay.ExitCode == 0, $"the relay exited {relay.ExitCode}: {log}");
    }

    [Fact]
    public async Task The_arm64_package_has_the_same_files_with_aarch64_binaries()
    {
        var arm64 = Deb("SOLTI_DEB_ARM64");
        var amd64 = Deb("SOLTI_DEB_AMD64");
        await Lintian(arm64);
        Assert.Equal("arm64", (await Must("dpkg-deb", "--field", arm64, "Architecture")).Stdout.Trim());
        Assert.Equal(ProjectVersion, (await Must("dpkg-deb", "--field", arm64, "Version")).Stdout.Trim());
        Assert.Equal(await Contents(amd64), await Contents(arm64));

        using var root = new TempDirectory("solti-deb-arm64-");
        await Must("dpkg-deb", "--extract", arm64, root);
        foreach (var binary in new[] { "solti-matrix", "solti-matrix-relay" })
        {
            Assert.Equal(ElfMachineAarch64, ElfMachine(Path.Combine(root, "usr", "bin", binary)));
        }
    }

    private const int ElfMachineAarch64 = 183;

    /// <summary>e_machine of a 64-bit little-endian ELF file (0 when it is not one).</summary>
    private static int ElfMachine(string path)
    {
        var header = new byte[20];
        using (var file = File.OpenRead(path))
        {
            file.ReadExactly(header);
        }

        return header is [0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, ..] ? header[18] | header[19] << 8 : 0;
    }

    /// <summary>The package's paths with their modes and link targets (<c>dpkg-deb -c</c> without sizes and dates).</summary>
    private static async Task<List<string>> Contents(string deb) =>
        [.. (await Must("dpkg-deb", "--contents", deb)).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries))
            .Select(f => $"{f[0]} {f[1]} {f[5]}")];

    private static async Task Lintian(string deb)
    {
        var lintian = await ProcessRunner.RunAsync("lintian", ["--fail-on", "error,warning", deb], timeout: LintianTimeout);
        Assert.True(lintian.ExitCode == 0, $"lintian {deb}: {lintian}");
    }

    /// <summary>An exclusive lock on a file in /run/lock, held while the package is on the machine: test runs of other
    /// checkouts wait for it (bounded by the one test timeout).</summary>
    private sealed class MachineLock : IAsyncDisposable
    {
        private readonly FileStream _file;

        private MachineLock(FileStream file) => _file = file;

        public static async Task<MachineLock> TakeAsync()
        {
            using var bound = new CancellationTokenSource(ProcessRunner.DefaultTimeout);
            while (true)
            {
                try
                {
                    return new MachineLock(new FileStream("/run/lock/solti-matrix-deb-tests.lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
                }
                catch (IOException)
                {
                    await Task.Delay(500, bound.Token);
                }
            }
        }

        public ValueTask DisposeAsync() => _file.DisposeAsync();
    }

    private static bool IsLink(string path) => new FileInfo(path).LinkTarget is not null;

    private static Task<ProcessResult> Run(string file, params string[] args) => ProcessRunner.RunAsync(file, args);

    private static async Task<ProcessResult> Must(string file, params string[] args)
    {
        var run = await Run(file, args);
        Assert.True(run.ExitCode == 0, $"{file} {string.Join(' ', args)}: {run}");
        return run;
    }
}
