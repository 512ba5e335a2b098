using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Tests.Support;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests;

/// <summary><c>matrix_event</c> from real playbooks, with the built and installed collection, against the homeserver.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class MatrixEventPlaybookTests(InstalledCollection collection) : IAsyncLifetime
{
    private const string BotPassword = "solti-bot-pass";
    private readonly string _stateHome = Directory.CreateTempSubdirectory("solti-state-").FullName;
    private TestHomeserver _hs = null!;
    private Session _admin = null!;

    private Playbook Playbook => new(collection, _stateHome);

    public async Task InitializeAsync()
    {
        _hs = await TestHomeserver.StartAsync(o => o with
        {
            ServerName = "example.com",
            SeedUsers = [.. o.SeedUsers, new SeedUser("solti-logger", BotPassword, false)],
        });
        _admin = await _hs.LoginAdminAsync("ADMIN");
    }

    public async Task DisposeAsync()
    {
        await _hs.DisposeAsync();
        Directory.Delete(_stateHome, recursive: true);
    }

    private string Url => _hs.Server.BaseAddress.ToString().TrimEnd('/');

    private async Task<(string RoomId, Session Bot)> BotRoomAsync(string deviceId = "DEPLOY")
    {
        var bot = await _hs.Client.LoginAsync("solti-logger", BotPassword, deviceId);
        var roomId = await _hs.Client.CreateRoomAsync(bot.AccessToken, new JsonObject { ["room_alias_name"] = "solti-verify", ["invite"] = new JsonArray(_hs.AdminId) });
        Assert.Equal(200, (await _hs.Client.PostAsync("/_matrix/client/v3/join/" + MatrixTestClient.Enc(roomId), null, _admin.AccessToken)).Code);
        return (roomId, bot);
    }

    private async Task<List<JsonObject>> MessagesAsync(string roomId)
    {
        var response = await _hs.Client.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/messages?dir=f&limit=200", _admin.AccessToken);
        return [.. response.Object["chunk"]!.AsArray().Select(e => (JsonObject)e!).Where(e => e["type"]!.GetValue<string>() != "m.room.member" && e["state_key"] is null)];
    }

    private async Task<int> DevicesAsync() =>
        (await _hs.Client.GetAsync("/_synapse/admin/v2/users/" + MatrixTestClient.Enc("@solti-logger:example.com") + "/devices", _admin.AccessToken)).Object["total"]!.GetValue<int>();

    private async Task<long> LoginsAsync() =>
        (await _hs.Client.GetAsync("/_solti/testing/v1/counters", _admin.AccessToken)).Object["counters"]!["login"]?.GetValue<long>() ?? 0;

    private Dictionary<string, string> Vars(string token) => new() { ["hs_url"] = Url, ["matrix_bot_token"] = token, ["bot_password"] = BotPassword };

    [Fact]
    public async Task Posts_by_alias_and_by_id_and_returns_what_it_used()
    {
        var (roomId, bot) = await BotRoomAsync();
        var run = await Playbook.RunAsync("""
            - hosts: localhost
              gather_facts: false
              tasks:
                - name: by alias
                  jackaltx.solti_matrix_mgr.matrix_event:
                    homeserver_url: "{{ hs_url }}/"
                    access_token: "{{ matrix_bot_token }}"
                    room_id: "#solti-verify:example.com"
                    content: { msgtype: m.text, body: "by alias" }
                - name: by id
                  jackaltx.solti_matrix_mgr.matrix_event:
                    homeserver_url: "{{ hs_url }}"
                    access_token: "{{ matrix_bot_token }}"
                    room_id: "{{ room }}"
                    event_type: com.example.custom
                    content: { body: "by id" }
            """, new Dictionary<string, string>(Vars(bot.AccessToken)) { ["room"] = roomId });

        Assert.True(run.ExitCode == 0, run.ToString());
        var byAlias = run.Task("by alias");
        Assert.True(byAlias["changed"]!.GetValue<bool>());
        Assert.Equal(roomId, byAlias["room_id"]!.GetValue<string>());
        Assert.False(byAlias["reauthenticated"]!.GetValue<bool>());
        Assert.Equal("m.room.message", byAlias["event_type"]!.GetValue<string>());
        var byId = run.Task("by id");
        Assert.Equal("com.example.custom", byId["event_type"]!.GetValue<string>());

        var events = await MessagesAsync(roomId);
        Assert.Equal([byAlias["event_id"]!.GetValue<string>(), byId["event_id"]!.GetValue<string>()], events.Select(e => e["event_id"]!.GetValue<string>()));
        Assert.Equal(byAlias["transaction_id"]!.GetValue<string>(), (await _hs.Client.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/event/{MatrixTestClient.Enc(byAlias["event_id"]!.GetValue<string>())}", bot.AccessToken)).Object["unsigned"]!["transaction_id"]!.GetValue<string>());
        Assert.Equal("com.example.custom", events[1]["type"]!.GetValue<string>());
    }

    /// <summary>The seed README's task, verbatim but for the URL, run three times with a stale token each time.</summary>
    [Fact]
    public async Task The_seeds_self_healing_example_heals_without_adding_devices()
    {
        var (roomId, bot) = await BotRoomAsync();
        const string SeedExample = """
            - hosts: localhost
              gather_facts: false
              tasks:
                - name: Post structured verification event
                  jackaltx.solti_matrix_mgr.matrix_event:
                    homeserver_url: "{{ hs_url }}"
                    access_token: "{{ matrix_bot_token }}"
                    user_id: "@solti-logger:example.com"    # Required for self-healing
                    password: "{{ bot_password }}"           # Required for self-healing
                    room_id: "#solti-verify:example.com"
                    content:
                      msgtype: "com.solti.event"
                      body: "Verification PASSED"
                      solti:
                        schema: "verify.pass.v1"
                        source: "monitoring/prod"
                        data:
                          status: "OK"
                          services: { loki: true, influx: true }
            """;

        // The deploy-time token has been logged out: the module must heal with a password login.
        Assert.Equal(200, (await _hs.Client.PostAsync("/_matrix/client/v3/logout", null, bot.AccessToken)).Code);
        var first = await Playbook.RunAsync(SeedExample, Vars(bot.AccessToken));
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True(first.Task("Post structured verification event")["reauthenticated"]!.GetValue<bool>());
        var devices = await DevicesAsync();
        var logins = await LoginsAsync();

        // Later runs: the cached token expired, then the cache is lost; the same device comes back each time.
        var cacheDir = Path.Combine(_stateHome, "solti-matrix");
        foreach (var wipeCache in new[] { false, true })
        {
            Assert.Equal(200, (await _hs.Client.PostAsync("/_solti/testing/v1/expire_token", new JsonObject { ["user_id"] = "@solti-logger:example.com" }, _admin.AccessToken)).Code);
            if (wipeCache)
            {
                Directory.Delete(cacheDir, recursive: true);
            }

            var again = await Playbook.RunAsync(SeedExample, Vars("syt_stale_" + Guid.NewGuid().ToString("N")));
            Assert.True(again.ExitCode == 0, again.ToString());
            Assert.True(again.Task("Post structured verification event")["reauthenticated"]!.GetValue<bool>());
            Assert.Equal(devices, await DevicesAsync());
        }

        Assert.Equal(logins + 2, await LoginsAsync());
        var events = await MessagesAsync(roomId);
        Assert.Equal(3, events.Count);
        Assert.All(events, e => Assert.Equal("verify.pass.v1", e["content"]!["solti"]!["schema"]!.GetValue<string>()));
        Assert.Equal(1, devices);
    }

    [Fact]
    public async Task Without_an_access_token_user_id_and_password_log_in_and_post()
    {
        var (roomId, _) = await BotRoomAsync();
        var run = await Playbook.RunAsync("""
            - hosts: localhost
              gather_facts: false
              tasks:
                - name: no token
                  jackaltx.solti_matrix_mgr.matrix_event:
                    homeserver_url: "{{ hs_url }}"
                    user_id: "@solti-logger:example.com"
                    password: "{{ bot_password }}"
                    room_id: "#solti-verify:example.com"
                    content: { msgtype: m.text, body: "posted without a token" }
            """, Vars("unused"));

        Assert.True(run.ExitCode == 0, run.ToString());
        var posted = run.Task("no token");
        Assert.True(posted["changed"]!.GetValue<bool>());
        Assert.True(posted["reauthenticated"]!.GetValue<bool>());
        Assert.Equal(roomId, posted["room_id"]!.GetValue<string>());
        var message = Assert.Single(await MessagesAsync(roomId));
        Assert.Equal(posted["event_id"]!.GetValue<string>(), message["event_id"]!.GetValue<string>());
        Assert.Equal("posted without a token", message["content"]!["body"]!.GetValue<string>());
        Assert.Equal("@solti-logger:example.com", message["sender"]!.GetValue<string>());
        Assert.DoesNotContain(BotPassword, run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_token_or_a_password_the_task_fails_naming_access_token_and_check_mode_only_warns()
    {
        var (roomId, _) = await BotRoomAsync();
        await _hs.Client.DeleteAsync("/_solti/testing/v1/counters", _admin.AccessToken);
        var run = await Playbook.RunAsync("""
            - hosts: localhost
              gather_facts: false
              tasks:
                - name: nothing
                  jackaltx.solti_matrix_mgr.matrix_event:
                    homeserver_url: "{{ hs_url }}"
                    room_id: "#solti-verify:example.com"
                    content: { body: x }
                  ignore_errors: true
                - name: empty token
                  jackaltx.solti_matrix_mgr.matrix_event:
                    homeserver_url: "{{ hs_url }}"
                    access_token: ""
                    room_id: "#solti-verify:example.com"
                    content: { body: x }
                  ignore_errors: true
                - name: check without a token
                  jackaltx.solti_matrix_mgr.matrix_event:
                    homeserver_url: "{{ hs_url }}"
                    user_id: "@solti-logger:example.com"
                    password: "{{ bot_password }}"
                    room_id: "#solti-verify:example.com"
                    content: { body: x }
                  check_mode: true
            """, Vars("unused"));

        Assert.True(run.ExitCode == 0, run.ToString());
        foreach (var task in new[] { "nothing", "empty token" })
        {
            var failed = run.Task(task);
            Assert.True(failed["failed"]!.GetValue<bool>(), task);
            Assert.Equal("access_token is required unless user_id and password are given", failed["msg"]!.GetValue<string>());
        }

        var check = run.Task("check without a token");
        Assert.False(check.ContainsKey("failed") && check["failed"]!.GetValue<bool>(), check.ToJsonString());
        Assert.Contains("no access_token was given, so the room and membership were not verified (check mode never logs in)", check["warnings"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(await MessagesAsync(roomId));
        Assert.Equal(0, await LoginsAsync());
    }

    [Fact]
    public async Task A_deploys_start_and_complete_with_one_correlation_id_are_one_thread_and_an_edit_replaces_by_correlation_id()
    {
        var (roomId, bot) = await BotRoomAsync();
        var run = await Playbook.RunAsync("""
            - hosts: localhost
              gather_facts: false
              module_defaults:
                jackaltx.solti_matrix_mgr.matrix_event:
                  homeserver_url: "{{ hs_url }}"
                  access_token: "{{ matrix_bot_token }}"
                  room_id: "#solti-verify:example.com"
              tasks:
                - name: start
                  jackaltx.solti_matrix_mgr.matrix_event:
                    schema: deploy.start.v1
                    correlation_id: "deploy-{{ 4 * 10 + 2 }}"
                    data: { service: api, host: web1, playbook: site.yml, operator: ops }
                - name: complete
                  jackaltx.solti_matrix_mgr.matrix_event:
                    schema: deploy.complete.v1
                    correlation_id: deploy-42
                    template: "**{service}** deployed on {host} in {duration}s <b>by</b> {operator}"
                    format: markdown
                    data: { service: api, host: web1, playbook: site.yml, operator: "<ops>", duration: 12, status: success }
                - name: status line
                  jackaltx.solti_matrix_mgr.matrix_event:
                    content: { msgtype: m.notice, body: "deploying api" }
                    correlation_id: status-api
                - name: status line edited
                  jackaltx.solti_matrix_mgr.matrix_event:
                    content: { msgtype: m.notice, body: "api deployed" }
                    replaces: status-api
                - name: unknown root
                  jackaltx.solti_matrix_mgr.matrix_event:
                    content: { msgtype: m.text, body: "lost" }
                    thread_root: never-sent
                  ignore_errors: true
            """, Vars(bot.AccessToken));

        Assert.True(run.ExitCode == 0, run.ToString());
        var messages = await MessagesAsync(roomId);
        Assert.Equal(4, messages.Count);
        var root = messages[0]["event_id"]!.GetValue<string>();
        Assert.Equal("deploy-42", messages[0]["content"]!["solti"]!["correlation_id"]!.GetValue<string>());
        var thread = messages[1]["content"]!["m.relates_to"]!;
        Assert.Equal(("m.thread", root), (thread["rel_type"]!.GetValue<string>(), thread["event_id"]!.GetValue<string>()));
        Assert.Equal(new JsonObject { ["rel"] = "thread_root", ["event_id"] = root }.ToJsonString(), run.Task("complete")["relates_to"]!.ToJsonString());
        Assert.Equal("api deployed on web1 in 12s by <ops>", messages[1]["content"]!["body"]!.GetValue<string>());
        Assert.Equal("<p><strong>api</strong> deployed on web1 in 12s <b>by</b> &lt;ops&gt;</p>", messages[1]["content"]!["formatted_body"]!.GetValue<string>());
        var edit = messages[3]["content"]!;
        Assert.Equal(("m.replace", messages[2]["event_id"]!.GetValue<string>()), (edit["m.relates_to"]!["rel_type"]!.GetValue<string>(), edit["m.relates_to"]!["event_id"]!.GetValue<string>()));
        Assert.Equal("api deployed", edit["m.new_content"]!["body"]!.GetValue<string>());
        var unknown = run.Task("unknown root");
        Assert.True(unknown["failed"]!.GetValue<bool>());
        Assert.StartsWith("thread_root: no event is known by correlation id 'never-sent'", unknown["msg"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_schema_and_data_become_a_validated_solti_event_with_its_body()
    {
        var (roomId, bot) = await BotRoomAsync();
        var run = await Playbook.RunAsync("""
            - hosts: localhost
              gather_facts: false
              tasks:
                - name: deploy done
                  jackaltx.solti_matrix_mgr.matrix_event:
                    homeserver_url: "{{ hs_url }}"
                    access_token: "{{ matrix_bot_token }}"
                    room_id: "#solti-verify:example.com"
                    schema: deploy.complete.v1
                    source: ci-runner
                    html: true
                    data: { service: api, host: web1, playbook: site.yml, operator: ops, duration: 12, status: failed, error: "exit 2" }
                - name: bad data
                  jackaltx.solti_matrix_mgr.matrix_event:
                    homeserver_url: "{{ hs_url }}"
                    access_token: "{{ matrix_bot_token }}"
                    room_id: "#solti-verify:example.com"
                    schema: verify.pass.v1
                    data: { distribution: debian12, hostname: web1, summary: { total_services: many } }
                  ignore_errors: true
            """, Vars(bot.AccessToken));

        Assert.True(run.ExitCode == 0, run.ToString());
        var message = Assert.Single(await MessagesAsync(roomId));
        Assert.Equal("❌ Deployment FAILED: api on web1 (duration: 12s)", message["content"]!["body"]!.GetValue<string>());
        Assert.Equal("com.solti.event", message["content"]!["msgtype"]!.GetValue<string>());
        Assert.Equal("org.matrix.custom.html", message["content"]!["format"]!.GetValue<string>());
        Assert.Equal("ci-runner", message["content"]!["solti"]!["source"]!.GetValue<string>());
        Assert.Equal("exit 2", message["content"]!["solti"]!["data"]!["error"]!.GetValue<string>());
        var bad = run.Task("bad data");
        Assert.True(bad["failed"]!.GetValue<bool>());
        Assert.Contains("data.summary.total_services: expected integer, got 'many'", bad["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("data.services: required", bad["msg"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_spool_on_failure_an_undeliverable_event_is_queued_and_delivered_once_later()
    {
        var (roomId, bot) = await BotRoomAsync();
        var outbox = Path.Combine(_stateHome, "outbox.db");
        await _hs.Client.PostAsync("/_solti/testing/v1/faults", new JsonObject { ["endpoint"] = "rooms.send", ["status"] = 503, ["count"] = null }, _admin.AccessToken);
        const string Send = """
            - hosts: localhost
              gather_facts: false
              tasks:
                - name: spooled
                  jackaltx.solti_matrix_mgr.matrix_event:
                    homeserver_url: "{{ hs_url }}"
                    access_token: "{{ matrix_bot_token }}"
                    room_id: "#solti-verify:example.com"
                    content: { msgtype: m.notice, body: "deploy 7 done" }
                    spool: on_failure
                    outbox: "{{ outbox }}"
                    timeout: 1
            """;
        var vars = Vars(bot.AccessToken);
        vars["outbox"] = outbox;
        var run = await Playbook.RunAsync(Send, vars);
        Assert.True(run.ExitCode == 0, run.ToString());
        var queued = run.Task("spooled");
        Assert.True(queued["queued"]!.GetValue<bool>(), queued.ToJsonString());
        Assert.Contains("queued in the outbox", queued["warnings"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(await MessagesAsync(roomId));

        // The homeserver comes back; the outbox delivers with the same transaction id, once, even when asked twice.
        await _hs.Client.DeleteAsync("/_solti/testing/v1/faults", _admin.AccessToken);
        using var store = new Solti.Matrix.Outbox.OutboxStore(outbox);
        Assert.Equal(1, store.Stats().Pending);
        using var client = new MatrixClient(new MatrixClientOptions(new Uri(Url)), new Solti.Matrix.Sessions.SessionOptions { AccessToken = bot.AccessToken, UseCache = false });
        var delivery = new Solti.Matrix.Outbox.OutboxDelivery(store, client);
        Assert.Equal(1, (await delivery.DeliverPendingAsync(CancellationToken.None)).Delivered);
        Assert.Equal(0, (await delivery.DeliverPendingAsync(CancellationToken.None)).Delivered);
        var message = Assert.Single(await MessagesAsync(roomId));
        Assert.Equal("deploy 7 done", message["content"]!["body"]!.GetValue<string>());
        Assert.Equal(queued["transaction_id"]!.GetValue<string>(), message["unsigned"]?["transaction_id"]?.GetValue<string>() ?? queued["transaction_id"]!.GetValue<string>());

        // A refusal (403: not in the room) is not queued: it fails as before.
        var stranger = await _hs.Client.CreateRoomAsync(_admin.AccessToken, new JsonObject { ["room_alias_name"] = "private" });
        var refused = await Playbook.RunAsync(Send.Replace("#solti-verify:example.com", stranger, StringComparison.Ordinal), vars);
        Assert.True(refused.Task("spooled")["failed"]!.GetValue<bool>());
        Assert.Equal(0, store.Stats().Pending);
    }

    [Fact]
    public async Task Events_spooled_in_an_outage_by_tasks_whose_sessions_worked_before_are_delivered_by_a_bare_outbox_flush()
    {
        // Three senders as plays give them: a token with user_id and password, user_id and password only, a bare token.
        foreach (var (user, password) in new[] { ("deployer", "deployer-pass"), ("watcher", "watcher-pass") })
        {
            Assert.Equal(201, (await _hs.Client.PutAsync($"/_synapse/admin/v2/users/{MatrixTestClient.Enc($"@{user}:example.com")}", new JsonObject { ["password"] = password }, _admin.AccessToken)).Code);
        }

        var roomId = await _hs.Client.CreateRoomAsync(_admin.AccessToken, new JsonObject { ["room_alias_name"] = "outage", ["preset"] = "public_chat" });
        var logger = await _hs.Client.LoginAsync("solti-logger", BotPassword, "DEPLOY");
        var watcher = await _hs.Client.LoginAsync("watcher", "watcher-pass", "WATCH");
        var deployer = await _hs.Client.LoginAsync("deployer", "deployer-pass", "JOINER");
        foreach (var member in new[] { logger, watcher, deployer })
        {
            Assert.Equal(200, (await _hs.Client.PostAsync($"/_matrix/client/v3/join/{MatrixTestClient.Enc(roomId)}", null, member.AccessToken)).Code);
        }

        var outbox = Path.Combine(_stateHome, "outbox.db");
        const string Play = """
            - hosts: localhost
              gather_facts: false
              module_defaults:
                jackaltx.solti_matrix_mgr.matrix_event: { homeserver_url: "{{ hs_url }}", room_id: "#outage:example.com", spool: on_failure, outbox: "{{ outbox }}", timeout: 1 }
              tasks:
                - name: logger
                  jackaltx.solti_matrix_mgr.matrix_event:
                    access_token: "{{ logger_token }}"
                    user_id: "@solti-logger:example.com"
                    password: "{{ bot_password }}"
                    content: { msgtype: m.notice, body: "logger {{ n }}" }
                - name: deployer
                  jackaltx.solti_matrix_mgr.matrix_event:
                    user_id: "@deployer:example.com"
                    password: deployer-pass
                    content: { msgtype: m.notice, body: "deployer {{ n }}" }
                - name: watcher
                  jackaltx.solti_matrix_mgr.matrix_event:
                    access_token: "{{ watcher_token }}"
                    content: { msgtype: m.notice, body: "watcher {{ n }}" }
            """;
        Dictionary<string, string> Vars(int n) => new()
        {
            ["hs_url"] = Url, ["outbox"] = outbox, ["n"] = n.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["logger_token"] = logger.AccessToken, ["bot_password"] = BotPassword, ["watcher_token"] = watcher.AccessToken,
        };

        var before = await Playbook.RunAsync(Play, Vars(0));
        Assert.True(before.ExitCode == 0, before.ToString());
        Assert.All(new[] { "logger", "deployer", "watcher" }, task => Assert.False(before.Task(task)["queued"]!.GetValue<bool>()));

        // The homeserver goes away: every client-server request fails; each task queues its event.
        await _hs.Client.PostAsync("/_solti/testing/v1/faults", new JsonObject { ["path"] = "^/_matrix/", ["status"] = 503, ["count"] = null }, _admin.AccessToken);
        var queued = new Dictionary<string, string>();
        foreach (var n in new[] { 1, 2 })
        {
            var during = await Playbook.RunAsync(Play, Vars(n));
            Assert.True(during.ExitCode == 0, during.ToString());
            foreach (var task in new[] { "logger", "deployer", "watcher" })
            {
                var result = during.Task(task);
                Assert.True(result["queued"]!.GetValue<bool>(), result.ToJsonString());
                queued[$"{task} {n}"] = result["transaction_id"]!.GetValue<string>();
            }
        }

        await _hs.Client.DeleteAsync("/_solti/testing/v1/faults", _admin.AccessToken);
        var loginsBefore = await LoginsAsync();

        // A bare flush: no credentials, only the state the tasks left.
        var flush = await FlushAsync(outbox);
        Assert.True(flush.ExitCode == 0, flush.ToString());
        var flushed = JsonNode.Parse(flush.Stdout)!;
        Assert.Equal((6, 0), (flushed["delivered"]!.GetValue<int>(), flushed["pending"]!.GetValue<int>()));
        Assert.Equal(loginsBefore, await LoginsAsync());

        var messages = await MessagesAsync(roomId);
        Assert.Equal(9, messages.Count);
        foreach (var (body, sender) in new[] { ("logger", "@solti-logger:example.com"), ("deployer", "@deployer:example.com"), ("watcher", "@watcher:example.com") })
        {
            foreach (var n in new[] { 0, 1, 2 })
            {
                var message = Assert.Single(messages, m => m["content"]!["body"]!.GetValue<string>() == $"{body} {n}");
                Assert.Equal(sender, message["sender"]!.GetValue<string>());
            }
        }

        // From the devices the tasks used: each sender's own device sees its transaction ids on the events.
        foreach (var (task, session) in new[] { ("logger", logger), ("watcher", watcher) })
        {
            var seen = (await _hs.Client.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/messages?dir=f&limit=50", session.AccessToken)).Object["chunk"]!.AsArray();
            foreach (var n in new[] { 1, 2 })
            {
                var message = seen.Single(m => m!["content"]?["body"]?.GetValue<string>() == $"{task} {n}")!;
                Assert.Equal(queued[$"{task} {n}"], message["unsigned"]?["transaction_id"]?.GetValue<string>());
            }
        }

        var again = await FlushAsync(outbox);
        Assert.Equal(0, JsonNode.Parse(again.Stdout)!["delivered"]!.GetValue<int>());
        Assert.Equal(9, (await MessagesAsync(roomId)).Count);
        Assert.DoesNotContain(logger.AccessToken, flush.Output + before.Stdout, StringComparison.Ordinal);
    }

    /// <summary><c>solti-matrix outbox flush</c> with no credentials at all, in the plays' state home.</summary>
    private async Task<ProcessResult> FlushAsync(string outbox)
    {
        var start = ProcessRunner.StartInfo(Repository.Cli, ["outbox", "flush", "--outbox", outbox, "--output", "json"]);
        foreach (var name in new[] { "MATRIX_HOMESERVER_URL", "MATRIX_ACCESS_TOKEN", "MATRIX_USER_ID", "MATRIX_PASSWORD" })
        {
            start.Environment.Remove(name);
        }

        start.Environment["XDG_STATE_HOME"] = _stateHome;
        return await ProcessRunner.RunAsync(start);
    }

    [Fact]
    public async Task An_explicit_transaction_id_twice_posts_one_event()
    {
        var (roomId, bot) = await BotRoomAsync();
        var run = await Playbook.RunAsync("""
            - hosts: localhost
              gather_facts: false
              tasks:
                - name: first
                  jackaltx.solti_matrix_mgr.matrix_event: &send
                    homeserver_url: "{{ hs_url }}"
                    access_token: "{{ matrix_bot_token }}"
                    room_id: "#solti-verify:example.com"
                    transaction_id: deploy-42
                    content: { msgtype: m.notice, body: "deploy 42 done" }
                - name: second
                  jackaltx.solti_matrix_mgr.matrix_event: *send
            """, Vars(bot.AccessToken));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("deploy-42", run.Task("first")["transaction_id"]!.GetValue<string>());
        Assert.Equal(run.Task("first")["event_id"]!.GetValue<string>(), run.Task("second")["event_id"]!.GetValue<string>());
        Assert.Single(await MessagesAsync(roomId));
    }

    [Fact]
    public async Task Check_mode_posts_nothing_and_logs_nobody_in()
    {
        var (roomId, bot) = await BotRoomAsync();
        await _hs.Client.DeleteAsync("/_solti/testing/v1/counters", _admin.AccessToken);
        var run = await Playbook.RunAsync("""
            - hosts: localhost
              gather_facts: false
              tasks:
                - name: check
                  jackaltx.solti_matrix_mgr.matrix_event:
                    homeserver_url: "{{ hs_url }}"
                    access_token: "{{ matrix_bot_token }}"
                    user_id: "@solti-logger:example.com"
                    password: "{{ bot_password }}"
                    room_id: "#solti-verify:example.com"
                    content: { msgtype: m.text, body: "not posted" }
                - name: check with a stale token
                  jackaltx.solti_matrix_mgr.matrix_event:
                    homeserver_url: "{{ hs_url }}"
                    access_token: "syt_stale"
                    user_id: "@solti-logger:example.com"
                    password: "{{ bot_password }}"
                    room_id: "#solti-verify:example.com"
                    content: { msgtype: m.text, body: "not posted either" }
            """, Vars(bot.AccessToken), json: true, "--check");

        Assert.True(run.ExitCode == 0, run.ToString());
        var check = run.Task("check");
        Assert.True(check["changed"]!.GetValue<bool>());
        Assert.Equal(roomId, check["room_id"]!.GetValue<string>());
        Assert.False(check.ContainsKey("event_id"));
        Assert.Contains("never logs in", run.Task("check with a stale token")["warnings"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(await MessagesAsync(roomId));
        Assert.Equal(0, await LoginsAsync());
        Assert.False(Directory.Exists(Path.Combine(_stateHome, "solti-matrix")) && Directory.EnumerateFiles(Path.Combine(_stateHome, "solti-matrix"), "*.json").Any());
    }

    [Fact]
    public async Task Diff_verbose_output_and_registered_results_hold_no_token_or_password()
    {
        var (_, bot) = await BotRoomAsync();
        await _hs.Client.PostAsync("/_matrix/client/v3/logout", null, bot.AccessToken);
        var run = await Playbook.RunAsync("""
            - hosts: localhost
              gather_facts: false
              tasks:
                - name: post
                  jackaltx.solti_matrix_mgr.matrix_event:
                    homeserver_url: "{{ hs_url }}"
                    access_token: "{{ matrix_bot_token }}"
                    user_id: "@solti-logger:example.com"
                    password: "{{ bot_password }}"
                    room_id: "#solti-verify:example.com"
                    content: { msgtype: m.text, body: "secret-free" }
                  register: posted
                - name: show
                  ansible.builtin.debug:
                    var: posted
            """, Vars(bot.AccessToken), false, "-vvv", "--diff");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("secret-free", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("VALUE_SPECIFIED_IN_NO_LOG_PARAMETER", run.Stdout, StringComparison.Ordinal);
        var fresh = Directory.EnumerateFiles(Path.Combine(_stateHome, "solti-matrix"), "*.json").Select(File.ReadAllText).Single();
        var freshToken = JsonNode.Parse(fresh)!["access_token"]!.GetValue<string>();
        foreach (var secret in new[] { bot.AccessToken, freshToken, BotPassword })
        {
            Assert.DoesNotContain(secret, run.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, run.Stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Bad_input_fails_with_a_clear_message_and_no_traceback()
    {
        var (roomId, bot) = await BotRoomAsync();
        var run = await Playbook.RunAsync("""
            - hosts: localhost
              gather_facts: false
              vars:
                common: &common
                  homeserver_url: "{{ hs_url }}"
                  access_token: "{{ matrix_bot_token }}"
              tasks:
                - name: missing content
                  jackaltx.solti_matrix_mgr.matrix_event:
                    <<: *common
                    room_id: "#solti-verify:example.com"
                  ignore_errors: true
                - name: wrong room id
                  jackaltx.solti_matrix_mgr.matrix_event:
                    <<: *common
                    room_id: "solti-verify"
                    content: { body: x }
                  ignore_errors: true
                - name: wrong type
                  jackaltx.solti_matrix_mgr.matrix_event:
                    <<: *common
                    room_id: "#solti-verify:example.com"
                    content: "just text"
                  ignore_errors: true
                - name: wrong number
                  jackaltx.solti_matrix_mgr.matrix_event:
                    <<: *common
                    room_id: "#solti-verify:example.com"
                    content: { body: x }
                    timeout: soon
                  ignore_errors: true
                - name: unknown parameter
                  jackaltx.solti_matrix_mgr.matrix_event:
                    <<: *common
                    room_id: "#solti-verify:example.com"
                    content: { body: x }
                    colour: red
                  ignore_errors: true
                - name: user without password
                  jackaltx.solti_matrix_mgr.matrix_event:
                    <<: *common
                    room_id: "#solti-verify:example.com"
                    content: { body: x }
                    user_id: "@solti-logger:example.com"
                  ignore_errors: true
            """, Vars(bot.AccessToken));

        Assert.True(run.ExitCode == 0, run.ToString());
        var expected = new Dictionary<string, string>
        {
            ["missing content"] = "one of the following is required: content, schema",
            ["wrong room id"] = "room_id must be a room id (!id:server) or an alias (#alias:server): it starts with neither ! nor #, got 'solti-verify'",
            ["wrong type"] = "argument 'content' is of type <class 'str'> and we were unable to convert to dict",
            ["wrong number"] = "argument 'timeout' is of type <class 'str'> and we were unable to convert to float",
            ["unknown parameter"] = "Unsupported parameters for (matrix_event) module: colour.",
            ["user without password"] = "parameters are required together: user_id, password",
        };
        foreach (var (task, message) in expected)
        {
            var result = run.Task(task);
            Assert.True(result["failed"]!.GetValue<bool>(), task);
            Assert.Contains(message, result["msg"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.DoesNotContain("Traceback", result.ToJsonString(), StringComparison.Ordinal);
            Assert.False(result.ContainsKey("exception"), task);
        }

        Assert.Empty(await MessagesAsync(roomId));
    }

    [Fact]
    public async Task A_403_is_reported_as_a_permission_error_and_never_logs_in()
    {
        var bot = await _hs.Client.LoginAsync("solti-logger", BotPassword, "NOPERM");
        var adminRoom = await _hs.Client.CreateRoomAsync(_admin.AccessToken);
        await _hs.Client.DeleteAsync("/_solti/testing/v1/counters", _admin.AccessToken);
        var run = await Playbook.RunAsync("""
            - hosts: localhost
              gather_facts: false
              tasks:
                - name: not a member
                  jackaltx.solti_matrix_mgr.matrix_event:
                    homeserver_url: "{{ hs_url }}"
                    access_token: "{{ matrix_bot_token }}"
                    user_id: "@solti-logger:example.com"
                    password: "{{ bot_password }}"
                    room_id: "{{ room }}"
                    content: { body: x }
                  ignore_errors: true
            """, new Dictionary<string, string>(Vars(bot.AccessToken)) { ["room"] = adminRoom });

        var result = run.Task("not a member");
        Assert.True(result["failed"]!.GetValue<bool>());
        Assert.StartsWith("permission denied by the homeserver (HTTP 403 M_FORBIDDEN)", result["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("M_FORBIDDEN", result["errcode"]!.GetValue<string>());
        Assert.Equal(403, result["status"]!.GetValue<int>());
        Assert.Equal(0, await LoginsAsync());
    }

    [Fact]
    public async Task On_the_controller_the_binary_runs_in_place_and_elsewhere_through_Ansibles_module_copy()
    {
        var (roomId, bot) = await BotRoomAsync();
        const string Play = """
            - hosts: localhost
              gather_facts: false
              tasks:
                - name: post
                  jackaltx.solti_matrix_mgr.matrix_event:
                    homeserver_url: "{{ hs_url }}"
                    access_token: "{{ matrix_bot_token }}"
                    room_id: "#solti-verify:example.com"
                    content: { msgtype: m.text, body: "{{ body }}" }
            """;

        var inPlace = await Playbook.RunAsync(Play, new Dictionary<string, string>(Vars(bot.AccessToken)) { ["body"] = "in place" }, false, "-vvv");
        var copied = await Playbook.RunAsync(Play, new Dictionary<string, string>(Vars(bot.AccessToken)) { ["body"] = "copied", ["solti_matrix_fastpath"] = "false" }, false, "-vvv");

        Assert.True(inPlace.ExitCode == 0, inPlace.ToString());
        Assert.True(copied.ExitCode == 0, copied.ToString());
        Assert.DoesNotContain("AnsiballZ_", inPlace.Stdout, StringComparison.Ordinal);
        Assert.Contains("AnsiballZ_solti-matrix-module", copied.Stdout, StringComparison.Ordinal); // the build for this machine, sent by Ansible
        Assert.Equal(["in place", "copied"], (await MessagesAsync(roomId)).Select(e => e["content"]!["body"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Module_defaults_for_the_action_group_set_the_connection_once()
    {
        var (roomId, bot) = await BotRoomAsync();
        var run = await Playbook.RunAsync("""
            - hosts: localhost
              gather_facts: false
              module_defaults:
                group/jackaltx.solti_matrix_mgr.matrix:
                  homeserver_url: "{{ hs_url }}"
                  access_token: "{{ matrix_bot_token }}"
                  user_id: "@solti-logger:example.com"
                  password: "{{ bot_password }}"
              tasks:
                - name: defaults
                  jackaltx.solti_matrix_mgr.matrix_event:
                    room_id: "#solti-verify:example.com"
                    content: { msgtype: m.text, body: "from defaults" }
            """, Vars(bot.AccessToken));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("from defaults", Assert.Single(await MessagesAsync(roomId))["content"]!["body"]!.GetValue<string>());
    }
}
