using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Tests.Support;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests;

/// <summary><c>synapse_device_info</c> from playbooks: filters, protected devices, check mode, bulk revocation.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public class SynapseDeviceInfoPlaybookTests(InstalledCollection collection) : ModulePlaybookTest(collection, "synapse_device_info", "devices")
{
    protected override string AdminDevice => "ADMINSELF";

    private string DevicesPath(string userId) => $"/_synapse/admin/v2/users/{MatrixTestClient.Enc(userId)}/devices";

    private async Task<List<string>> DeviceIdsAsync(string userId) =>
        [.. (await Hs.Client.GetAsync(DevicesPath(userId), Admin.AccessToken)).Object["devices"]!.AsArray().Select(d => d!["device_id"]!.GetValue<string>()).Order(StringComparer.Ordinal)];

    /// <summary>Logs a device in and uses it once with the given user agent, so it has been "seen".</summary>
    private async Task SeenDeviceAsync(string user, string password, string deviceId, string userAgent)
    {
        var session = await Hs.Client.LoginAsync(user, password, deviceId);
        using var http = new HttpClient { BaseAddress = Hs.Server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/_matrix/client/v3/account/whoami");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", session.AccessToken);
        request.Headers.UserAgent.ParseAdd(userAgent);
        Assert.True((await http.SendAsync(request)).IsSuccessStatusCode);
    }

    private async Task NeverSeenDeviceAsync(string userId, string deviceId) =>
        Assert.Equal(201, (await Hs.Client.PostAsync(DevicesPath(userId), new JsonObject { ["device_id"] = deviceId }, Admin.AccessToken)).Code);

    private static List<string> Ids(JsonObject result, string key) =>
        [.. result[key]!.AsArray().Select(d => d is JsonObject o ? o["device_id"]!.GetValue<string>() : d!.GetValue<string>()).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task Revokes_exactly_the_devices_the_user_agent_filter_matches()
    {
        await SeenDeviceAsync("bot", TestHomeserver.BotPassword, "HTTPGET1", "ansible-httpget/2.14");
        await SeenDeviceAsync("bot", TestHomeserver.BotPassword, "HTTPGET2", "Ansible-HttpGet/2.15");
        await SeenDeviceAsync("bot", TestHomeserver.BotPassword, "ELEMENT", "Element/1.11");

        var audit = await RunAsync($"user_id: \"{Hs.BotId}\"\nuser_agent_filter: ansible-httpget");
        var result = audit.Task("devices");
        Assert.True(audit.ExitCode == 0, audit.ToString());
        Assert.False(result["changed"]!.GetValue<bool>());
        Assert.Equal(3, result["total_devices"]!.GetValue<int>());
        Assert.Equal(["HTTPGET1", "HTTPGET2"], Ids(result, "matched_devices"));
        Assert.Empty(Ids(result, "revoked_devices"));

        var revoke = (await RunAsync($"user_id: \"{Hs.BotId}\"\nuser_agent_filter: ansible-httpget\nrevoke_matched: true", "--diff")).Task("devices");
        Assert.True(revoke["changed"]!.GetValue<bool>());
        Assert.Equal(["HTTPGET1", "HTTPGET2"], Ids(revoke, "revoked_devices"));
        Assert.Equal(["ELEMENT"], revoke["diff"]!["after"]!["devices"]!.AsArray().Select(d => d!.GetValue<string>()));
        Assert.Equal(["ELEMENT"], await DeviceIdsAsync(Hs.BotId));

        var again = (await RunAsync($"user_id: \"{Hs.BotId}\"\nuser_agent_filter: ansible-httpget\nrevoke_matched: true")).Task("devices");
        Assert.False(again["changed"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Older_than_days_0_means_never_seen_and_check_mode_revokes_nothing()
    {
        await NeverSeenDeviceAsync(Hs.BotId, "STALE1");
        await NeverSeenDeviceAsync(Hs.BotId, "STALE2");
        await SeenDeviceAsync("bot", TestHomeserver.BotPassword, "ACTIVE", "solti/1");

        var check = (await RunAsync($"user_id: \"{Hs.BotId}\"\nolder_than_days: 0\nrevoke_matched: true", "--check")).Task("devices");
        Assert.True(check["changed"]!.GetValue<bool>());
        Assert.Equal(["STALE1", "STALE2"], Ids(check, "revoked_devices"));
        Assert.Equal(["ACTIVE", "STALE1", "STALE2"], await DeviceIdsAsync(Hs.BotId));

        var real = (await RunAsync($"user_id: \"{Hs.BotId}\"\nolder_than_days: 0\nrevoke_matched: true")).Task("devices");
        Assert.Equal(["STALE1", "STALE2"], Ids(real, "revoked_devices"));
        Assert.Equal(["ACTIVE"], await DeviceIdsAsync(Hs.BotId));

        var older = (await RunAsync($"user_id: \"{Hs.BotId}\"\nolder_than_days: 30")).Task("devices");
        Assert.Equal(0, older["matched_count"]!.GetValue<int>());
    }

    [Fact]
    public async Task The_modules_own_device_and_the_latest_ones_are_never_revoked()
    {
        // The module's admin session is device ADMINSELF; its own requests make it "seen" with the module's user agent.
        await SeenDeviceAsync("admin", TestHomeserver.AdminPassword, "ADMINOLD", "solti-matrix-ansible/0.0");
        var own = (await RunAsync($"user_id: \"{Hs.AdminId}\"\nuser_agent_filter: solti-matrix-ansible\nrevoke_matched: true")).Task("devices");
        Assert.Equal(["ADMINOLD", "ADMINSELF"], Ids(own, "matched_devices"));
        Assert.Equal(["ADMINSELF"], Ids(own, "protected_devices"));
        Assert.Equal(["ADMINOLD"], Ids(own, "revoked_devices"));
        Assert.Equal(["ADMINSELF"], await DeviceIdsAsync(Hs.AdminId));
        Assert.Equal(200, (await Hs.Client.GetAsync("/_matrix/client/v3/account/whoami", Admin.AccessToken)).Code);

        foreach (var id in new[] { "B1", "B2", "B3" })
        {
            await SeenDeviceAsync("bot", TestHomeserver.BotPassword, id, "bot/1");
            await Task.Delay(5);
        }

        var latest = (await RunAsync($"user_id: \"{Hs.BotId}\"\nkeep_latest: 2\nuser_agent_filter: bot\nrevoke_matched: true")).Task("devices");
        Assert.Equal(["B2", "B3"], Ids(latest, "protected_devices"));
        Assert.Equal(["B2", "B3"], await DeviceIdsAsync(Hs.BotId));
    }

    [Fact]
    public async Task Revoking_1000_devices_takes_one_bulk_request()
    {
        for (var i = 0; i < 1000; i++)
        {
            await NeverSeenDeviceAsync(Hs.BotId, $"SPRAWL{i:D4}");
        }

        await Hs.Client.DeleteAsync("/_solti/testing/v1/counters", Admin.AccessToken);
        var result = (await RunAsync($"user_id: \"{Hs.BotId}\"\nolder_than_days: 0\nrevoke_matched: true")).Task("devices");

        Assert.Equal(1000, result["revoked_devices"]!.AsArray().Count);
        Assert.Empty(await DeviceIdsAsync(Hs.BotId));
        var counters = (await Hs.Client.GetAsync("/_solti/testing/v1/counters", Admin.AccessToken)).Object["counters"]!;
        long Requests(bool mas) => counters.AsObject().Where(p => p.Key is not ("control.counters" or "admin.devices.list") && p.Key.StartsWith("mas.", StringComparison.Ordinal) == mas).Sum(p => p.Value!.GetValue<long>());
        Assert.Equal(1, counters["admin.devices.delete_many"]!.GetValue<long>());
        Assert.Null(counters["admin.devices.delete"]);
        Assert.InRange(Requests(mas: false), 1, 5);

        // On MAS, whatever the number of devices (none has a MAS session): the grant, then the account, its compatibility
        // sessions and its personal sessions, once each.
        Assert.InRange(Requests(mas: true), 0, OnMas ? 4 : 0);
    }

    [Fact]
    public async Task Bad_input_fails_clearly_and_no_token_is_returned()
    {
        var run = await RunAsync("user_id: bot");
        var result = run.Task("devices");
        Assert.True(result["failed"]!.GetValue<bool>());
        Assert.Contains("user_id must be a full Matrix user id", result["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain(Admin.AccessToken, run.Stdout, StringComparison.Ordinal);

        await FailsAsync($"user_id: \"{Hs.BotId}\"\nkeep_latest: -1", "keep_latest must be zero or more");
    }
}

/// <summary>The same <c>synapse_device_info</c> playbook tests against the oldest Synapse we support (1.67's behaviour).</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class SynapseDeviceInfoPlaybookTestsOnSynapse167(InstalledCollection collection) : SynapseDeviceInfoPlaybookTests(collection)
{
    protected override Compatibility? Profile => Compatibility.Synapse167;
}

/// <summary>The same <c>synapse_device_info</c> playbook tests on a homeserver that delegates authentication to MAS, given
/// MAS's admin client: a matched device's MAS session is ended (a password login's compatibility session finished).</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class SynapseDeviceInfoPlaybookTestsOnMas(InstalledCollection collection) : SynapseDeviceInfoPlaybookTests(collection)
{
    protected override bool OnMas => true;
}
