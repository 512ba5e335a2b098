using System.Text.Json.Nodes;
using Solti.Matrix.Discovery;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Tests.Support;

namespace Solti.Matrix.Tests;

/// <summary>The library finds out, once per client and without a token, whether the homeserver delegates
/// authentication to MAS, and <c>solti-matrix info</c> reports it (<c>auth</c>, <c>mas_issuer</c>).</summary>
public sealed class MasDetectionTests
{
    [Fact]
    public async Task A_homeserver_that_signs_its_users_in_itself_is_synapse_asked_once_per_client()
    {
        await using var h = await LibraryHarness.StartAsync();
        using var client = h.Bot();
        await h.ResetCountersAsync();

        var first = await client.AuthenticationAsync();
        var again = await client.AuthenticationAsync();

        Assert.Equal(new HomeserverAuthentication(HomeserverAuthentication.Synapse, null, null), first);
        Assert.Same(first, again);
        Assert.Equal(2, await h.CounterAsync("auth_metadata")); // the stable and the unstable path, once each
        var info = await InfoAsync(h);
        Assert.Equal(("synapse", null), (info["auth"]!.GetValue<string>(), info["mas_issuer"]?.GetValue<string>()));
    }

    [Fact]
    public async Task A_homeserver_that_delegates_to_MAS_is_mas_with_its_issuer_from_the_stable_path()
    {
        await using var h = await LibraryHarness.StartAsync(o => o with { AuthenticationService = new DelegatedAuthentication(new Uri("https://account.example.com/")) });
        using var client = h.Bot();
        await h.ResetCountersAsync();

        var found = await client.AuthenticationAsync();

        Assert.True(found.IsDelegated);
        Assert.Equal(("mas", "https://account.example.com/", "https://account.example.com/account/"), (found.Kind, found.Issuer, found.AccountManagementUri));
        Assert.Equal(1, await h.CounterAsync("auth_metadata"));
        var info = await InfoAsync(h);
        Assert.Equal(("mas", "https://account.example.com/"), (info["auth"]!.GetValue<string>(), info["mas_issuer"]!.GetValue<string>()));
    }

    private static async Task<JsonNode> InfoAsync(LibraryHarness h)
    {
        var run = await CliRunner.RunAsync(["info", "--output", "json", "--no-cache"], h.CliEnvironment(h.Admin.AccessToken));
        Assert.True(run.ExitCode == 0, run.ToString());
        return JsonNode.Parse(run.Stdout)!;
    }
}
