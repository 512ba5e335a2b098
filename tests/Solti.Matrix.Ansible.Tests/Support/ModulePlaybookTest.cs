using System.Text.Json.Nodes;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests.Support;

/// <summary>A homeserver with a logged-in admin per test, and a one-task playbook of one module run against it
/// with the installed collection. <c>RunAsync("user_id: ...\nstate: absent")</c> adds those options to the task. The
/// admin backend is the class's: Synapse with its <see cref="Profile"/>, or Synapse delegating to MAS
/// (<see cref="OnMas"/>), so that one admin test runs on each through a subclass (<c>…OnSynapse167</c>, <c>…OnMas</c>).</summary>
public abstract class ModulePlaybookTest(InstalledCollection collection, string module, string taskName, bool adminToken = true) : IAsyncLifetime
{
    protected InstalledCollection Collection => collection;

    protected TestHomeserver Hs { get; private set; } = null!;

    protected Session Admin { get; private set; } = null!;

    protected string StateHome { get; } = Directory.CreateTempSubdirectory("solti-state-").FullName;

    /// <summary>Homeserver options for this class (rate limits are off by default).</summary>
    protected virtual Func<HomeserverOptions, HomeserverOptions>? Configure => null;

    /// <summary>The Synapse behaviour profile for this class (<see cref="Compatibility.Synapse167"/> for the classes that run
    /// an admin module's tests against the oldest Synapse we support too), else the current Synapse's.</summary>
    protected virtual Compatibility? Profile => null;

    /// <summary>The homeserver's clock for this class (a <see cref="ManualTime"/> to test expiry by moving it), else the system's.</summary>
    protected virtual TimeProvider? Time => null;

    /// <summary>The admin's device: the module's own session uses it.</summary>
    protected virtual string AdminDevice => "ADMIN";

    /// <summary>The admin backend of this class: false, Synapse's own admin API; true, a Synapse that delegates
    /// authentication to the emulated MAS (the <c>…OnMas</c> classes): <see cref="Admin"/> is then a Synapse admin token
    /// (a personal session, <see cref="TestHomeserver.AdminSessionAsync"/>), every play gives every task MAS's admin client
    /// through the <c>matrix</c> action group's <c>module_defaults</c> (docs/mas.md), and no run may show its secret.</summary>
    protected virtual bool OnMas => false;

    /// <summary>On MAS, a token of the harness's admin client for MAS's admin API, granted once before the test (a grant
    /// is a request the homeserver counts: none is made between a test's resetting and reading the counters); else null.</summary>
    protected string? MasToken { get; private set; }

    public async Task InitializeAsync()
    {
        Hs = await TestHomeserver.StartAsync(Options, Time);
        Admin = await Hs.AdminSessionAsync(AdminDevice);
        MasToken = OnMas ? await Hs.MasAdminTokenAsync() : null;
    }

    /// <summary>The homeserver's options: this class's <see cref="Configure"/>, <see cref="Profile"/> and backend.</summary>
    private HomeserverOptions Options(HomeserverOptions defaults)
    {
        var options = Configure?.Invoke(defaults) ?? defaults;
        options = Profile is { } profile ? options with { Compatibility = profile } : options;
        return OnMas && options.AuthenticationService is null ? options with { AuthenticationService = TestHomeserver.Mas() } : options;
    }

    public async Task DisposeAsync()
    {
        await Hs.DisposeAsync();
        Directory.Delete(StateHome, recursive: true);
    }

    /// <summary>Runs the one task of this class's module with <paramref name="options"/> (and the admin's token unless the
    /// class says otherwise); <paramref name="flags"/> go to <c>ansible-playbook</c>.</summary>
    protected Task<PlaybookRun> RunAsync(string options, params string[] flags) => RunPlayAsync($$$"""
        - name: {{{taskName}}}
          jackaltx.solti_matrix_mgr.{{{module}}}:
            homeserver_url: "{{ hs_url }}"
        {{{(adminToken ? "    access_token: \"{{ admin_token }}\"\n" : "")}}}{{{string.Join('\n', options.Split('\n').Select(l => "    " + l))}}}
        """, [], [], flags);

