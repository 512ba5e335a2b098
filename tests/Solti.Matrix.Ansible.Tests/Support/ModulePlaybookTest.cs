using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests.Support;

/// <summary>A homeserver with a logged-in admin per test, and a one-task playbook of one module run against it
/// with the installed collection. <c>RunAsync("user_id: ...\nstate: absent")</c> adds those options to the task.</summary>
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

    public async Task InitializeAsync()
    {
        Hs = await TestHomeserver.StartAsync(o => (Configure?.Invoke(o) ?? o) is var configured && Profile is { } profile ? configured with { Compatibility = profile } : configured, Time);
        Admin = await Hs.AdminSessionAsync(AdminDevice);
    }

    public async Task DisposeAsync()
    {
        await Hs.DisposeAsync();
        Directory.Delete(StateHome, recursive: true);
    }

    protected Task<PlaybookRun> RunAsync(string options, params string[] flags) => new Playbook(collection, StateHome).RunAsync($$$"""
        - hosts: localhost
          gather_facts: false
          tasks:
            - name: {{{taskName}}}
              jackaltx.solti_matrix_mgr.{{{module}}}:
                homeserver_url: "{{ hs_url }}"
        {{{(adminToken ? "        access_token: \"{{ admin_token }}\"\n" : "")}}}{{{string.Join('\n', options.Split('\n').Select(l => "        " + l))}}}
        """, new Dictionary<string, string>
        {
            ["hs_url"] = Hs.Server.BaseAddress.ToString(),
            ["admin_token"] = Admin.AccessToken,
            ["bot_password"] = TestHomeserver.BotPassword,
        }, true, flags);
}
