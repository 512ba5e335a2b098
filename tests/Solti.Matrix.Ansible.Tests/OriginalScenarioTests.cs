using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Tests.Support;
using Solti.Matrix.Testing;
using YamlDotNet.RepresentationModel;

namespace Solti.Matrix.Ansible.Tests;

/// <summary>The Python collection's Molecule scenarios (e2e, apply-config, user-mgmt), rewritten in <c>scenarios/</c> with
/// the same module calls and the same result keys (what differs is in <c>scenarios/README.md</c>), run against the
/// repository's homeserver through the installed collection: converge, converge again with no change on any task of this
/// collection, then verify. No token of the modules' sessions appears in any of their results.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class OriginalScenarioTests(InstalledCollection collection)
{
    private const string CollectionPrefix = "jackaltx.solti_matrix_mgr.";

    [Fact]
    public async Task E2e_a_token_returned_by_synapse_user_carries_the_admin_session_into_the_room_and_event_tasks()
    {
        await using var hs = await TestHomeserver.StartAsync(o => o with { ServerName = "matrix.test" });
        using var scenario = new Scenario(collection, "e2e", Url(hs));

        var first = await scenario.RunAsync("converge.yml");
        Assert.Equal("solti-cache:v1:@admin:matrix.test", first.Task("The admin creates the sender bot", "synapse-test")["access_token"]!.GetValue<string>());
        Assert.True(first.Task("The returned session creates the room", "synapse-test")["created"]!.GetValue<bool>());
        Assert.StartsWith("$", first.Task("The returned session posts the first event", "synapse-test")["event_id"]!.GetValue<string>(), StringComparison.Ordinal);

        var second = await scenario.RunAsync("converge.yml");
        scenario.AssertNoChange(second, "converge.yml");

        await scenario.RunAsync("verify.yml");
        scenario.AssertNoSessionToken();
    }

    [Fact]
    public async Task Apply_config_users_through_synapse_user_and_their_totals_through_synapse_user_info()
    {
        await using var hs = await TestHomeserver.StartAsync(o => o with { ServerName = "matrix.test" });
        using var scenario = new Scenario(collection, "apply-config", Url(hs));

        var first = await scenario.RunAsync("converge.yml");
        Assert.True(first.Task("Every user of the inventory")["changed"]!.GetValue<bool>());
        scenario.AssertNoChange(await scenario.RunAsync("converge.yml"), "converge.yml");
        await scenario.RunAsync("verify.yml");
        scenario.AssertNoSessionToken();
    }

    [Fact]
    public async Task User_mgmt_bots_with_rate_limits_off_and_a_room_by_its_bare_alias()
    {
        // The scenario takes the server name from the URL's host, so the URL says localhost, the default server name.
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();
        var url = Url(hs).Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
        using var scenario = new Scenario(collection, "user-mgmt", url)
        {
            Environment = new Dictionary<string, string>
            {
                ["MATRIX_HOMESERVER_URL"] = url,
                ["MATRIX_ADMIN_USER"] = hs.AdminId,
                ["MATRIX_ADMIN_TOKEN"] = admin.AccessToken,
                ["MATRIX_ADMIN_PASSWORD"] = TestHomeserver.AdminPassword,
            },
        };

        var first = await scenario.RunAsync("converge.yml");
        var room = first.Task("The test room", "instance")["results"]![0]!;
        Assert.Equal("#test-room:localhost", room["room_alias"]!.GetValue<string>());
        Assert.Equal(0, (await hs.Client.GetAsync("/_synapse/admin/v1/users/" + MatrixTestClient.Enc("@test-bot1:localhost") + "/override_ratelimit", admin.AccessToken)).Object["messages_per_second"]!.GetValue<int>());

        scenario.AssertNoChange(await scenario.RunAsync("converge.yml"), "converge.yml");
        var verify = await scenario.RunAsync("verify.yml");
        Assert.DoesNotContain(admin.AccessToken, verify.Stdout, StringComparison.Ordinal);
        scenario.AssertNoSessionToken();
    }

    private static string Url(TestHomeserver hs) => hs.Server.BaseAddress.ToString().TrimEnd('/');

    /// <summary>One scenario's playbooks, inventory (its placeholders filled in), work directory and credential cache.</summary>
    private sealed class Scenario : IDisposable
    {
        private readonly InstalledCollection _collection;
        private readonly string _name;
        private readonly string _dir = Directory.CreateTempSubdirectory("solti-scenario-").FullName;
        private readonly string _inventory;
        private readonly List<string> _outputs = [];

        public Scenario(InstalledCollection collection, string name, string url)
        {
            _collection = collection;
            _name = name;
            StateHome = Path.Combine(_dir, "state");
            Directory.CreateDirectory(StateHome);
            _inventory = Path.Combine(_dir, "inventory.yml");
            File.WriteAllText(_inventory, File.ReadAllText(Source("inventory.yml"))
                .Replace("@@HS_URL@@", url, StringComparison.Ordinal)
                .Replace("@@ADMIN_PASSWORD@@", TestHomeserver.AdminPassword, StringComparison.Ordinal)
                .Replace("@@BOT_PASSWORD@@", TestHomeserver.BotPassword, StringComparison.Ordinal)
                .Replace("@@WORK_DIR@@", _dir, StringComparison.Ordinal));
        }

        public string StateHome { get; }

        public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

        private string Source(string file) => Path.Combine(AppContext.BaseDirectory, "scenarios", _name, file);

        public async Task<PlaybookRun> RunAsync(string playbook)
        {
            var run = await new Playbook(_collection, StateHome) { Inventory = _inventory, ExtraEnvironment = Environment }
                .RunAsync(await File.ReadAllTextAsync(Source(playbook)));
            Assert.True(run.ExitCode == 0, $"{_name}/{playbook}: {run}");
            _outputs.AddRange(ModuleTasks(Source(playbook)).SelectMany(t => Results(run, t.Name)).Select(r => r.ToJsonString()));
            _outputs.Add(run.Stderr);
            return run;
        }

        /// <summary>The results of the task named, on every host.</summary>
        private static List<JsonObject> Results(PlaybookRun run, string name) =>
            [.. run.Json!["plays"]!.AsArray()
                .SelectMany(p => p!["tasks"]!.AsArray())
                .Where(t => t!["task"]!["name"]!.GetValue<string>() == name)
                .SelectMany(t => t!["hosts"]!.AsObject().Select(h => h.Value!.AsObject()))];

        /// <summary>Every task of this collection in the playbook reported no change on every host; a <c>matrix_event</c>
        /// task posts a new event on every run, which is a change by design.</summary>
        public void AssertNoChange(PlaybookRun run, string playbook)
        {
            var tasks = ModuleTasks(Source(playbook));
            Assert.NotEmpty(tasks);
            foreach (var (name, module) in tasks)
            {
                var results = Results(run, name);
                Assert.True(results.Count > 0, $"{_name}/{playbook}: task '{name}' did not run: {run}");
                foreach (var result in results.Where(r => r["skipped"] is null))
                {
                    var changed = result["changed"]?.GetValue<bool>() ?? false;
                    Assert.True(changed == (module == "matrix_event"), $"{_name}/{playbook}, second run: task '{name}' ({module}) reported changed={changed}: {result.ToJsonString()}");
                }
            }
        }

        /// <summary>No token that the modules' sessions hold (every one the credential cache keeps) is in any result of this
        /// collection's tasks or in Ansible's stderr (the scenarios' own <c>uri</c> logins print theirs, as upstream).</summary>
        public void AssertNoSessionToken()
        {
            var tokens = Directory.EnumerateFiles(StateHome, "*.json", SearchOption.AllDirectories)
                .Select(f => JsonNode.Parse(File.ReadAllText(f))?["access_token"]?.GetValue<string>())
                .OfType<string>()
                .ToList();
            Assert.NotEmpty(tokens);
            foreach (var token in tokens)
            {
                Assert.All(_outputs, output => Assert.DoesNotContain(token, output, StringComparison.Ordinal));
            }
        }

        /// <summary>The names of the playbook's tasks that call this collection's modules, with the module.</summary>
        private static List<(string Name, string Module)> ModuleTasks(string path)
        {
            var yaml = new YamlStream();
            using (var reader = new StringReader(File.ReadAllText(path)))
            {
                yaml.Load(reader);
            }

            var found = new List<(string, string)>();
            foreach (var play in ((YamlSequenceNode)yaml.Documents[0].RootNode).Children.OfType<YamlMappingNode>())
            {
                if (!play.Children.TryGetValue(new YamlScalarNode("tasks"), out var tasks))
                {
                    continue;
                }

                foreach (var task in ((YamlSequenceNode)tasks).Children.OfType<YamlMappingNode>())
                {
                    var module = task.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value!).FirstOrDefault(k => k.StartsWith(CollectionPrefix, StringComparison.Ordinal));
                    if (module is not null)
                    {
                        found.Add((((YamlScalarNode)task.Children[new YamlScalarNode("name")]).Value!, module[CollectionPrefix.Length..]));
                    }
                }
            }

            return found;
        }

        public void Dispose() => Directory.Delete(_dir, recursive: true);
    }
}
