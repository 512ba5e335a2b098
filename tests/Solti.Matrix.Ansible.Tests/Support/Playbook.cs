using System.Diagnostics;
using System.Text.Json.Nodes;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests.Support;

/// <summary>Runs <c>ansible-playbook</c> on localhost with the installed collection; the module's credential cache
/// lives in a directory of the test's own.</summary>
public sealed class Playbook(InstalledCollection collection, string stateHome)
{
    /// <summary>Set in the environment of <c>ansible-playbook</c> on top of the rest (e.g. a PATH with fake tools).</summary>
    public IReadOnlyDictionary<string, string> ExtraEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>An inventory file to run against instead of localhost over the local connection.</summary>
    public string? Inventory { get; init; }

    /// <summary>What every Ansible process of the tests gets: the installed collection, quiet localhost warnings, its
    /// own temporary directory, and the test's own state directory (credential cache, outbox).</summary>
    public static void Environment(ProcessStartInfo start, InstalledCollection collection, string dir, string stateHome)
    {
        start.Environment["ANSIBLE_COLLECTIONS_PATH"] = collection.CollectionsPath;
        start.Environment["ANSIBLE_LOCALHOST_WARNING"] = "0";
        start.Environment["ANSIBLE_INVENTORY_UNPARSED_WARNING"] = "0";
        start.Environment["ANSIBLE_LOCAL_TEMP"] = Path.Combine(dir, "tmp");
        start.Environment["XDG_STATE_HOME"] = stateHome;
    }

    /// <summary>The <c>matrix</c> action group's <c>module_defaults</c> lines that give every task MAS's admin client:
    /// the variables <c>mas_client_id</c> and <c>mas_client_secret</c> (<see cref="MasVars"/>).</summary>
    public static readonly string[] MasClientDefaults = ["mas_client_id: \"{{ mas_client_id }}\"", "mas_client_secret: \"{{ mas_client_secret }}\""];

    /// <summary>A play on <paramref name="hosts"/> whose <paramref name="tasks"/> (YAML, each starting with
    /// <c>- name:</c> at the left margin) get <paramref name="defaults"/> (lines such as <c>homeserver_url: "{{ hs_url }}"</c>)
    /// through the <c>matrix</c> action group's <c>module_defaults</c>; none: no <c>module_defaults</c>.</summary>
    public static string Play(string hosts, string tasks, IEnumerable<string> defaults)
    {
        var lines = defaults.Select(line => "      " + line + "\n").ToList();
        return $$$"""
            - hosts: {{{hosts}}}
              gather_facts: false
            {{{(lines.Count == 0 ? "" : "  module_defaults:\n    group/jackaltx.solti_matrix_mgr.matrix:\n" + string.Concat(lines))}}}  tasks:
            {{{string.Join('\n', tasks.TrimEnd().Split('\n').Select(line => "    " + line))}}}
            """;
    }

    /// <summary>A play on <paramref name="hosts"/> whose <paramref name="tasks"/> (YAML, each starting with
    /// <c>- name:</c> at the left margin) reach the homeserver as the admin through the <c>matrix</c> action group's
    /// <c>module_defaults</c>: the variables <c>hs_url</c> and <c>admin_token</c>, and with <paramref name="mas"/> MAS's
    /// admin client (<see cref="MasClientDefaults"/>).</summary>
    public static string AdminPlay(string hosts, string tasks, bool mas = false) =>
        Play(hosts, tasks, ["homeserver_url: \"{{ hs_url }}\"", "access_token: \"{{ admin_token }}\"", .. mas ? MasClientDefaults : []]);

