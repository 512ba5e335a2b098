using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Solti.Matrix.Ansible.Tests.Support;
using Solti.Matrix.Testing;
using YamlDotNet.RepresentationModel;

namespace Solti.Matrix.Ansible.Tests;

/// <summary>The role <c>synapse_config</c> with <c>ansible-playbook</c> against temporary configuration directories,
/// and against the repo's homeserver run as a process that the role's restart handler restarts.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class SynapseConfigRoleTests(InstalledCollection collection) : IDisposable
{
    private const string Marker = "# Managed by jackaltx.solti_matrix_mgr.synapse_config";
    private readonly string _root = Directory.CreateTempSubdirectory("solti-synapse-config-").FullName;

    private string Main => Path.Combine(_root, "homeserver.yaml");

    private string ConfD => Path.Combine(_root, "conf.d");

    private string Restarts => Path.Combine(_root, "restarts");

    private Task<PlaybookRun> RunRoleAsync(string overlays, string appservices = "[]", string? restart = null, bool json = true, params string[] flags) =>
        RunRoleAsync(overlays, appservices, restart, check: null, json, flags);

    private Task<PlaybookRun> RunRoleAsync(string overlays, string appservices, string? restart, string? check, bool json, params string[] flags) =>
        RoleAsync(new()
        {
            ["synapse_config_overlays"] = overlays,
            ["synapse_appservices"] = appservices,
            ["synapse_config_restart"] = "command",
            ["synapse_config_restart_command"] = $"\"{restart ?? $"echo restarted >> {Restarts}"}\"",
            ["synapse_config_check_command"] = check is null ? "null" : $"'{check}'",
        }, json, null, flags);

    /// <summary>The role on localhost with the test's directory as <c>synapse_config_dir</c> (the directory that holds
    /// <c>homeserver.yaml</c> and <c>conf.d</c>) unless <paramref name="vars"/> sets it, and these role variables (YAML
    /// values).</summary>
    private Task<PlaybookRun> RoleAsync(Dictionary<string, string> vars, bool json = true, IReadOnlyDictionary<string, string>? environment = null, params string[] flags) =>
        new Playbook(collection, _root) { ExtraEnvironment = environment ?? new Dictionary<string, string>() }.RunAsync($"""
            - hosts: localhost
              gather_facts: false
              roles:
                - role: jackaltx.solti_matrix_mgr.synapse_config
                  vars:
            {string.Join('\n', new Dictionary<string, string> { ["synapse_config_dir"] = _root }.Where(d => !vars.ContainsKey(d.Key)).Concat(vars).Select(v => $"        {v.Key}: {v.Value}"))}
            """, null, json, flags);

    private static string RateLimit(int perSecond) => $"{{ratelimits: {{rc_message: {{per_second: {perSecond}, burst_count: 50}}}}}}";

    private void Seed()
    {
        File.WriteAllText(Main, "server_name: example.test\nrc_message: {per_second: 0.1, burst_count: 1}\n");
        Directory.CreateDirectory(ConfD);
        File.WriteAllText(Path.Combine(ConfD, "10-other.yaml"), "rc_joins: {local: {per_second: 1, burst_count: 5}}\n");
        File.WriteAllText(Path.Combine(ConfD, "50-solti-handmade.yaml"), "# written by hand, same prefix, no marker\nenable_metrics: true\n");
        File.WriteAllText(Path.Combine(ConfD, "README"), "not yaml\n");
    }

    private int RestartCount => File.Exists(Restarts) ? File.ReadAllLines(Restarts).Length : 0;

    [Fact]
    public async Task Overlays_are_written_once_removed_when_unlisted_and_other_files_are_never_touched()
    {
        Seed();
        var untouched = new[] { "10-other.yaml", "50-solti-handmade.yaml", "README" }.ToDictionary(f => f, f => File.ReadAllText(Path.Combine(ConfD, f)));
        const string Both = "{ratelimits: {rc_message: {per_second: 5, burst_count: 50}}, retention: {retention: {enabled: true, default_policy: {max_lifetime: 1y}}}}";

        var first = await RunRoleAsync(Both, appservices: "[/etc/matrix-synapse/appservices/hookshot.yaml]");
        Assert.True(first.ExitCode == 0, first.ToString());
        var rates = File.ReadAllText(Path.Combine(ConfD, "50-solti-ratelimits.yaml"));
        Assert.StartsWith(Marker, rates, StringComparison.Ordinal);
        Assert.Contains("per_second: 5", rates, StringComparison.Ordinal);
        Assert.Contains("max_lifetime: 1y", File.ReadAllText(Path.Combine(ConfD, "50-solti-retention.yaml")), StringComparison.Ordinal);
        Assert.EndsWith("\napp_service_config_files:\n- /etc/matrix-synapse/appservices/hookshot.yaml\n", File.ReadAllText(Main), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(ConfD, "50-solti-appservices.yaml")));
        Assert.Equal("640", Convert.ToString((int)File.GetUnixFileMode(Path.Combine(ConfD, "50-solti-ratelimits.yaml")), 8));
        Assert.Equal(1, RestartCount);

        var again = await RunRoleAsync(Both, appservices: "[/etc/matrix-synapse/appservices/hookshot.yaml]");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.DoesNotContain(again.Json!["plays"]![0]!["tasks"]!.AsArray(), t => t!["hosts"]?["localhost"]?["changed"]?.GetValue<bool>() == true);
        Assert.Equal(1, RestartCount);

        var fewer = await RunRoleAsync("{ratelimits: {rc_message: {per_second: 5, burst_count: 50}}}");
        Assert.True(fewer.ExitCode == 0, fewer.ToString());
        Assert.False(File.Exists(Path.Combine(ConfD, "50-solti-retention.yaml")));
        Assert.Contains("- /etc/matrix-synapse/appservices/hookshot.yaml", File.ReadAllText(Main), StringComparison.Ordinal); // never unlisted
        Assert.True(File.Exists(Path.Combine(ConfD, "50-solti-ratelimits.yaml")));
        Assert.Equal(2, RestartCount);
        Assert.All(untouched, f => Assert.Equal(f.Value, File.ReadAllText(Path.Combine(ConfD, f.Key))));
    }

    /// <summary>An inventory written for the original role, with only its variable names and meanings:
    /// <c>synapse_config_dir</c> is the directory that holds <c>homeserver.yaml</c> (a Proxmox helper-script LXC's
    /// <c>/etc/synapse</c>, here under the test's directory), overlays go to its <c>conf.d</c>, appservices are installed
    /// into its <c>appservices</c> and listed in <c>homeserver.yaml</c>, patches change <c>homeserver.yaml</c>, and
    /// <c>synapse_service_name</c> is the unit restarted (a fake <c>systemctl</c> first on the PATH).</summary>
    [Fact]
    public async Task An_inventory_written_for_the_original_role_configures_the_files_synapse_reads()
    {
        var etc = Directory.CreateDirectory(Path.Combine(_root, "etc", "synapse")).FullName;
        var homeserver = Path.Combine(etc, "homeserver.yaml");
        await File.WriteAllTextAsync(homeserver, """
            # Synapse's main file: comments and keys the role is not told about stay as they are.
            server_name: "example.test"
            enable_registration: true
            app_service_config_files: []

            # Statistics
            report_stats: false
            """);
        Directory.CreateDirectory(Path.Combine(etc, "conf.d"));
        // What the original role wrote there before: a file of the overlay's name, without this role's marker.
        await File.WriteAllTextAsync(Path.Combine(etc, "conf.d", "federation.yaml"), "allow_public_rooms_over_federation: true\n");
        var registration = Path.Combine(Directory.CreateDirectory(Path.Combine(_root, "files")).FullName, "hookshot-registration.yaml");
        await File.WriteAllTextAsync(registration, "id: hookshot\nurl: http://127.0.0.1:9993\nas_token: as-secret\nhs_token: hs-secret\nsender_localpart: hookshot\nnamespaces: {users: [], rooms: [], aliases: []}\n");
        var inventory = Directory.CreateDirectory(Path.Combine(_root, "inventory")).FullName;
        await File.WriteAllTextAsync(Path.Combine(inventory, "hosts"), "[matrix_servers]\nlocalhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n");
        Directory.CreateDirectory(Path.Combine(inventory, "group_vars"));
        await File.WriteAllTextAsync(Path.Combine(inventory, "group_vars", "all.yml"), $"""
            synapse_config_dir: "{etc}"
            synapse_service_name: "matrix-synapse"
            synapse_restart_on_config_change: true
            synapse_config_overlays:
              federation:
                allow_public_rooms_over_federation: false
              rate_limiting:
                rc_message:
                  per_second: 1
                  burst_count: 20
            synapse_config_patches:
              - key: "enable_registration"
                value: false
              - key: "max_upload_size"
                value: "50M"
            synapse_appservices:
              - name: hookshot
                registration_file: "{registration}"
            """);
        var bin = Directory.CreateDirectory(Path.Combine(_root, "bin")).FullName;
        var calls = Path.Combine(_root, "calls");
        await FakeTools.WriteAsync(bin, "systemctl", calls);
        var environment = new Dictionary<string, string> { ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH") };
        Task<PlaybookRun> SiteAsync(IReadOnlyDictionary<string, string>? extra = null) =>
            new Playbook(collection, _root) { Inventory = Path.Combine(inventory, "hosts"), ExtraEnvironment = environment }.RunAsync("""
                - hosts: matrix_servers
                  gather_facts: false
                  roles:
                    - role: jackaltx.solti_matrix_mgr.synapse_config
                """, extra);
        string[] Calls() => File.Exists(calls) ? File.ReadAllLines(calls) : [];

        var first = await SiteAsync();
        Assert.True(first.ExitCode == 0, first.ToString());
        var federation = File.ReadAllText(Path.Combine(etc, "conf.d", "50-solti-federation.yaml"));
        Assert.StartsWith(Marker, federation, StringComparison.Ordinal);
        Assert.Contains("allow_public_rooms_over_federation: false", federation, StringComparison.Ordinal);
        Assert.Contains("per_second: 1", File.ReadAllText(Path.Combine(etc, "conf.d", "50-solti-rate_limiting.yaml")), StringComparison.Ordinal);
        var installed = Path.Combine(etc, "appservices", "hookshot.yaml");
        Assert.Equal(File.ReadAllText(registration), File.ReadAllText(installed));
        Assert.Equal("640", Convert.ToString((int)File.GetUnixFileMode(installed), 8));

        var main = File.ReadAllText(homeserver);
        Assert.StartsWith("# Synapse's main file: comments and keys the role is not told about stay as they are.\nserver_name: \"example.test\"\n", main, StringComparison.Ordinal);
        Assert.EndsWith("\n\n# Statistics\nreport_stats: false\nmax_upload_size: 50M\n", main, StringComparison.Ordinal); // a key it lacked is added at the end
        var parsed = Load(homeserver);
        Assert.Equal("false", parsed["enable_registration"].ToString());
        Assert.Equal("50M", parsed["max_upload_size"].ToString());
        Assert.Equal([installed], ((YamlSequenceNode)parsed["app_service_config_files"]).Select(n => n.ToString()));
        Assert.DoesNotContain("hs-secret", first.Stdout, StringComparison.Ordinal);

        // The file the original role left sorts after the role's overlay and overrides it: the play says so.
        var warning = first.Task("jackaltx.solti_matrix_mgr.synapse_config : Warn about settings that a file Synapse reads later overrides");
        Assert.Contains($"WARNING: allow_public_rooms_over_federation in {etc}/conf.d/50-solti-federation.yaml is overridden by {etc}/conf.d/federation.yaml",
            warning["results"]![0]!["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(["systemctl restart matrix-synapse"], Calls());

        var again = await SiteAsync();
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.DoesNotContain(again.Json!["plays"]![0]!["tasks"]!.AsArray(), t => t!["hosts"]?["localhost"]?["changed"]?.GetValue<bool>() == true);
        Assert.Equal(main, File.ReadAllText(homeserver));

        // synapse_restart_on_config_change: false writes the change and restarts nothing.
        File.WriteAllText(homeserver, main.Replace("max_upload_size: 50M", "max_upload_size: 10M", StringComparison.Ordinal));
        var quiet = await SiteAsync(new Dictionary<string, string> { ["synapse_restart_on_config_change"] = "false" });
        Assert.True(quiet.ExitCode == 0, quiet.ToString());
        Assert.Equal("50M", Load(homeserver)["max_upload_size"].ToString());
        Assert.Equal(["systemctl restart matrix-synapse"], Calls());
    }

    /// <summary>This role's earlier meaning of <c>synapse_config_dir</c> (the <c>conf.d</c> directory): a warning that
    /// says what the variable means now and what this run does, and the play goes on with the value as the
    /// <c>conf.d</c> directory and <c>homeserver.yaml</c> in its parent.</summary>
    [Fact]
    public async Task A_synapse_config_dir_ending_in_conf_d_gets_a_warning_and_is_taken_as_the_conf_d_directory()
    {
        Seed();
        var run = await RoleAsync(new()
        {
            ["synapse_config_dir"] = ConfD,
            ["synapse_config_overlays"] = RateLimit(5),
            ["synapse_appservices"] = "[/etc/matrix-synapse/appservices/hookshot.yaml]",
            ["synapse_config_restart"] = "command",
            ["synapse_config_restart_command"] = $"\"echo restarted >> {Restarts}\"",
            ["synapse_config_check_command"] = "null",
        });
        Assert.True(run.ExitCode == 0, run.ToString());
        var warning = run.Task("jackaltx.solti_matrix_mgr.synapse_config : Warn that synapse_config_dir looks like a conf.d directory")["msg"]!.GetValue<string>();
        Assert.StartsWith($"WARNING: synapse_config_dir is {ConfD}, which looks like a conf.d directory.", warning, StringComparison.Ordinal);
        Assert.Contains($"it reads {Main} and writes the overlays into {ConfD}", warning, StringComparison.Ordinal);
        Assert.Contains($"Set synapse_config_dir to {_root}", warning, StringComparison.Ordinal);
        Assert.Contains("per_second: 5", File.ReadAllText(Path.Combine(ConfD, "50-solti-ratelimits.yaml")), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(ConfD, "conf.d")));
        Assert.Contains("- /etc/matrix-synapse/appservices/hookshot.yaml", File.ReadAllText(Main), StringComparison.Ordinal);
        Assert.Equal(1, RestartCount);

        var fixedUp = await RunRoleAsync(RateLimit(5), "[/etc/matrix-synapse/appservices/hookshot.yaml]");
        Assert.True(fixedUp.ExitCode == 0, fixedUp.ToString());
        Assert.True(fixedUp.Task("jackaltx.solti_matrix_mgr.synapse_config : Warn that synapse_config_dir looks like a conf.d directory")["skipped"]!.GetValue<bool>());
        Assert.Equal(1, RestartCount);
    }

    [Fact]
    public async Task An_invalid_configuration_fails_before_anything_is_written_or_restarted()
    {
        Seed();
        var typo = await RunRoleAsync("{ratelimits: {rc_mesage: {per_second: 5, burst_count: 50}}}");
        Assert.NotEqual(0, typo.ExitCode);
        Assert.Contains("50-solti-ratelimits.yaml: rc_mesage: not a rate-limit setting Synapse knows, so it would be ignored (did you mean rc_message?)", typo.Stdout, StringComparison.Ordinal);

        var bounds = await RunRoleAsync("{retention: {retention: {allowed_lifetime_min: 1y, allowed_lifetime_max: 1d}}, rates: {rc_login: {address: {per_second: fast}}}}");
        Assert.NotEqual(0, bounds.ExitCode);
        Assert.Contains("retention: allowed_lifetime_min can not be greater than allowed_lifetime_max", bounds.Stdout, StringComparison.Ordinal);
        Assert.Contains("rc_login.address.per_second: expected a number of 0 or more", bounds.Stdout, StringComparison.Ordinal);

        Assert.Equal(["10-other.yaml", "50-solti-handmade.yaml", "README"], Directory.GetFiles(ConfD).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(0, RestartCount);
    }

    [Fact]
    public async Task Appservice_encryption_fails_naming_each_experimental_feature_that_is_off_and_media_retention_is_checked()
    {
        Seed();
        Task<PlaybookRun> RunAsync(string overlays) => RoleAsync(new()
        {
            ["synapse_config_overlays"] = overlays,
            ["synapse_config_appservice_encryption"] = "true",
            ["synapse_config_restart"] = "command",
            ["synapse_config_restart_command"] = $"\"echo restarted >> {Restarts}\"",
            ["synapse_config_check_command"] = "null",
        });

        var off = await RunAsync("{hookshot: {experimental_features: {msc3202_transaction_extensions: false}}, media: {media_retention: {local_media_lifetime: 90 days}}}");
        Assert.NotEqual(0, off.ExitCode);
        Assert.Contains("experimental_features.msc3202_device_masquerading: must be true for an appservice's encryption (hookshot's encryption), but no file sets it", off.Stdout, StringComparison.Ordinal);
        Assert.Contains($"experimental_features.msc3202_transaction_extensions: must be true for an appservice's encryption (hookshot's encryption), but {ConfD}/50-solti-hookshot.yaml sets it to false", off.Stdout, StringComparison.Ordinal);
        Assert.Contains("experimental_features.msc2409_to_device_messages_enabled: must be true", off.Stdout, StringComparison.Ordinal);
        Assert.Contains("50-solti-media.yaml: media_retention.local_media_lifetime: expected a duration", off.Stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(ConfD, "50-solti-hookshot.yaml")));
        Assert.Equal(0, RestartCount);

        const string On = "{hookshot: {experimental_features: {msc3202_device_masquerading: true, msc3202_transaction_extensions: true, msc2409_to_device_messages_enabled: true}}, media: {media_retention: {local_media_lifetime: 90d, remote_media_lifetime: 14d}}}";
        var on = await RunAsync(On);
        Assert.True(on.ExitCode == 0, on.ToString());
        Assert.Contains("msc2409_to_device_messages_enabled: true", File.ReadAllText(Path.Combine(ConfD, "50-solti-hookshot.yaml")), StringComparison.Ordinal);
        Assert.Equal(1, RestartCount);
        Assert.Equal(0, (await RunAsync(On)).ExitCode);
        Assert.Equal(1, RestartCount);
    }

    [Fact]
    public async Task Synapse_own_check_runs_on_a_staged_copy_and_a_refusal_stops_the_play()
    {
        Seed();
        var seen = Path.Combine(_root, "seen");
        var accept = $"cat {{main}} {{dir}}/*.yaml > {seen}";
        var ok = await RunRoleAsync("{ratelimits: {rc_message: {per_second: 5, burst_count: 50}}}", "[]", null, accept, true);
        Assert.True(ok.ExitCode == 0, ok.ToString());
        var staged = File.ReadAllText(seen);
        Assert.Contains("per_second: 5", staged, StringComparison.Ordinal); // the new overlay was in the staged copy
        Assert.Contains("rc_joins", staged, StringComparison.Ordinal);      // and the files that stay
        Assert.Equal(1, RestartCount);

        var refuse = await RunRoleAsync("{ratelimits: {rc_message: {per_second: 9, burst_count: 50}}}", "[]", null, "echo Synapse says no >&2; exit 1", true);
        Assert.NotEqual(0, refuse.ExitCode);
        Assert.Contains("Synapse says no", refuse.Stdout, StringComparison.Ordinal);
        Assert.Contains("per_second: 5", File.ReadAllText(Path.Combine(ConfD, "50-solti-ratelimits.yaml")), StringComparison.Ordinal);
        Assert.Equal(1, RestartCount);
        Assert.Empty(Directory.GetDirectories(Path.GetTempPath(), "ansible.*.conf.d"));
    }

    /// <summary>By default the role finds Synapse's Python on the host and runs <c>python -m synapse.config</c> on the
    /// staged files (a fake Python stands in for Synapse's here); without one on the host the check is skipped.</summary>
    [Fact]
    public async Task Synapse_own_check_is_found_on_the_host_by_default()
    {
        Seed();
        var python = Path.Combine(_root, "venv", "bin", "python");
        Directory.CreateDirectory(Path.GetDirectoryName(python)!);
        var seen = Path.Combine(_root, "python-args");
        await File.WriteAllTextAsync(python, $"""
            #!/bin/sh
            echo "$@" > {seen}
            dir=$(echo "$@" | sed 's/.* -c //')
            if grep -q 'per_second: 13' "$dir"/*.yaml; then echo "Error in configuration at 'rc_message'" >&2; exit 1; fi
            echo 'Config parses OK!'
            """);
        File.SetUnixFileMode(python, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        Task<PlaybookRun> RunAsync(int perSecond, string pythons) => RoleAsync(new()
        {
            ["synapse_config_overlays"] = RateLimit(perSecond),
            ["synapse_config_synapse_pythons"] = pythons,
            ["synapse_config_restart"] = "command",
            ["synapse_config_restart_command"] = $"\"echo restarted >> {Restarts}\"",
        });

        var ok = await RunAsync(5, $"[/nonexistent/python, {python}]");
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Matches($@"^-m synapse\.config -c {Regex.Escape(Main)} -c /\S+\.conf\.d$", File.ReadAllText(seen).Trim());
        Assert.Equal(1, RestartCount);

        var refused = await RunAsync(13, $"[{python}]");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("Error in configuration at 'rc_message'", refused.Stdout, StringComparison.Ordinal);
        Assert.Contains("per_second: 5", File.ReadAllText(Path.Combine(ConfD, "50-solti-ratelimits.yaml")), StringComparison.Ordinal);

        File.Delete(seen);
        var none = await RunAsync(13, "[/nonexistent/python]");
        Assert.True(none.ExitCode == 0, none.ToString());
        Assert.False(File.Exists(seen));
        Assert.Equal(2, RestartCount);
    }

    [Fact]
    public async Task Check_and_diff_show_the_overlay_changes_and_change_nothing()
    {
        Seed();
        Assert.Equal(0, (await RunRoleAsync("{ratelimits: {rc_message: {per_second: 5, burst_count: 50}}}")).ExitCode);
        var before = File.ReadAllText(Path.Combine(ConfD, "50-solti-ratelimits.yaml"));

        var check = await RunRoleAsync("{ratelimits: {rc_message: {per_second: 7, burst_count: 50}}, extra: {enable_registration: false}}", json: false, flags: ["--check", "--diff"]);
        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Contains("-  per_second: 5", check.Stdout, StringComparison.Ordinal);
        Assert.Contains("+  per_second: 7", check.Stdout, StringComparison.Ordinal);
        Assert.Contains("+enable_registration: false", check.Stdout, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(Path.Combine(ConfD, "50-solti-ratelimits.yaml")));
        Assert.False(File.Exists(Path.Combine(ConfD, "50-solti-extra.yaml")));
        Assert.Equal(1, RestartCount);
    }

    [Fact]
    public async Task An_rc_message_overlay_changes_the_limit_the_homeserver_enforces_after_the_restart_handler()
    {
        Seed();
        var port = LoopbackPorts.Free();
        var pidFile = Path.Combine(_root, "hs.pid");
        var script = Path.Combine(_root, "restart.sh");
        var homeserver = Path.Combine(AppContext.BaseDirectory, "solti-homeserver");
        await File.WriteAllTextAsync(script, $"""
            #!/bin/sh
            [ -f {pidFile} ] && kill $(cat {pidFile}) 2>/dev/null && sleep 0.5
            nohup {homeserver} --port {port} --seed-user ops:ops-pass -c {Main} -c {ConfD} >{_root}/hs.log 2>&1 &
            echo $! > {pidFile}
            for i in $(seq 600); do curl -sf http://127.0.0.1:{port}/_matrix/client/versions >/dev/null && exit 0; sleep 0.1; done
            exit 1
            """);
        try
        {
            Assert.Equal(0, await ShAsync(script));
            Assert.Contains(429, await SendThreeAsync(port));

            var run = await RunRoleAsync("{ratelimits: {rc_message: {per_second: 10, burst_count: 50}}}", restart: "sh " + script);
            Assert.True(run.ExitCode == 0, run.ToString());
            var codes = await SendThreeAsync(port);
            Assert.Equal(new[] { 200, 200, 200 }, codes);
        }
        finally
        {
            if (File.Exists(pidFile))
            {
                await ShAsync($"-c \"kill $(cat {pidFile})\"");
            }
        }
    }

    /// <summary>The handler for each kind of install calls that install's own tool with the right arguments: fake
    /// <c>systemctl</c>, <c>docker</c> and <c>pct</c> first on the PATH record how they were called (the fake
    /// <c>systemctl</c> answers <c>show</c> as systemd does for a running unit). Once on a change, never on a re-run
    /// or in check mode.</summary>
    [Theory]
    [InlineData("systemd", "synapse_service_name: synapse-main", "systemctl restart synapse-main")]
    [InlineData("systemd", "synapse_config_service: synapse-old", "systemctl restart synapse-old")]
    [InlineData("mdad", "synapse_config_mdad_service: matrix-synapse", "systemctl restart matrix-synapse")]
    [InlineData("docker", "synapse_config_container: matrix-synapse-app", "docker restart matrix-synapse-app")]
    [InlineData("pct", "synapse_config_pct_vmid: 105", "pct exec 105 -- systemctl restart matrix-synapse")]
    public async Task Each_restart_handler_calls_its_install_tool_once_per_change(string kind, string setting, string expected)
    {
        Seed();
        var bin = Directory.CreateDirectory(Path.Combine(_root, "bin")).FullName;
        var calls = Path.Combine(_root, "calls");
        foreach (var tool in new[] { "systemctl", "docker", "pct" })
        {
            await FakeTools.WriteAsync(bin, tool, calls);
        }

        Task<PlaybookRun> RunAsync(int perSecond, params string[] flags) => RoleAsync(
            new() { ["synapse_config_overlays"] = RateLimit(perSecond), ["synapse_config_restart"] = kind, [setting.Split(": ")[0]] = setting.Split(": ")[1] },
            true,
            new Dictionary<string, string> { ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH") },
            flags);
        string[] Calls() => File.Exists(calls) ? File.ReadAllLines(calls) : [];

        var first = await RunAsync(5);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal([expected], Calls());

        var again = await RunAsync(5);
        Assert.True(again.ExitCode == 0, again.ToString());
        var check = await RunAsync(6, "--check");
        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Equal([expected], Calls());
        Assert.Contains("per_second: 5", File.ReadAllText(Path.Combine(ConfD, "50-solti-ratelimits.yaml")), StringComparison.Ordinal);
    }

    private static async Task<int[]> SendThreeAsync(int port)
    {
        using var client = new MatrixTestClient(new Uri($"http://127.0.0.1:{port}/"));
        var ops = await client.LoginAsync("ops", "ops-pass");
        var roomId = await client.CreateRoomAsync(ops.AccessToken);
        var codes = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            codes.Add((await client.PutAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/send/m.room.message/t{i}", new JsonObject(), ops.AccessToken)).Code);
        }

        return [.. codes];
    }

    private static async Task<int> ShAsync(string arguments)
    {
        var run = await ProcessRunner.RunAsync(new ProcessStartInfo("sh") { Arguments = arguments });
        return run.ExitCode;
    }

    private static YamlMappingNode Load(string path)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(path)));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
