using Solti.Matrix.Ansible.Tests.Support;

using YamlDotNet.RepresentationModel;

namespace Solti.Matrix.Ansible.Tests;

/// <summary>The role <c>hookshot_webhook</c> against a temporary hookshot configuration, resolving aliases on the
/// repo's homeserver.</summary>
[Collection("ansible")]
public sealed class HookshotWebhookRoleTests(InstalledCollection collection) : ModulePlaybookTest(collection, "synapse_room_info", "unused")
{
    private const string Existing = """
        bridge:
          domain: localhost
          url: http://127.0.0.1:8008
        passFile: ./passkey.pem
        listeners:
          - port: 9000
            resources: [webhooks]
        generic:
          allowJsTransformationFunctions: false
        connections:
          - connectionType: uk.half-shot.matrix-hookshot.feed
            stateKey: https://example.com/feed.xml
            roomId: "!feeds:localhost"
            state: {url: "https://example.com/feed.xml"}
        """;

    private Task<PlaybookRun> RunRoleAsync(string config, string webhooks, string restarts) => new Playbook(Collection, StateHome).RunAsync($$$"""
        - hosts: localhost
          gather_facts: false
          roles:
            - role: jackaltx.solti_matrix_mgr.hookshot_webhook
              vars:
                hookshot_config_file: {{{config}}}
                hookshot_url_prefix: https://hooks.example.com/webhook/
                hookshot_homeserver_url: "{{ hs_url }}"
                hookshot_webhooks: {{{webhooks}}}
                hookshot_restart: command
                hookshot_restart_command: "echo restarted >> {{{restarts}}}"
          post_tasks:
            - name: urls
              ansible.builtin.debug:
                var: hookshot_webhook_urls
        """, new Dictionary<string, string> { ["hs_url"] = Hs.Server.BaseAddress.ToString() });

    [Fact]
    public async Task Webhooks_are_merged_into_the_config_once_and_keep_their_urls()
    {
        var bot = await Hs.LoginBotAsync();
        var (opsId, _) = (await Hs.Client.CreateRoomAsync(bot.AccessToken, new System.Text.Json.Nodes.JsonObject { ["room_alias_name"] = "ops" }), "#ops:localhost");
        var deploysId = await Hs.Client.CreateRoomAsync(bot.AccessToken);
        var dir = Directory.CreateTempSubdirectory("solti-hookshot-").FullName;
        try
        {
            var config = Path.Combine(dir, "config.yml");
            var restarts = Path.Combine(dir, "restarts");
            await File.WriteAllTextAsync(config, Existing);
            var hooks = $"[{{name: alerts, room: \"#ops:localhost\"}}, {{name: deploys, room: \"{deploysId}\"}}]";

            var first = await RunRoleAsync(config, hooks, restarts);
            Assert.True(first.ExitCode == 0, first.ToString());
            var urls = first.Task("urls")["hookshot_webhook_urls"]!.AsObject();
            Assert.Equal(["alerts", "deploys"], urls.Select(u => u.Key).Order(StringComparer.Ordinal));
            Assert.All(urls, u => Assert.Matches("^https://hooks\\.example\\.com/webhook/[A-Za-z0-9]{40}$", u.Value!.GetValue<string>()));

            var root = Load(config);
            Assert.Equal("localhost", ((YamlMappingNode)root["bridge"])["domain"].ToString());
            var generic = (YamlMappingNode)root["generic"];
            Assert.Equal(("true", "https://hooks.example.com/webhook/", "false"), (generic["enabled"].ToString(), generic["urlPrefix"].ToString(), generic["allowJsTransformationFunctions"].ToString()));
            var connections = ((YamlSequenceNode)root["connections"]).Cast<YamlMappingNode>().ToList();
            Assert.Equal(3, connections.Count);
            Assert.Contains(connections, c => c["connectionType"].ToString() == "uk.half-shot.matrix-hookshot.feed");
            var alerts = connections.Single(c => c.Children.TryGetValue(new YamlScalarNode("state"), out var s) && ((YamlMappingNode)s).Children.TryGetValue(new YamlScalarNode("name"), out var n) && n.ToString() == "alerts");
            Assert.Equal(opsId, alerts["roomId"].ToString());
            Assert.EndsWith(alerts["stateKey"].ToString(), urls["alerts"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Single(File.ReadAllLines(restarts));
            Assert.DoesNotContain(alerts["stateKey"].ToString(), first.Stdout.Replace(urls["alerts"]!.ToJsonString(), "", StringComparison.Ordinal), StringComparison.Ordinal);

            var second = await RunRoleAsync(config, hooks, restarts);
            Assert.True(second.ExitCode == 0, second.ToString());
            Assert.Equal(urls.ToJsonString(), second.Task("urls")["hookshot_webhook_urls"]!.ToJsonString());
            Assert.Single(File.ReadAllLines(restarts));

            var remove = await RunRoleAsync(config, $"[{{name: alerts, room: \"#ops:localhost\", state: absent}}, {{name: deploys, room: \"{deploysId}\"}}]", restarts);
            Assert.True(remove.ExitCode == 0, remove.ToString());
            Assert.Equal(["deploys"], remove.Task("urls")["hookshot_webhook_urls"]!.AsObject().Select(u => u.Key));
            var left = ((YamlSequenceNode)Load(config)["connections"]).Cast<YamlMappingNode>().ToList();
            Assert.Equal(2, left.Count); // the feed that was never the role's, and deploys with its id unchanged
            Assert.Contains(left, c => c["connectionType"].ToString() == "uk.half-shot.matrix-hookshot.feed");
            Assert.Contains(left, c => urls["deploys"]!.GetValue<string>().EndsWith(c["stateKey"].ToString(), StringComparison.Ordinal));
            Assert.Equal(2, File.ReadAllLines(restarts).Length);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static YamlMappingNode Load(string path)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(path)));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }
}
