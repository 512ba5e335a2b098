using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Tests.Support;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests;

/// <summary>The admin's own rate limit (room creation and state events count against <c>rc_message</c>) is waited out.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class MatrixConfigRateLimitTests(InstalledCollection collection) : ModulePlaybookTest(collection, "matrix_config", "config")
{
    protected override Func<Homeserver.Configuration.HomeserverOptions, Homeserver.Configuration.HomeserverOptions>? Configure =>
        o => o with { RateLimits = Homeserver.Configuration.RateLimits.None with { Message = new(4, 2) } };

    [Fact]
    public async Task Room_creation_beyond_the_burst_is_waited_out_not_failed()
    {
        var rooms = string.Join('\n', Enumerable.Range(1, 6).Select(i => $"  - {{alias: r{i}, name: Room {i}, topic: t{i}}}"));
        var run = (await RunAsync("domain: localhost\nrooms:\n" + rooms)).Task("config");
        Assert.False(run["failed"]?.GetValue<bool>() ?? false, run.ToJsonString());
        Assert.Equal(6, run["summary"]!["rooms_created"]!.GetValue<int>());
        var counters = (await Hs.Client.GetAsync("/_solti/testing/v1/counters", Admin.AccessToken)).Object["counters"]!;
        Assert.True(counters["createRoom"]!.GetValue<long>() > 6, "the burst of 2 should have produced 429s: " + counters.ToJsonString());
        for (var i = 1; i <= 6; i++)
        {
            Assert.Equal(200, (await Hs.Client.GetAsync("/_matrix/client/v3/directory/room/" + MatrixTestClient.Enc($"#r{i}:localhost"))).Code);
        }
    }
}
