using Solti.Matrix.Ansible.Tests.Support;

using YamlDotNet.RepresentationModel;

namespace Solti.Matrix.Ansible.Tests;

/// <summary>The role <c>hookshot_webhook</c> against a temporary hookshot configuration, resolving aliases on the
/// repo's homeserver.</summary>
[Trait("tier", "integration")]
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

    /// <summary>An inventory written for the original role: <c>hookshot_config_dir</c> (the file is its
    /// <c>config.yml</c>), <c>hookshot_webhook_url_prefix</c> without a trailing slash (used because the file has no
    /// <c>urlPrefix</c>), webhooks by <c>room_id</c> with <c>enabled</c>, <c>transformation</c> and <c>template</c>,
    /// <c>hookshot_allow_js_transformations</c>, <c>hookshot_webhook_secret_length</c>, <c>hookshot_existing_secrets</c>,
    /// and <c>hookshot_is_containerized</c> with <c>hookshot_container_name</c> (a fake <c>docker</c> first on the
    /// PATH).</summary>
    [Fact]
    public async Task An_inventory_written_for_the_original_role_creates_the_webhooks_with_its_meanings()
    {
        var bot = await Hs.LoginBotAsync();
        var ciId = await Hs.Client.CreateRoomAsync(bot.AccessToken);
        var alertsId = await Hs.Client.CreateRoomAsync(bot.AccessToken);
        var dir = Directory.CreateTempSubdirectory("solti-hookshot-").FullName;
        try
        {
            var configDir = Directory.CreateDirectory(Path.Combine(dir, "matrix", "hookshot")).FullName;
            var config = Path.Combine(configDir, "config.yml");
            await File.WriteAllTextAsync(config, Existing);
            var inventory = Directory.CreateDirectory(Path.Combine(dir, "inventory")).FullName;
            await File.WriteAllTextAsync(Path.Combine(inventory, "hosts"), "[matrix_servers]\nlocalhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n");
            Directory.CreateDirectory(Path.Combine(inventory, "group_vars"));
            await File.WriteAllTextAsync(Path.Combine(inventory, "group_vars", "all.yml"), $$$"""
                matrix_domain: localhost
                synapse_homeserver_url: "{{{Hs.Server.BaseAddress}}}"
                hookshot_config_dir: "{{{configDir}}}"
                hookshot_webhook_url_prefix: "https://matrix.{{ matrix_domain }}/hookshot/webhook"
                hookshot_is_containerized: true
                hookshot_container_name: "matrix-hookshot"
                hookshot_allow_js_transformations: true
                hookshot_webhook_secret_length: 32
                hookshot_existing_secrets:
                  alerts: "KnownAlertsSecret0123456789abcdef"
                hookshot_webhooks:
                  - name: "ci-builds"
                    room_id: "{{{ciId}}}"
                    enabled: true
                    transformation: |
                      result = {plain: data.text};
                  - name: "alerts"
                    room_id: "{{{alertsId}}}"
                    enabled: true
                    template: "alertmanager"
                  - name: "notifications"
                    room_id: "{{{ciId}}}"
                    enabled: false
                """);
            var bin = Directory.CreateDirectory(Path.Combine(dir, "bin")).FullName;
            var calls = Path.Combine(dir, "calls");
            await FakeTools.WriteAsync(bin, "docker", calls);
            var playbook = new Playbook(Collection, StateHome)
            {
                Inventory = Path.Combine(inventory, "hosts"),
                ExtraEnvironment = new Dictionary<string, string> { ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH") },
            };
            const string Site = """
                - hosts: matrix_servers
                  gather_facts: false
                  roles:
                    - role: jackaltx.solti_matrix_mgr.hookshot_webhook
                  post_tasks:
                    - name: urls
                      ansible.builtin.debug:
                        var: hookshot_webhook_urls
                """;

            var first = await playbook.RunAsync(Site);
            Assert.True(first.ExitCode == 0, first.ToString());
            var urls = first.Task("urls")["hookshot_webhook_urls"]!.AsObject();
            Assert.Equal(["alerts", "ci-builds"], urls.Select(u => u.Key).Order(StringComparer.Ordinal));
            Assert.Matches("^https://matrix\\.localhost/hookshot/webhook/[A-Za-z0-9]{32}$", urls["ci-builds"]!.GetValue<string>());
            Assert.Equal("https://matrix.localhost/hookshot/webhook/KnownAlertsSecret0123456789abcdef", urls["alerts"]!.GetValue<string>());
            var warnings = first.Task("jackaltx.solti_matrix_mgr.hookshot_webhook : Warn about what hookshot static connections do not have")["results"]!.AsArray();
            Assert.Equal(["WARNING: webhook alerts sets template: hookshot has no built-in templates, use transformation"], warnings.Select(w => w!["msg"]!.GetValue<string>()));

            var root = Load(config);
            var generic = (YamlMappingNode)root["generic"];
            Assert.Equal(("true", "https://matrix.localhost/hookshot/webhook", "true"), (generic["enabled"].ToString(), generic["urlPrefix"].ToString(), generic["allowJsTransformationFunctions"].ToString()));
            var connections = ((YamlSequenceNode)root["connections"]).Cast<YamlMappingNode>().ToList();
            Assert.Equal(3, connections.Count); // the feed, ci-builds and alerts; notifications is not enabled
            var ci = connections.Single(c => c["roomId"].ToString() == ciId);
            Assert.Equal("result = {plain: data.text};\n", ((YamlMappingNode)ci["state"])["transformationFunction"].ToString());
            Assert.Equal(["docker restart matrix-hookshot"], File.ReadAllLines(calls));

            var second = await playbook.RunAsync(Site);
            Assert.True(second.ExitCode == 0, second.ToString());
            Assert.Equal(urls.ToJsonString(), second.Task("urls")["hookshot_webhook_urls"]!.ToJsonString());
            Assert.Equal(["docker restart matrix-hookshot"], File.ReadAllLines(calls));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Encryption_writes_the_store_the_registration_keys_and_synapses_experimental_features_once()
    {
        var dir = Directory.CreateTempSubdirectory("solti-hookshot-e2ee-").FullName;
        try
        {
            var config = Path.Combine(dir, "config.yml");
            var registration = Path.Combine(dir, "registration.yml");
            var synapse = Path.Combine(dir, "synapse");
            var restarts = Path.Combine(dir, "restarts");
            Directory.CreateDirectory(Path.Combine(synapse, "conf.d"));
            await File.WriteAllTextAsync(config, Existing);
            await File.WriteAllTextAsync(registration, "id: hookshot\nas_token: as-secret-token\nhs_token: hs-secret-token\nurl: http://127.0.0.1:9993\nsender_localpart: hookshot\nnamespaces: {users: [], rooms: [], aliases: []}\n");
            await File.WriteAllTextAsync(Path.Combine(synapse, "homeserver.yaml"), "server_name: localhost\n");
            var playbook = $$$"""
                - hosts: localhost
                  gather_facts: false
                  roles:
                    - role: jackaltx.solti_matrix_mgr.hookshot_webhook
                      vars:
                        hookshot_config_file: {{{config}}}
                        hookshot_url_prefix: https://hooks.example.com/webhook/
                        hookshot_webhooks: []
                        hookshot_restart: command
                        hookshot_restart_command: "echo hookshot >> {{{restarts}}}"
                        hookshot_encryption: true
                        hookshot_encryption_storage_path: /var/lib/hookshot/crypto
                        hookshot_registration_file: {{{registration}}}
                        hookshot_encryption_synapse: true
                        synapse_config_dir: {{{synapse}}}
                        synapse_config_restart: command
                        synapse_config_restart_command: "echo synapse >> {{{restarts}}}"
                        synapse_config_check_command: null
                """;

            var first = await new Playbook(Collection, StateHome).RunAsync(playbook);
            Assert.True(first.ExitCode == 0, first.ToString());
            Assert.Equal("/var/lib/hookshot/crypto", ((YamlMappingNode)Load(config)["encryption"])["storagePath"].ToString());
            var keys = Load(registration);
            Assert.All(new[] { "receive_ephemeral", "de.sorunome.msc2409.push_ephemeral", "push_ephemeral", "org.matrix.msc3202" }, k => Assert.Equal("true", keys[k].ToString()));
            Assert.Equal("as-secret-token", keys["as_token"].ToString());
            var overlay = (YamlMappingNode)Load(Path.Combine(synapse, "conf.d", "50-solti-hookshot-encryption.yaml"))["experimental_features"];
            Assert.All(new[] { "msc3202_device_masquerading", "msc3202_transaction_extensions", "msc2409_to_device_messages_enabled" }, k => Assert.Equal("true", overlay[k].ToString()));
            Assert.Equal(["hookshot", "synapse"], File.ReadAllLines(restarts).Order(StringComparer.Ordinal));
            Assert.DoesNotContain("as-secret-token", first.Stdout + first.Stderr, StringComparison.Ordinal);

            var second = await new Playbook(Collection, StateHome).RunAsync(playbook);
            Assert.True(second.ExitCode == 0, second.ToString());
            Assert.Equal(2, File.ReadAllLines(restarts).Length);

            // A hand edit that turns a feature off in a file Synapse reads later: the check fails naming the key.
            await File.WriteAllTextAsync(Path.Combine(synapse, "conf.d", "90-local.yaml"), "experimental_features: {msc3202_transaction_extensions: false}\n");
            var off = await new Playbook(Collection, StateHome).RunAsync(playbook);
            Assert.NotEqual(0, off.ExitCode);
            Assert.Contains("experimental_features.msc3202_transaction_extensions: must be true", off.Stdout, StringComparison.Ordinal);
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