    /// <summary>Runs the one task with <paramref name="options"/> (as <see cref="RunAsync"/>) and asserts that it failed with a
    /// message containing <paramref name="expected"/>: how every bad-input test says what the error must name.</summary>
    protected async Task<JsonObject> FailsAsync(string options, string expected, params string[] flags)
    {
        var result = (await RunAsync(options, flags)).Task(taskName);
        Assert.True(result["failed"]?.GetValue<bool>() == true, "expected a failure: " + result.ToJsonString());
        Assert.Contains(expected, result["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        return result;
    }

    /// <summary>Runs <paramref name="tasks"/> (YAML, each starting with <c>- name:</c> at the left margin), which name their
    /// own homeserver and credentials (the variables <c>hs_url</c>, <c>admin_token</c>, <c>admin_password</c>,
    /// <c>bot_password</c>, and <paramref name="vars"/>); on MAS they get MAS's admin client as every play does.</summary>
    protected Task<PlaybookRun> PlayAsync(string tasks, params (string Key, string Value)[] vars) => RunPlayAsync(tasks, [], vars, []);

    /// <summary>Runs <paramref name="tasks"/> as the admin: <c>homeserver_url</c> and <c>access_token</c> come from the
    /// <c>matrix</c> action group's <c>module_defaults</c> (<see cref="Playbook.AdminPlay"/>), with MAS's admin client on MAS.</summary>
    protected Task<PlaybookRun> AdminPlayAsync(string tasks, params (string Key, string Value)[] vars) =>
        RunPlayAsync(tasks, ["homeserver_url: \"{{ hs_url }}\"", "access_token: \"{{ admin_token }}\""], vars, []);

    /// <summary>The one way a play runs here. On MAS every task gets MAS's admin client; a run in check mode, which never
    /// makes the client's grant (it is a login), also gets an admin token as <c>mas_token</c>, as docs/mas.md says to give
    /// one there (the MAS-only tests show the grant refused and a token kept by an earlier run used instead).</summary>
    private async Task<PlaybookRun> RunPlayAsync(string tasks, string[] defaults, (string Key, string Value)[] more, string[] flags)
    {
        var checkMode = flags.Contains("--check");
        var vars = new Dictionary<string, string>
        {
            ["hs_url"] = Hs.Server.BaseAddress.ToString(),
            ["admin_token"] = Admin.AccessToken,
            ["admin_password"] = TestHomeserver.AdminPassword,
            ["bot_password"] = TestHomeserver.BotPassword,
        };
        if (OnMas)
        {
            vars["mas_client_id"] = TestHomeserver.MasClientId;
            vars["mas_client_secret"] = TestHomeserver.MasClientSecret;
            defaults = [.. defaults, .. Playbook.MasClientDefaults];
            if (checkMode)
            {
                vars["mas_token"] = MasToken!;
                defaults = [.. defaults, "mas_token: \"{{ mas_token }}\""];
            }
        }

        foreach (var (key, value) in more)
        {
            vars[key] = value;
        }

        var run = await new Playbook(collection, StateHome).RunAsync(Playbook.Play("localhost", tasks, defaults), vars, true, flags);
        if (OnMas)
        {
            Assert.DoesNotContain(TestHomeserver.MasClientSecret, run.Stdout + run.Stderr, StringComparison.Ordinal);
        }

        return run;
    }

    /// <summary>On MAS, MAS's admin API answer for <paramref name="path"/> (under <c>/api/admin/v1</c>), with the harness's
    /// admin client's token.</summary>
    protected Task<ClientResponse> MasAsync(string path) =>
        Hs.Client.GetAsync("/api/admin/v1/" + path, MasToken ?? throw new InvalidOperationException("MAS's admin API is there only on MAS (OnMas)"));

    /// <summary>The account as the backend has it, for assertions: Synapse's admin API's view (null when neither server
    /// knows it), where on MAS <c>admin</c>, <c>deactivated</c> and <c>locked</c> are MAS's, which owns them there
    /// (Synapse's own admin flag counts for nothing; docs/mas.md).</summary>
    protected async Task<JsonObject?> AccountAsync(string userId)
    {
        var synapse = await Hs.Client.GetAsync("/_synapse/admin/v2/users/" + MatrixTestClient.Enc(userId), Admin.AccessToken);
        var account = synapse.Code == 404 ? null : synapse.Object;
        if (!OnMas || await MasAsync("users/by-username/" + MatrixTestClient.Enc(userId[1..userId.IndexOf(':', StringComparison.Ordinal)])) is not { Code: 200 } mas)
        {
            return account;
        }

        var flags = mas.Object["data"]!["attributes"]!;
        account ??= new JsonObject { ["name"] = userId };
        account["admin"] = flags["admin"]!.GetValue<bool>();
        account["deactivated"] = flags["deactivated_at"] is not null;
        account["locked"] = flags["locked_at"] is not null;
        return account;
    }
}
