using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Tests.Support;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests;

/// <summary><c>synapse_admin_api</c> from playbooks: a GET unchanged, a non-GET changed each time, check mode sending
/// only GETs, accepted statuses, tokens in the answer masked, paths refused before any request.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public class SynapseAdminApiPlaybookTests(InstalledCollection collection) : ModulePlaybookTest(collection, "synapse_admin_api", "api")
{
    [Fact]
    public async Task A_get_reads_without_change_and_accepted_statuses_decide_failure()
    {
        var user = (await RunAsync("path: /_synapse/admin/v2/users/@bot:localhost")).Task("api");
        Assert.False(user["changed"]!.GetValue<bool>(), user.ToJsonString());
        Assert.Equal(200, user["status"]!.GetValue<int>());
        Assert.Equal("@bot:localhost", user["json"]!["name"]!.GetValue<string>());

        var listed = (await RunAsync("path: /_synapse/admin/v2/users\nquery: {name: bot, limit: 5, guests: false}")).Task("api");
        Assert.Equal(["@bot:localhost"], listed["json"]!["users"]!.AsArray().Select(u => u!["name"]!.GetValue<string>()));

        var absentAccepted = (await RunAsync("path: /_synapse/admin/v2/users/@nobody:localhost\nstatus_code: [200, 404]")).Task("api");
        Assert.True(absentAccepted["failed"] is null, absentAccepted.ToJsonString());
        Assert.Equal(404, absentAccepted["status"]!.GetValue<int>());
        Assert.Equal("M_NOT_FOUND", absentAccepted["json"]!["errcode"]!.GetValue<string>());

        var absent = (await RunAsync("path: /_synapse/admin/v2/users/@nobody:localhost")).Task("api");
        Assert.True(absent["failed"]!.GetValue<bool>());
        Assert.Equal(404, absent["status"]!.GetValue<int>());
        Assert.Equal("M_NOT_FOUND", absent["errcode"]!.GetValue<string>());

        // A 201 outside the accepted statuses fails naming it (the user was created: the server did it).
        var created = (await RunAsync("method: PUT\npath: /_synapse/admin/v2/users/@erin:localhost\nbody: {password: erin-pass-1}")).Task("api");
        Assert.True(created["failed"]!.GetValue<bool>(), created.ToJsonString());
        Assert.Equal(201, created["status"]!.GetValue<int>());
        Assert.NotNull(await AccountAsync("@erin:localhost"));
    }

    [Fact]
    public async Task A_non_get_is_changed_each_time_its_tokens_are_masked_and_check_mode_sends_nothing()
    {
        var check = await RunAsync("method: POST\npath: /_synapse/admin/v1/users/@bot:localhost/login\nbody: {}", "--check");
        var skipped = check.Task("api");
        Assert.True(skipped["changed"]!.GetValue<bool>(), check.ToString());
        Assert.True(skipped["skipped"]!.GetValue<bool>());
        Assert.Null(skipped["status"]);

        var putCheck = (await RunAsync("method: PUT\npath: /_synapse/admin/v2/users/@frank:localhost\nbody: '{\"password\": \"frank-pass\"}'\nstatus_code: [200, 201]", "--check")).Task("api");
        Assert.True(putCheck["skipped"]?.GetValue<bool>() == true, putCheck.ToJsonString());
        Assert.Null(await AccountAsync("@frank:localhost"));
        var getCheck = (await RunAsync("path: /_synapse/admin/v1/server_version", "--check")).Task("api");
        Assert.Equal(200, getCheck["status"]!.GetValue<int>());

        foreach (var _ in Enumerable.Range(0, 2))
        {
            var run = await RunAsync("method: POST\npath: /_synapse/admin/v1/users/@bot:localhost/login\nbody: {}");
            var login = run.Task("api");
            Assert.True(login["changed"]!.GetValue<bool>(), run.ToString());
            Assert.Equal(200, login["status"]!.GetValue<int>());
            Assert.Equal("********", login["json"]!["access_token"]!.GetValue<string>());
            Assert.DoesNotContain(Admin.AccessToken, run.Stdout, StringComparison.Ordinal);
        }

        var created = (await RunAsync("method: PUT\npath: /_synapse/admin/v2/users/@frank:localhost\nbody: '{\"password\": \"frank-pass\"}'\nstatus_code: [200, 201]")).Task("api");
        Assert.True(created["changed"]!.GetValue<bool>());
        Assert.Equal(201, created["status"]!.GetValue<int>());
        Assert.NotNull(await AccountAsync("@frank:localhost"));
    }

    [Fact]
    public async Task Paths_outside_the_apis_and_bad_bodies_are_refused_before_any_request()
    {
        await FailsAsync("path: /_matrix/federation/v1/version", "path it must start with /_synapse/admin/ or /_matrix/client/");
        await FailsAsync("path: /_synapse/admin/../../_matrix/federation/v1/version", "'.' or '..' segments");
        await FailsAsync("path: /_synapse/admin/%2e%2e/x", "'.' or '..' segments");
        var method = (await RunAsync("method: PATCH\npath: /_synapse/admin/v1/server_version")).Task("api");
        Assert.Contains("value of method must be one of: GET, POST, PUT, DELETE", method["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        await FailsAsync("method: POST\npath: /_synapse/admin/v1/server_version\nbody: '{not json'", "body must be a dict, a list or JSON text");
    }
}

/// <summary>The same <c>synapse_admin_api</c> playbook tests against the oldest Synapse we support (1.67's behaviour).</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class SynapseAdminApiPlaybookTestsOnSynapse167(InstalledCollection collection) : SynapseAdminApiPlaybookTests(collection)
{
    protected override Compatibility? Profile => Compatibility.Synapse167;
}
