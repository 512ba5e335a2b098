using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Tests.Support;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests;

/// <summary>Malformed ids from playbooks, through the installed collection and against a live homeserver: each task fails
/// naming its parameter and why, and none of them reaches the server (no "not found" for an id that cannot exist, no
/// event posted with an empty type).</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class MalformedIdPlaybookTests(InstalledCollection collection) : ModulePlaybookTest(collection, "synapse_user_info", "unused")
{
    private static readonly string LongLocalpart = new('a', 300);

    [Fact]
    public async Task Every_malformed_id_is_refused_before_any_request()
    {
        var bot = await Hs.LoginBotAsync("IDS");
        var roomId = await Hs.Client.CreateRoomAsync(bot.AccessToken, new JsonObject { ["room_alias_name"] = "ids" });
        var cases = new (string Name, string Module, string Options, string Expected)[]
        {
            ("empty localpart", "synapse_user_info", "user_id: \"@:localhost\"", "user_id must be a full Matrix user id such as @bot:example.com: the local part is empty"),
            ("space in localpart", "synapse_user_info", "user_id: \"@bo b:localhost\"", "user_id must be a full Matrix user id such as @bot:example.com: the local part has a space"),
            ("300-character localpart", "synapse_user_info", $"user_id: \"@{LongLocalpart}:localhost\"", "more than the 255 a Matrix identifier may have"),
            ("space in server", "synapse_room_info", "room_id: \"!abc:local host\"", "room_id must be a room id such as !abc:example.com: the server name 'local host' is not"),
            ("empty event type", "matrix_event", $"room_id: \"{roomId}\"\ncontent: {{ body: x }}\nevent_type: \"\"", "event_type must be an event type such as m.room.message: it is empty"),
        };
        var tasks = string.Join("\n", cases.Select(c => $$$"""
                - name: {{{c.Name}}}
                  jackaltx.solti_matrix_mgr.{{{c.Module}}}:
                    homeserver_url: "{{ hs_url }}"
                    access_token: "{{ {{{(c.Module == "matrix_event" ? "bot_token" : "admin_token")}}} }}"
            {{{string.Join("\n", c.Options.Split('\n').Select(l => "        " + l))}}}
                  ignore_errors: true
            """));
        await Hs.Client.DeleteAsync("/_solti/testing/v1/counters", Admin.AccessToken);

        var run = await new Playbook(Collection, StateHome).RunAsync($"""
            - hosts: localhost
              gather_facts: false
              tasks:
            {tasks}
            """, new Dictionary<string, string>
        {
            ["hs_url"] = Hs.Server.BaseAddress.ToString(),
            ["admin_token"] = Admin.AccessToken,
            ["bot_token"] = bot.AccessToken,
        });

        Assert.True(run.ExitCode == 0, run.ToString());
        foreach (var (name, _, _, expected) in cases)
        {
            var result = run.Task(name);
            Assert.True(result["failed"]?.GetValue<bool>() == true, $"{name}: {result.ToJsonString()}");
            Assert.Contains(expected, result["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        var counters = (await Hs.Client.GetAsync("/_solti/testing/v1/counters", Admin.AccessToken)).Object;
        Assert.Equal(0, counters["writes"]!.GetValue<long>());
        Assert.Null(counters["counters"]!["admin.users.get"]);
        Assert.Null(counters["counters"]!["admin.rooms.get"]);
        Assert.Null(counters["counters"]!["rooms.send"]);
    }
}
