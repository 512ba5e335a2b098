using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Tests.Support;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests;

/// <summary><c>synapse_server_notice</c> from playbooks: to a list, to a pattern (deactivated users skipped), check mode
/// sending nothing, <c>changed</c> on every send, bad input, and a homeserver without server notices.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public class SynapseServerNoticePlaybookTests(InstalledCollection collection) : ModulePlaybookTest(collection, "synapse_server_notice", "notice")
{
    protected override Func<HomeserverOptions, HomeserverOptions>? Configure => o => o with { ServerNotices = new ServerNoticesSettings("notices") };

    /// <summary>The notices a user got, as the homeserver holds them: the messages in the rooms of the notices user the
    /// user is invited to or joined.</summary>
    private Task<List<string>> NoticesAsync(string userId)
    {
        var server = Hs.Server.Server;
        lock (server.State.Sync)
        {
            return Task.FromResult<List<string>>([.. server.State.Data.Rooms.Values
                .Where(r => r.Creator == "@notices:localhost" && server.Authorizer.Membership(r, userId) is "invite" or "join")
                .SelectMany(r => r.Timeline.Select(id => server.State.Data.Events[id]))
                .Where(e => e.Type == "m.room.message" && e.Sender == "@notices:localhost")
                .Select(e => e.Content["body"]!.GetValue<string>())]);
        }
    }

    [Fact]
    public async Task Sends_to_a_list_each_time_and_check_mode_sends_nothing()
    {
        var check = (await RunAsync("user_ids: [\"@bot:localhost\"]\ncontent: Maintenance at 22:00", "--check")).Task("notice");
        Assert.True(check["changed"]!.GetValue<bool>(), check.ToJsonString());
        Assert.Equal(["@bot:localhost"], check["users"]!.AsArray().Select(u => u!.GetValue<string>()));
        Assert.Empty(check["event_ids"]!.AsArray());
        Assert.Empty(await NoticesAsync("@bot:localhost"));

        var sent = await RunAsync("user_ids: [\"@bot:localhost\"]\ncontent: Maintenance at 22:00");
        var first = sent.Task("notice");
        Assert.True(first["changed"]!.GetValue<bool>(), sent.ToString());
        Assert.Single(first["event_ids"]!.AsArray());
        Assert.DoesNotContain(Admin.AccessToken, sent.Stdout, StringComparison.Ordinal);

        var again = (await RunAsync("user_ids: [\"@bot:localhost\"]\ncontent: {msgtype: m.notice, body: Maintenance done}")).Task("notice");
        Assert.True(again["changed"]!.GetValue<bool>(), again.ToJsonString());
        Assert.Equal(["Maintenance at 22:00", "Maintenance done"], await NoticesAsync("@bot:localhost"));
    }

    [Fact]
    public async Task A_pattern_reaches_every_matching_local_user_but_the_deactivated()
    {
        foreach (var name in new[] { "ops-anna", "ops-ben", "dev-cleo" })
        {
            Assert.Equal(201, (await Hs.Client.PutAsync("/_synapse/admin/v2/users/" + MatrixTestClient.Enc($"@{name}:localhost"), new JsonObject { ["password"] = "p-" + name }, Admin.AccessToken)).Code);
        }

        Assert.Equal(200, (await Hs.Client.PostAsync("/_synapse/admin/v1/deactivate/" + MatrixTestClient.Enc("@ops-ben:localhost"), new JsonObject(), Admin.AccessToken)).Code);

        var check = (await RunAsync("user_pattern: \"@ops-*:localhost\"\ncontent: Ops meeting", "--check")).Task("notice");
        Assert.Equal(["@ops-anna:localhost"], check["users"]!.AsArray().Select(u => u!.GetValue<string>()));
        Assert.Equal(1, check["skipped_deactivated"]!.GetValue<int>());
        Assert.Empty(await NoticesAsync("@ops-anna:localhost"));

        var everyone = (await RunAsync("user_pattern: \"@*:localhost\"\ncontent: Hello all")).Task("notice");
        Assert.True(everyone["changed"]!.GetValue<bool>());
        Assert.Equal(["@admin:localhost", "@bot:localhost", "@dev-cleo:localhost", "@ops-anna:localhost"], everyone["users"]!.AsArray().Select(u => u!.GetValue<string>()));
        Assert.Equal(4, everyone["event_ids"]!.AsArray().Count);
        Assert.Equal(["Hello all"], await NoticesAsync("@dev-cleo:localhost"));
        Assert.Empty(await NoticesAsync("@ops-ben:localhost"));
    }

    [Fact]
    public async Task A_failure_names_who_got_it_and_who_did_not()
    {
        var run = await RunAsync("user_ids: [\"@bot:localhost\", \"@ghost:localhost\", \"@admin:localhost\"]\ncontent: Partial");
        var result = run.Task("notice");
        Assert.True(result["failed"]!.GetValue<bool>(), run.ToString());
        Assert.True(result["changed"]!.GetValue<bool>());
        Assert.Equal("M_NOT_FOUND", result["errcode"]!.GetValue<string>());
        Assert.Equal(["@bot:localhost"], result["users"]!.AsArray().Select(u => u!.GetValue<string>()));
        Assert.Single(result["event_ids"]!.AsArray());
        Assert.Equal(["@ghost:localhost", "@admin:localhost"], result["remaining"]!.AsArray().Select(u => u!.GetValue<string>()));
        Assert.Contains("rerun with user_ids set to remaining", result["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(["Partial"], await NoticesAsync("@bot:localhost"));
    }

    [Fact]
    public async Task Bad_input_fails_clearly()
    {
        await FailsAsync("user_ids: [\"@bot:localhost\"]\nuser_pattern: \"@*:localhost\"\ncontent: x", "mutually exclusive: user_ids|user_pattern");
        await FailsAsync("content: x", "one of the following is required: user_ids, user_pattern");
        await FailsAsync("user_ids: [bot]\ncontent: x", "user_ids[0]");
        await FailsAsync("user_ids: [\"@bot:localhost\"]\ncontent: {}", "content must be an m.room.message content");
        await FailsAsync("user_pattern: \"*\"\ncontent: x", "user_pattern must be a glob on the full user id");
        Assert.Empty(await NoticesAsync("@bot:localhost"));
    }
}

/// <summary>The same <c>synapse_server_notice</c> playbook tests against the oldest Synapse we support (1.67's behaviour).</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class SynapseServerNoticePlaybookTestsOnSynapse167(InstalledCollection collection) : SynapseServerNoticePlaybookTests(collection)
{
    protected override Compatibility? Profile => Compatibility.Synapse167;
}

/// <summary>A homeserver without <c>server_notices</c>: the module says they are not enabled and how to enable them.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class SynapseServerNoticeNotConfiguredPlaybookTests(InstalledCollection collection) : ModulePlaybookTest(collection, "synapse_server_notice", "notice")
{
    [Fact]
    public async Task It_says_server_notices_are_not_enabled()
    {
        var result = (await RunAsync("user_ids: [\"@bot:localhost\"]\ncontent: x")).Task("notice");
        Assert.True(result["failed"]!.GetValue<bool>(), result.ToJsonString());
        Assert.False(result["changed"]!.GetValue<bool>());
        Assert.Contains("server notices are not enabled on this homeserver: set server_notices.system_mxid_localpart", result["msg"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}

/// <summary>The same tests on a homeserver that delegates authentication to MAS: what they manage is Synapse's there too,
/// through the Synapse admin token.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class SynapseServerNoticePlaybookTestsOnMas(InstalledCollection collection) : SynapseServerNoticePlaybookTests(collection)
{
    protected override bool OnMas => true;
}