    /// <summary>A play on localhost with one task, <c>event</c>: the bot (<c>@bot:localhost</c>) posts <paramref name="body"/>
    /// to the room <c>room</c> with the token <c>bot_token</c>, healing with <c>bot_password</c> (<see cref="BotVars"/>);
    /// <paramref name="extra"/> adds lines to the task (each starting at the task's indentation, e.g.
    /// <c>"  ignore_errors: true"</c> or <c>"    device_id: BOT"</c> for a module option).</summary>
    public static string BotEventPlay(string body, params string[] extra) => $$$"""
        - hosts: localhost
          gather_facts: false
          tasks:
            - name: event
              jackaltx.solti_matrix_mgr.matrix_event:
                homeserver_url: "{{ hs_url }}"
                access_token: "{{ bot_token }}"
                user_id: "@bot:localhost"
                password: "{{ bot_password }}"
                room_id: "{{ room }}"
                content: {msgtype: m.text, body: {{{body}}}}
        {{{string.Concat(extra.Select(line => "    " + line + "\n"))}}}
        """;

    /// <summary>The variables of <see cref="BotEventPlay"/>.</summary>
    public static Dictionary<string, string> BotVars(TestHomeserver hs, string botToken, string room) => new()
    {
        ["hs_url"] = hs.Server.BaseAddress.ToString(),
        ["bot_token"] = botToken,
        ["bot_password"] = TestHomeserver.BotPassword,
        ["room"] = room,
    };

    /// <summary>The variables of <see cref="AdminPlay"/> for <paramref name="hs"/> with <paramref name="adminToken"/> (on
    /// MAS, a Synapse admin token), MAS's admin client (the test homeserver's), and <paramref name="more"/>.</summary>
    public static Dictionary<string, string> MasVars(TestHomeserver hs, string adminToken, params (string Key, string Value)[] more)
    {
        var vars = new Dictionary<string, string>
        {
            ["hs_url"] = hs.Server.BaseAddress.ToString().TrimEnd('/'),
            ["admin_token"] = adminToken,
            ["mas_client_id"] = TestHomeserver.MasClientId,
            ["mas_client_secret"] = TestHomeserver.MasClientSecret,
        };
        foreach (var (key, value) in more)
        {
            vars[key] = value;
        }

        return vars;
    }

    public async Task<PlaybookRun> RunAsync(string yaml, IReadOnlyDictionary<string, string>? vars = null, bool json = true, params string[] flags)
    {
        var dir = Directory.CreateTempSubdirectory("solti-play-").FullName;
        try
        {
            var path = Path.Combine(dir, "play.yml");
            await File.WriteAllTextAsync(path, yaml);
            var varsFile = Path.Combine(dir, "vars.json");
            var extra = new JsonObject { ["ansible_python_interpreter"] = "/usr/bin/python3" };
            foreach (var (key, value) in vars ?? new Dictionary<string, string>())
            {
                extra[key] = value;
            }

            await File.WriteAllTextAsync(varsFile, extra.ToJsonString());
            var start = ProcessRunner.StartInfo("ansible-playbook", (Inventory is null ? new[] { "-i", "localhost,", "-c", "local" } : ["-i", Inventory]).Concat(["-e", "@" + varsFile, path]).Concat(flags), dir);

            Environment(start, collection, dir, stateHome);
            start.Environment["ANSIBLE_STDOUT_CALLBACK"] = json ? "solti_json" : "default";
            start.Environment["ANSIBLE_CALLBACK_PLUGINS"] = Path.Combine(AppContext.BaseDirectory, "callback_plugins");
            start.Environment["ANSIBLE_NOCOLOR"] = "1";
            start.Environment["ANSIBLE_RETRY_FILES_ENABLED"] = "0";
            foreach (var (name, value) in ExtraEnvironment)
            {
                start.Environment[name] = value;
            }

            var run = await ProcessRunner.RunAsync(start);
            var text = run.Stdout;
            JsonObject? parsed = null;
            if (json && text.IndexOf('{', StringComparison.Ordinal) is var at and >= 0)
            {
                parsed = JsonNode.Parse(text[at..]) as JsonObject;
            }

            return new PlaybookRun(run.ExitCode, text, run.Stderr, parsed);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
