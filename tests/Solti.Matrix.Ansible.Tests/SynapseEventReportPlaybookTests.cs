using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Tests.Support;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests;

/// <summary><c>synapse_event_report_info</c> and <c>synapse_event_report</c> from playbooks: reports made over the
/// client-server API, listed with Synapse's filters and pages, read one by one, deleted once (a second run changes
/// nothing; check mode deletes nothing); on Synapse 1.67, which cannot delete them, a clear failure.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public class SynapseEventReportPlaybookTests(InstalledCollection collection) : ModulePlaybookTest(collection, "synapse_event_report_info", "reports")
{
    /// <summary>Two rooms, the bot in both; the bot reports two of the admin's messages in the first room and one in the
    /// second; the admin reports the bot's message in the second. Returns the rooms.</summary>
    private async Task<(string Ops, string Lobby)> ReportedAsync()
    {
        var bot = await Hs.LoginBotAsync();
        var ops = await Hs.Client.CreateRoomAsync(Admin.AccessToken, new JsonObject { ["name"] = "Ops", ["preset"] = "public_chat", ["room_alias_name"] = "ops" });
        var lobby = await Hs.Client.CreateRoomAsync(Admin.AccessToken, new JsonObject { ["name"] = "Lobby", ["preset"] = "public_chat" });
        foreach (var room in new[] { ops, lobby })
        {
            Assert.Equal(200, (await Hs.Client.PostAsync($"/_matrix/client/v3/join/{MatrixTestClient.Enc(room)}", null, bot.AccessToken)).Code);
        }

        async Task<string> SendAsync(string room, string token, string body) =>
            (await Hs.Client.PutAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(room)}/send/m.room.message/{Guid.NewGuid():N}", new JsonObject { ["msgtype"] = "m.text", ["body"] = body }, token)).Str("event_id");

        async Task ReportAsync(string room, string eventId, string token, string reason) =>
            Assert.Equal(200, (await Hs.Client.PostAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(room)}/report/{MatrixTestClient.Enc(eventId)}", new JsonObject { ["reason"] = reason, ["score"] = -100 }, token)).Code);

        await ReportAsync(ops, await SendAsync(ops, Admin.AccessToken, "spam 1"), bot.AccessToken, "first");
        await ReportAsync(ops, await SendAsync(ops, Admin.AccessToken, "spam 2"), bot.AccessToken, "second");
        await ReportAsync(lobby, await SendAsync(lobby, Admin.AccessToken, "spam 3"), bot.AccessToken, "third");
        await ReportAsync(lobby, await SendAsync(lobby, bot.AccessToken, "rude"), Admin.AccessToken, "fourth");
        return (ops, lobby);
    }

    private async Task<int> TotalAsync() =>
        (await Hs.Client.GetAsync("/_synapse/admin/v1/event_reports", Admin.AccessToken)).Object["total"]!.GetValue<int>();

    [Fact]
    public async Task Reports_are_listed_with_the_filters_of_the_admin_api_across_pages()
    {
        var (ops, lobby) = await ReportedAsync();
        var all = (await RunAsync("limit: 100", "--check")).Task("reports");
        Assert.False(all["changed"]!.GetValue<bool>());
        Assert.Equal(4, all["total"]!.GetValue<int>());
        Assert.Equal(["fourth", "third", "second", "first"], all["reports"]!.AsArray().Select(r => r!["reason"]!.GetValue<string>()));
        var first = all["reports"]![3]!;
        Assert.Equal(ops, first["room_id"]!.GetValue<string>());
        Assert.Equal(Hs.BotId, first["user_id"]!.GetValue<string>());
        Assert.Equal(Hs.AdminId, first["sender"]!.GetValue<string>());
        Assert.Equal("Ops", first["name"]!.GetValue<string>());
        Assert.Equal("#ops:localhost", first["canonical_alias"]!.GetValue<string>());
        Assert.Equal(-100, first["score"]!.GetValue<int>());

        var oldestFirst = (await RunAsync("dir: f\nlimit: 2")).Task("reports");
        Assert.Equal(["first", "second"], oldestFirst["reports"]!.AsArray().Select(r => r!["reason"]!.GetValue<string>()));
        Assert.Equal(4, oldestFirst["total"]!.GetValue<int>());

        var inLobby = (await RunAsync($"room_id: \"{lobby}\"")).Task("reports");
        Assert.Equal(["fourth", "third"], inLobby["reports"]!.AsArray().Select(r => r!["reason"]!.GetValue<string>()));
        var byAdmin = (await RunAsync($"user_id: \"{Hs.AdminId}\"")).Task("reports");
        Assert.Equal("fourth", Assert.Single(byAdmin["reports"]!.AsArray())!["reason"]!.GetValue<string>());

        var id = first["id"]!.GetValue<long>();
        var one = (await RunAsync($"report_id: {id}")).Task("reports");
        Assert.Equal("first", one["report"]!["reason"]!.GetValue<string>());
        Assert.Equal("spam 1", one["report"]!["event_json"]!["content"]!["body"]!.GetValue<string>());
        Assert.Equal(1, one["total"]!.GetValue<int>());
        var none = (await RunAsync("report_id: 999")).Task("reports");
        Assert.Null(none["report"]);
        Assert.Equal(0, none["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task Deleting_a_report_happens_once_and_check_mode_deletes_nothing()
    {
        await ReportedAsync();
        var id = (await Hs.Client.GetAsync("/_synapse/admin/v1/event_reports?dir=f", Admin.AccessToken)).Object["event_reports"]![0]!["id"]!.GetValue<long>();
        const string Delete = """
            - name: delete
              jackaltx.solti_matrix_mgr.synapse_event_report:
                report_id: "{{ report_id }}"
                state: absent
            """;
        var idText = id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var checkRun = await new Playbook(Collection, StateHome).RunAsync(Playbook.Play("localhost", Delete, ["homeserver_url: \"{{ hs_url }}\"", "access_token: \"{{ admin_token }}\""]),
            new Dictionary<string, string> { ["hs_url"] = Hs.Server.BaseAddress.ToString(), ["admin_token"] = Admin.AccessToken, ["report_id"] = idText }, true, ["--check", "--diff"]);
        var check = checkRun.Task("delete");
        Assert.True(check["changed"]!.GetValue<bool>(), check.ToJsonString());
        Assert.Equal("first", check["diff"]!["before"]!["report"]!["reason"]!.GetValue<string>());
        Assert.Equal(4, await TotalAsync());

        var deleted = (await AdminPlayAsync(Delete, ("report_id", idText))).Task("delete");
        if (Profile?.DeletesEventReports == false)
        {
            // Synapse 1.67 has no such endpoint: a clear failure, and the report stays.
            Assert.True(deleted["failed"]!.GetValue<bool>(), deleted.ToJsonString());
            Assert.Contains("needs Synapse 1.79 or later", deleted["msg"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Equal("M_UNRECOGNIZED", deleted["errcode"]!.GetValue<string>());
            Assert.Equal(4, await TotalAsync());
            return;
        }

        Assert.True(deleted["changed"]!.GetValue<bool>(), deleted.ToJsonString());
        Assert.Equal(3, await TotalAsync());
        Assert.Equal(404, (await Hs.Client.GetAsync($"/_synapse/admin/v1/event_reports/{id}", Admin.AccessToken)).Code);
        var again = (await AdminPlayAsync(Delete, ("report_id", idText))).Task("delete");
        Assert.False(again["changed"]!.GetValue<bool>(), again.ToJsonString());
        Assert.Null(again["report"]);
    }

    [Fact]
    public async Task Bad_input_fails_clearly()
    {
        await FailsAsync("report_id: -1", "report_id must be a report's id");
        await FailsAsync("report_id: 1\nroom_id: \"!abc:localhost\"", "mutually exclusive");
        await FailsAsync("user_id: alice", "user_id must be");
        await FailsAsync("dir: sideways", "value of dir must be one of: b, f");
        var missing = (await AdminPlayAsync("- name: delete\n  jackaltx.solti_matrix_mgr.synapse_event_report:\n    state: absent\n")).Task("delete");
        Assert.Contains("missing required arguments: report_id", missing["msg"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}

/// <summary>The same event report playbook tests against the oldest Synapse we support (1.67's behaviour).</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class SynapseEventReportPlaybookTestsOnSynapse167(InstalledCollection collection) : SynapseEventReportPlaybookTests(collection)
{
    protected override Compatibility? Profile => Compatibility.Synapse167;
}

/// <summary>The same tests on a homeserver that delegates authentication to MAS: what they manage is Synapse's there too,
/// through the Synapse admin token.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class SynapseEventReportPlaybookTestsOnMas(InstalledCollection collection) : SynapseEventReportPlaybookTests(collection)
{
    protected override bool OnMas => true;
}
