using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Tests.Support;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests;

/// <summary>The modules on a remote target, as operators run them: over ssh (sshd on 127.0.0.1), from a shell with a
/// real TERM, with pipelining on and off, with become to another account, and through Ansible's own module path.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class RemoteTargetTests(InstalledCollection collection, SshTarget target) : IAsyncLifetime, IClassFixture<SshTarget>
{
    private const string BotPassword = LoggerRoom.BotPassword;
    private const int Tasks = 6;
    private readonly string _stateHome = Directory.CreateTempSubdirectory("solti-state-").FullName;
    private LoggerRoom _world = null!;

    private TestHomeserver Hs => _world.Hs;

    private Session Admin => _world.Admin;

    private Session Bot => _world.Bot;

    public async Task InitializeAsync()
    {
        _world = await LoggerRoom.StartAsync();
        SshTarget.Reset(SshTarget.User);
        SshTarget.Reset(SshTarget.BecomeUser);
        target.ForgetCommands();
    }

    public async Task DisposeAsync()
    {
        target.RealHost();
        await _world.DisposeAsync();
        Directory.Delete(_stateHome, recursive: true);
    }

    private Task<PlaybookRun> PlayAsync(string yaml, bool pipelining, string token, params string[] flags) =>
        new Playbook(collection, _stateHome) { Inventory = target.Inventory, ExtraEnvironment = target.Environment(pipelining) }.RunAsync(yaml, new Dictionary<string, string>
        {
            ["hs_url"] = Hs.Server.BaseAddress.ToString().TrimEnd('/'),
            ["matrix_bot_token"] = token,
            ["bot_password"] = BotPassword,
        }, true, flags);

    /// <summary><see cref="Playbook.AdminPlay"/> on the target over ssh, with pipelining.</summary>
    private Task<PlaybookRun> AdminPlayOnTargetsAsync(string tasks, Dictionary<string, string> vars, bool mas = false) =>
        new Playbook(collection, _stateHome) { Inventory = target.Inventory, ExtraEnvironment = target.Environment(pipelining: true) }.RunAsync(Playbook.AdminPlay("targets", tasks, mas), vars);

    private static string Events(string extra = "") => $$$"""
        - hosts: targets
          gather_facts: false
          tasks:
            - name: post
        {{{extra}}}
              jackaltx.solti_matrix_mgr.matrix_event:
                homeserver_url: "{{ hs_url }}"
                access_token: "{{ matrix_bot_token }}"
                user_id: "@solti-logger:example.com"
                password: "{{ bot_password }}"
                room_id: "#solti-verify:example.com"
                content: { msgtype: m.text, body: "event {{ item }}" }
              loop: "{{ range(1, {{{Tasks}}} + 1) | list }}"
        """;

    private async Task<List<string>> BodiesAsync() => [.. (await _world.MessagesAsync()).Select(e => e["content"]!["body"]!.GetValue<string>())];

    private Task<int> DevicesAsync() => _world.DevicesAsync();

    private Task<long> LoginsAsync() => _world.LoginsAsync();

    private static bool IsInstall(string command) => command.Contains("sha256sum", StringComparison.Ordinal);

    private static bool IsFileTransfer(string command) => command.Contains("sftp-server", StringComparison.Ordinal) || command.StartsWith("scp ", StringComparison.Ordinal);

    private static JsonArray Results(PlaybookRun run) => run.Task("post", "target")["results"]!.AsArray();

    /// <summary>The installed collection's bin/manifest.json: what the action sends to a host of each machine.</summary>
    private JsonNode Manifest() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(collection.CollectionsPath, "ansible_collections", "jackaltx", "solti_matrix_mgr", "bin", "manifest.json")))!;

    /// <summary>The installed build: a private directory of the account holding exactly the binary of the manifest.</summary>
    private void AssertInstalledFor(string user)
    {
        var root = Path.Combine(SshTarget.Home(user), ".ansible", "solti_matrix");
        var dir = Assert.Single(Directory.GetDirectories(root));
        var manifest = Manifest();
        var build = manifest["binaries"]!["x86_64"]!;
        Assert.EndsWith($"{manifest["version"]}-x86_64-{build["sha256"]!.GetValue<string>()[..16]}", dir, StringComparison.Ordinal);
        var binary = Assert.Single(Directory.GetFiles(dir));
        Assert.Equal(build["sha256"]!.GetValue<string>(), Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(binary))));
        foreach (var path in new[] { root, dir, binary })
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(path));
            Assert.Equal(user, SshTarget.Run("stat", "-c", "%U", path).Output.Trim());
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Tasks_over_ssh_post_once_each_in_one_round_trip_and_the_binary_is_sent_once(bool pipelining)
    {
        var first = await PlayAsync(Events(), pipelining, Bot.AccessToken);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.All(Results(first), r => Assert.True(r!["changed"]!.GetValue<bool>()));
        var commands = target.Commands();
        Assert.Single(commands, IsInstall);
        Assert.DoesNotContain(commands, IsFileTransfer);
        Assert.Equal(Tasks + 2, commands.Count); // the first task finds no binary (and probes the host), installs it, runs
        AssertInstalledFor(SshTarget.User);

        target.ForgetCommands();
        var second = await PlayAsync(Events(), pipelining, Bot.AccessToken);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal(Tasks, target.Commands().Count); // one round-trip per task
        Assert.DoesNotContain(target.Commands(), IsInstall);

        Assert.Equal([.. Enumerable.Range(1, Tasks).Select(i => $"event {i}"), .. Enumerable.Range(1, Tasks).Select(i => $"event {i}")], await BodiesAsync());
        Assert.Empty(SshTarget.LeftBehind(SshTarget.User));
        Assert.All(commands.Concat(target.Commands()), c =>
        {
            // What the target's process list shows of a task: never an argument, a token or a password.
            Assert.DoesNotContain(Bot.AccessToken, c, StringComparison.Ordinal);
            Assert.DoesNotContain(BotPassword, c, StringComparison.Ordinal);
            Assert.DoesNotContain("ANSIBLE_MODULE_ARGS", c, StringComparison.Ordinal);
        });
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task With_become_the_binary_and_the_credential_cache_belong_to_the_become_user_and_a_stale_token_heals(bool pipelining)
    {
        Assert.Equal(200, (await Hs.Client.PostAsync("/_matrix/client/v3/logout", null, Bot.AccessToken)).Code);
        var devices = await DevicesAsync();
        var logins = await LoginsAsync();
        var run = await PlayAsync(Events($"      become: true\n      become_user: {SshTarget.BecomeUser}"), pipelining, "syt_stale_" + Guid.NewGuid().ToString("N"));

        Assert.True(run.ExitCode == 0, run.ToString());
        var results = Results(run);
        Assert.All(results, r => Assert.True(r!["reauthenticated"]!.GetValue<bool>()));
        Assert.Equal(logins + 1, await LoginsAsync()); // one password login; the later tasks healed from the cache
        Assert.Equal(devices + 1, await DevicesAsync()); // the module's own stable device, once
        Assert.Equal(Enumerable.Range(1, Tasks).Select(i => $"event {i}"), await BodiesAsync());
        AssertInstalledFor(SshTarget.BecomeUser);
        Assert.False(Directory.Exists(Path.Combine(SshTarget.Home(SshTarget.User), ".ansible", "solti_matrix")));
        Assert.True(Directory.Exists(Path.Combine(SshTarget.Home(SshTarget.BecomeUser), ".local", "state", "solti-matrix")));
        var commands = target.Commands();
        Assert.Equal(Tasks + 2, commands.Count);
        Assert.All(commands, c => Assert.Contains("sudo", c, StringComparison.Ordinal));
        Assert.Empty(SshTarget.LeftBehind(SshTarget.User));
        Assert.Empty(SshTarget.LeftBehind(SshTarget.BecomeUser));
    }

    /// <summary>Become on the local connection (the controller as its own target): the build is installed for the become
    /// user and the task runs from there, its arguments on stdin as on ssh (the local connection hands them over as they
    /// are, so they must be bytes).</summary>
    [Fact]
    public async Task With_become_on_the_local_connection_the_binary_is_installed_for_the_become_user_and_the_task_runs()
    {
        var run = await new Playbook(collection, _stateHome).RunAsync($$$"""
            - hosts: localhost
              gather_facts: false
              tasks:
                - name: post
                  become: true
                  become_user: {{{SshTarget.BecomeUser}}}
                  jackaltx.solti_matrix_mgr.matrix_event:
                    homeserver_url: "{{ hs_url }}"
                    access_token: "{{ matrix_bot_token }}"
                    room_id: "#solti-verify:example.com"
                    content: { msgtype: m.text, body: "as the become user" }
            """, new Dictionary<string, string>
        {
            ["hs_url"] = Hs.Server.BaseAddress.ToString().TrimEnd('/'),
            ["matrix_bot_token"] = Bot.AccessToken,
        });

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.StartsWith("$", run.Task("post")["event_id"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(["as the become user"], await BodiesAsync());
        AssertInstalledFor(SshTarget.BecomeUser);
        Assert.Empty(SshTarget.LeftBehind(SshTarget.BecomeUser));
    }

    /// <summary>Ansible's own path for a binary module (sftp, then <c>ssh -tt</c>: the target's programs see a terminal
    /// and TERM=xterm-256color) still gets one clean JSON document: the binary never initialises the terminal.</summary>
    [Fact]
    public async Task Ansibles_module_path_over_a_terminal_and_async_get_clean_results()
    {
        var run = await PlayAsync("""
            - hosts: targets
              gather_facts: false
              tasks:
                - name: standard path
                  vars: { solti_matrix_fastpath: false }
                  jackaltx.solti_matrix_mgr.matrix_event:
                    homeserver_url: "{{ hs_url }}"
                    access_token: "{{ matrix_bot_token }}"
                    room_id: "#solti-verify:example.com"
                    content: { msgtype: m.text, body: "through AnsiballZ" }
                - name: in the background
                  async: 60
                  poll: 1
                  jackaltx.solti_matrix_mgr.matrix_event:
                    homeserver_url: "{{ hs_url }}"
                    access_token: "{{ matrix_bot_token }}"
                    room_id: "#solti-verify:example.com"
                    content: { msgtype: m.text, body: "async" }
            """, pipelining: false, Bot.AccessToken);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.StartsWith("$", run.Task("standard path", "target")["event_id"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.StartsWith("$", run.Task("in the background", "target")["event_id"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(["through AnsiballZ", "async"], await BodiesAsync());
        Assert.Contains(target.Commands(), IsFileTransfer); // Ansible's path was taken
        Assert.DoesNotContain(target.Commands(), IsInstall);
    }

    /// <summary>The build is chosen by the host's machine: an aarch64 host gets the arm64 build of the manifest.</summary>
    [Fact]
    public async Task An_aarch64_host_is_sent_the_arm64_build()
    {
        target.FakeHost("aarch64", musl: false);
        await PlayAsync(Events(), pipelining: true, Bot.AccessToken); // the build cannot run on this x86-64 machine

        var manifest = Manifest();
        var arm64 = manifest["binaries"]!["aarch64"]!;
        var dir = Assert.Single(Directory.GetDirectories(Path.Combine(SshTarget.Home(SshTarget.User), ".ansible", "solti_matrix")));
        Assert.EndsWith($"-aarch64-{arm64["sha256"]!.GetValue<string>()[..16]}", dir, StringComparison.Ordinal);
        Assert.Equal(arm64["sha256"]!.GetValue<string>(), Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(dir, "solti-matrix-module")))));
        Assert.Equal(arm64["size"]!.GetValue<long>(), new FileInfo(Path.Combine(dir, "solti-matrix-module")).Length);
    }

    /// <summary>A host no build serves fails before anything is sent, saying what it is and what to do.</summary>
    [Theory]
    [InlineData("armv7l", false, "no build for armv7l")]
    [InlineData("x86_64", true, "musl libc (x86_64), not glibc")]
    public async Task A_host_without_a_build_fails_with_what_it_is_and_the_remedy(string machine, bool musl, string problem)
    {
        target.FakeHost(machine, musl);
        var run = await PlayAsync(Events(), pipelining: true, Bot.AccessToken);

        Assert.Equal(2, run.ExitCode);
        var message = Results(run)[0]!["msg"]!.GetValue<string>();
        Assert.Contains(problem, message, StringComparison.Ordinal);
        Assert.Contains("delegate_to: localhost", message, StringComparison.Ordinal);
        Assert.Contains("Linux aarch64 or x86_64 with glibc >= 2.28", message, StringComparison.Ordinal);
        Assert.DoesNotContain(target.Commands(), IsInstall);
        Assert.False(Directory.Exists(Path.Combine(SshTarget.Home(SshTarget.User), ".ansible", "solti_matrix")));
        Assert.Empty(await BodiesAsync());
    }

    /// <summary>Every module goes through the same action: the admin modules work over ssh as well.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)] // the oldest Synapse we support: unknown endpoints are 400 there
    public async Task Admin_modules_run_on_the_target_in_check_and_diff_mode_too(bool synapse167)
    {
        if (synapse167)
        {
            await _world.DisposeAsync();
            _world = await LoggerRoom.StartAsync(Homeserver.Configuration.Compatibility.Synapse167);
        }

        var run = await AdminPlayOnTargetsAsync("""
            - name: info
              jackaltx.solti_matrix_mgr.synapse_info: {}
            - name: would create
              check_mode: true
              diff: true
              jackaltx.solti_matrix_mgr.synapse_user:
                user_id: "@ops:example.com"
                password: "{{ ops_password }}"
            - name: raw
              jackaltx.solti_matrix_mgr.synapse_admin_api:
                path: /_synapse/admin/v1/server_version
            - name: reports
              jackaltx.solti_matrix_mgr.synapse_event_report_info: {}
            """, new Dictionary<string, string>
        {
            ["hs_url"] = Hs.Server.BaseAddress.ToString().TrimEnd('/'),
            ["admin_token"] = Admin.AccessToken,
            ["ops_password"] = "ops-secret-pass",
        });

        Assert.True(run.ExitCode == 0, run.ToString());
        var info = run.Task("info", "target");
        Assert.False(info["changed"]!.GetValue<bool>());
        Assert.Equal("synapse", info["auth"]!.GetValue<string>()); // found out on the target, without a token
        var wouldCreate = run.Task("would create", "target");
        Assert.True(wouldCreate["changed"]!.GetValue<bool>());
        Assert.NotNull(wouldCreate["diff"]);
        var raw = run.Task("raw", "target");
        Assert.False(raw["changed"]!.GetValue<bool>());
        Assert.Equal(200, raw["status"]!.GetValue<int>());
        Assert.False(string.IsNullOrEmpty(raw["json"]!["server_version"]!.GetValue<string>()));
        Assert.Equal(0, run.Task("reports", "target")["total"]!.GetValue<int>());
        Assert.DoesNotContain("ops-secret-pass", run.Stdout, StringComparison.Ordinal);
        Assert.Equal(404, (await Hs.Client.GetAsync("/_synapse/admin/v2/users/" + MatrixTestClient.Enc("@ops:example.com"), Admin.AccessToken)).Code);
        Assert.All(target.Commands(), c => Assert.DoesNotContain(Admin.AccessToken, c, StringComparison.Ordinal));
    }

    /// <summary>On the target, over ssh with pipelining: a bot joins a room it was invited to with its own token, and what
    /// its tasks spool during an outage is delivered afterwards by a bare <c>solti-matrix outbox flush</c> of the target's
    /// account, with no login: the session that worked before the outage was kept in that account's credential cache.</summary>
    [Fact]
    public async Task A_bot_joins_with_its_own_token_and_what_it_spools_on_the_target_is_delivered_without_a_login()
    {
        var roomId = await Hs.Client.CreateRoomAsync(Admin.AccessToken, new JsonObject { ["room_alias_name"] = "ops-private", ["preset"] = "private_chat", ["invite"] = new JsonArray(LoggerRoom.BotId) });
        const string Play = """
            - hosts: targets
              gather_facts: false
              tasks:
                - name: join
                  jackaltx.solti_matrix_mgr.synapse_room:
                    homeserver_url: "{{ hs_url }}"
                    access_token: "{{ matrix_bot_token }}"
                    room_id: "#ops-private:example.com"
                    state: join
                - name: post
                  jackaltx.solti_matrix_mgr.matrix_event:
                    homeserver_url: "{{ hs_url }}"
                    access_token: "{{ matrix_bot_token }}"
                    user_id: "@solti-logger:example.com"
                    password: "{{ bot_password }}"
                    room_id: "#ops-private:example.com"
                    content: { msgtype: m.notice, body: "deploy {{ 'during' if outage | default(false) else 'before' }}" }
                    spool: on_failure
                    timeout: 1
            """;
        var before = await PlayAsync(Play, pipelining: true, Bot.AccessToken);
        Assert.True(before.ExitCode == 0, before.ToString());
        Assert.True(before.Task("join", "target")["changed"]!.GetValue<bool>());
        Assert.False(before.Task("post", "target")["queued"]!.GetValue<bool>());

        await Hs.Client.PostAsync("/_solti/testing/v1/faults", new JsonObject { ["path"] = "^/_matrix/", ["status"] = 503, ["count"] = null }, Admin.AccessToken);
        var during = await PlayAsync(Play.Replace("- name: join", "- name: join\n      when: false", StringComparison.Ordinal), pipelining: true, Bot.AccessToken, "-e", "outage=true");
        Assert.True(during.ExitCode == 0, during.ToString());
        Assert.True(during.Task("post", "target")["queued"]!.GetValue<bool>());
        await Hs.Client.DeleteAsync("/_solti/testing/v1/faults", Admin.AccessToken);
        var logins = await LoginsAsync();

        var flush = await ProcessRunner.RunAsync("runuser", ["-l", SshTarget.User, "-c", $"'{Repository.Cli}' outbox flush --output json"], "/");

        Assert.True(flush.ExitCode == 0, flush.ToString());
        Assert.Equal(1, JsonNode.Parse(flush.Stdout)!["delivered"]!.GetValue<int>());
        Assert.Equal(logins, await LoginsAsync());
        var seen = (await Hs.Client.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/messages?dir=f&limit=50", Admin.AccessToken)).Object["chunk"]!.AsArray()
            .Where(e => e!["type"]!.GetValue<string>() == "m.room.message").Select(e => (e!["sender"]!.GetValue<string>(), e["content"]!["body"]!.GetValue<string>())).ToList();
        Assert.Equal([(LoggerRoom.BotId, "deploy before"), (LoggerRoom.BotId, "deploy during")], seen);
        Assert.All(target.Commands(), c => Assert.DoesNotContain(Bot.AccessToken, c, StringComparison.Ordinal));
    }

    /// <summary>On the target over ssh: a deploy's start and failure with one <c>correlation_id</c> are one thread, and
    /// the failure's log, a file on the target, follows it in that thread; its size is what the target wrote.</summary>
    [Fact]
    public async Task Over_ssh_a_correlated_pair_is_one_thread_and_a_log_file_on_the_target_follows_in_it()
    {
        const string Play = """
            - hosts: targets
              gather_facts: false
              module_defaults:
                jackaltx.solti_matrix_mgr.matrix_event:
                  homeserver_url: "{{ hs_url }}"
                  access_token: "{{ matrix_bot_token }}"
                  room_id: "#solti-verify:example.com"
                  correlation_id: "deploy-remote-1"
              tasks:
                - name: log
                  ansible.builtin.copy:
                    dest: /tmp/solti-remote-deploy.log
                    content: "{{ 'step ok\n' * 500 }}"
                    mode: "0600"
                - name: start
                  jackaltx.solti_matrix_mgr.matrix_event:
                    content: { msgtype: m.notice, body: "deploy started" }
                - name: failed
                  jackaltx.solti_matrix_mgr.matrix_event:
                    content: { msgtype: m.notice, body: "deploy failed" }
                    attachments:
                      - path: /tmp/solti-remote-deploy.log
                      - content: "exit 2"
                        name: status.txt
                - name: clean up
                  ansible.builtin.file:
                    path: /tmp/solti-remote-deploy.log
                    state: absent
            """;
        var run = await PlayAsync(Play, pipelining: true, Bot.AccessToken);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Empty(SshTarget.LeftBehind(SshTarget.User));

        var messages = await _world.MessagesAsync();
        Assert.Equal(["deploy started", "deploy failed", "solti-remote-deploy.log", "status.txt"], messages.Select(m => m["content"]!["body"]!.GetValue<string>()));
        var root = messages[0]["event_id"]!.GetValue<string>();
        Assert.All(messages.Skip(1), m => Assert.Equal(("m.thread", root), (m["content"]!["m.relates_to"]!["rel_type"]!.GetValue<string>(), m["content"]!["m.relates_to"]!["event_id"]!.GetValue<string>())));
        Assert.Equal(("m.file", 4000L, "text/plain"), (messages[2]["content"]!["msgtype"]!.GetValue<string>(), messages[2]["content"]!["info"]!["size"]!.GetValue<long>(), messages[2]["content"]!["info"]!["mimetype"]!.GetValue<string>()));
        var files = run.Task("failed", "target")["attachments"]!.AsArray();
        Assert.All(files, f => Assert.StartsWith("mxc://", f!["content_uri"]!.GetValue<string>(), StringComparison.Ordinal));
    }

    /// <summary>On a homeserver that delegates authentication to MAS, the admin modules reach MAS's admin API from the
    /// target too (the client's secret travels in the module's arguments, masked in every output): an account created
    /// with its password, a registration token, a bot's personal access token minted, and check mode writing nothing.</summary>
    [Fact]
    public async Task Mas_admin_api_is_reached_from_the_target_and_check_mode_writes_nothing()
    {
        await using var hs = await TestHomeserver.StartAsync(o => o with { ServerName = "example.com", AuthenticationService = TestHomeserver.Mas() });
        var admin = await hs.AdminSessionAsync("ADMIN");
        var masToken = await hs.MasAdminTokenAsync();
        var run = await AdminPlayOnTargetsAsync("""
            - name: info
              jackaltx.solti_matrix_mgr.synapse_info: {}
            - name: would create
              check_mode: true
              diff: true
              jackaltx.solti_matrix_mgr.synapse_user:
                user_id: "@ops:example.com"
                password: "{{ ops_password }}"
                mas_token: "{{ mas_token }}"
            - name: create
              jackaltx.solti_matrix_mgr.synapse_user:
                user_id: "@ops:example.com"
                password: "{{ ops_password }}"
                admin: true
            - name: token
              jackaltx.solti_matrix_mgr.synapse_registration_token: {token: ops-onboarding, uses_allowed: 1}
            - name: mint
              jackaltx.solti_matrix_mgr.matrix_token: {action: mint, user_id: "@ops:example.com", device_id: OPSDEVICE01}
            """, Playbook.MasVars(hs, admin.AccessToken, ("ops_password", "Ops-Secret-2026"), ("mas_token", masToken)), mas: true);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("mas", run.Task("info", "target")["auth"]!.GetValue<string>());
        Assert.True(run.Task("would create", "target")["changed"]!.GetValue<bool>());
        Assert.True(run.Task("create", "target")["user"]!["admin"]!.GetValue<bool>());
        Assert.Equal(1, run.Task("token", "target")["registration_token"]!["uses_allowed"]!.GetValue<int>());
        var whoami = await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", run.Task("mint", "target")["token"]!.GetValue<string>());
        Assert.Equal(("@ops:example.com", "OPSDEVICE01"), (whoami.Str("user_id"), whoami.Str("device_id")));
        var ops = await hs.Client.GetAsync("/api/admin/v1/users/by-username/ops", masToken);
        Assert.True(ops.Object["data"]!["attributes"]!["admin"]!.GetValue<bool>());
        Assert.NotEmpty((await hs.Client.LoginAsync("ops", "Ops-Secret-2026", "OPSLOGIN01")).AccessToken); // MAS has the password
        Assert.DoesNotContain("Ops-Secret-2026", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(TestHomeserver.MasClientSecret, run.Stdout + run.Stderr, StringComparison.Ordinal);
        Assert.All(target.Commands(), c => Assert.DoesNotContain(TestHomeserver.MasClientSecret, c, StringComparison.Ordinal));
    }
}
