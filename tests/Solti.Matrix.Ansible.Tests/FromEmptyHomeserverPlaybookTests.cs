using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Tests.Support;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests;

/// <summary>The "empty homeserver to configured in one play": a homeserver with no user at all but a registration
/// shared secret, and one <c>ansible-playbook</c> run that registers the first admin (<c>synapse_register</c>), converges
/// users and a room as that admin from its password alone (<c>matrix_config</c> with <c>admin_user</c>/<c>admin_password</c>,
/// no token), gets the bot's token (<c>matrix_token</c>) and posts with it (<c>matrix_event</c>). A second run changes
/// nothing but the post. No secret appears in the output.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public class FromEmptyHomeserverPlaybookTests(InstalledCollection collection) : IAsyncLifetime
{
    private const string Secret = "from-empty-shared-secret";
    private const string AdminPassword = "first-admin-pass";
    private const string BotPassword = "alerts-bot-pass";

    private readonly string _stateHome = Directory.CreateTempSubdirectory("solti-state-").FullName;
    private TestHomeserver _hs = null!;

    protected virtual Compatibility? Profile => null;

    public async Task InitializeAsync() =>
        _hs = await TestHomeserver.StartEmptyAsync(Secret, o => Profile is { } profile ? o with { Compatibility = profile } : o);

    public async Task DisposeAsync()
    {
        await _hs.DisposeAsync();
        Directory.Delete(_stateHome, recursive: true);
    }

    private const string Tasks = """
        - name: first admin
          jackaltx.solti_matrix_mgr.synapse_register:
            homeserver_url: "{{ hs_url }}"
            registration_shared_secret: "{{ registration_shared_secret }}"
            username: "@admin:localhost"
            password: "{{ admin_password }}"
            admin: true
        - name: users and a room
          jackaltx.solti_matrix_mgr.matrix_config:
            homeserver_url: "{{ hs_url }}"
            admin_user: "@admin:localhost"
            admin_password: "{{ admin_password }}"
            domain: localhost
            users:
              - {user_id: "@alerts-bot", password: "{{ bot_password }}", displayname: Alerts, user_type: bot}
              - {user_id: "@alice", password: alice-pass-1, displayname: Alice}
            rooms:
              - alias: ops
                name: Operations
                members:
                  - {user_id: "@alerts-bot", power_level: 50}
                  - "@alice"
        - name: bot token
          jackaltx.solti_matrix_mgr.matrix_token:
            homeserver_url: "{{ hs_url }}"
            user_id: "@alerts-bot:localhost"
            password: "{{ bot_password }}"
          register: bot
          no_log: true
        - name: post
          jackaltx.solti_matrix_mgr.matrix_event:
            homeserver_url: "{{ hs_url }}"
            access_token: "{{ bot.token }}"
            room_id: "#ops:localhost"
            content: {msgtype: m.text, body: configured from an empty homeserver}
        """;

    private Task<PlaybookRun> PlayAsync() => new Playbook(collection, _stateHome).RunAsync(Playbook.Play("localhost", Tasks, []), new Dictionary<string, string>
    {
        ["hs_url"] = _hs.Server.BaseAddress.ToString(),
        ["registration_shared_secret"] = Secret,
        ["admin_password"] = AdminPassword,
        ["bot_password"] = BotPassword,
    });

    [Fact]
    public async Task One_play_registers_the_first_admin_configures_users_and_a_room_and_posts_as_the_bot()
    {
        Assert.Equal(403, (await _hs.Client.PostAsync("/_matrix/client/v3/login", MatrixTestClient.LoginBody("admin", AdminPassword))).Code);

        var first = await PlayAsync();
        Assert.Equal(0, first.ExitCode);
        Assert.True(first.Task("first admin")["created"]!.GetValue<bool>(), first.ToString());
        Assert.Equal("@admin:localhost", first.Task("first admin")["user_id"]!.GetValue<string>());
        Assert.True(first.Task("users and a room")["changed"]!.GetValue<bool>());
        var eventId = first.Task("post")["event_id"]!.GetValue<string>();

        // The server as the play left it: an admin, the bot and Alice, the room with both members, the bot's message.
        var admin = await _hs.Client.LoginAsync("admin", AdminPassword);
        var account = await _hs.Client.GetAsync("/_synapse/admin/v2/users/" + MatrixTestClient.Enc("@admin:localhost"), admin.AccessToken);
        Assert.True(MatrixTestClient.Flag(account.Object["admin"]));
        var bot = await _hs.Client.GetAsync("/_synapse/admin/v2/users/" + MatrixTestClient.Enc("@alerts-bot:localhost"), admin.AccessToken);
        Assert.Equal("bot", bot.Object["user_type"]!.GetValue<string>());
        var room = await _hs.Client.GetAsync("/_matrix/client/v3/directory/room/" + MatrixTestClient.Enc("#ops:localhost"), admin.AccessToken);
        var roomId = room.Str("room_id");
        var members = await _hs.Client.GetAsync($"/_synapse/admin/v1/rooms/{MatrixTestClient.Enc(roomId)}/members", admin.AccessToken);
        Assert.Superset(new HashSet<string> { "@admin:localhost", "@alerts-bot:localhost", "@alice:localhost" }, members.Object["members"]!.AsArray().Select(m => m!.GetValue<string>()).ToHashSet());
        var posted = await _hs.Client.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/event/{MatrixTestClient.Enc(eventId)}", admin.AccessToken);
        Assert.Equal(("@alerts-bot:localhost", "configured from an empty homeserver"), (posted.Str("sender"), posted.Object["content"]!["body"]!.GetValue<string>()));

        // Nothing secret in the output: the shared secret, the passwords, the bot's token.
        foreach (var secret in new[] { Secret, AdminPassword, BotPassword, "alice-pass-1" })
        {
            Assert.DoesNotContain(secret, first.Stdout + first.Stderr, StringComparison.Ordinal);
        }

        // The same play again: the admin exists (no change), the configuration holds; only the post acts.
        var second = await PlayAsync();
        Assert.Equal(0, second.ExitCode);
        Assert.False(second.Task("first admin")["changed"]!.GetValue<bool>(), second.ToString());
        Assert.False(second.Task("users and a room")["changed"]!.GetValue<bool>(), second.ToString());
        Assert.NotEqual(eventId, second.Task("post")["event_id"]!.GetValue<string>());
    }
}

/// <summary>The same play against the oldest Synapse we support (1.67's behaviour).</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class FromEmptyHomeserverPlaybookTestsOnSynapse167(InstalledCollection collection) : FromEmptyHomeserverPlaybookTests(collection)
{
    protected override Compatibility? Profile => Compatibility.Synapse167;
}
