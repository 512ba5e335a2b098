using System.Text.Json.Nodes;
using Solti.Matrix.Homeserver.Tests.Support;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

/// <summary>The MAS admin API's user registration tokens (docs/design/mas-facts.md §3.8).</summary>
[Trait("tier", "integration")]
public sealed class MasRegistrationTokenTests
{
    [Fact]
    public async Task Tokens_are_created_updated_revoked_and_filtered()
    {
        var time = new ManualTime();
        await using var hs = await TestHomeserver.StartAsync(o => o with { AuthenticationService = TestHomeserver.Mas() }, time);
        var api = await MasApi.ConnectAsync(hs);
        var random = await api.PostAsync("/user-registration-tokens", new JsonObject());
        Assert.Equal((201, "user-registration_token"), (random.Code, random.Object["data"]!["type"]!.GetValue<string>()));
        Assert.False(string.IsNullOrEmpty(MasApi.Attributes(random)["token"]!.GetValue<string>()));
        Assert.Equal((true, null, 0), (MasApi.Attributes(random)["valid"]!.GetValue<bool>(), MasApi.Attributes(random)["usage_limit"], MasApi.Attributes(random)["times_used"]!.GetValue<int>()));

        var expiry = time.GetUtcNow().AddHours(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var named = await api.PostAsync("/user-registration-tokens", new JsonObject { ["token"] = "onboarding", ["usage_limit"] = 5, ["expires_at"] = expiry });
        var id = MasApi.Id(named);
        Assert.Equal(("onboarding", 5, expiry), (MasApi.Attributes(named)["token"]!.GetValue<string>(), MasApi.Attributes(named)["usage_limit"]!.GetValue<int>(), MasApi.Attributes(named)["expires_at"]!.GetValue<string>()));

        var cleared = await api.PutAsync($"/user-registration-tokens/{id}", new JsonObject { ["usage_limit"] = null });
        Assert.Equal((null, expiry), (MasApi.Attributes(cleared)["usage_limit"], MasApi.Attributes(cleared)["expires_at"]!.GetValue<string>()));

        time.Advance(TimeSpan.FromHours(2));
        api = await MasApi.ConnectAsync(hs); // the admin token expired too (300 s)
        Assert.Equal(["onboarding"], Tokens(await api.GetAsync("/user-registration-tokens?filter[expired]=true")));
        Assert.False(MasApi.Attributes(await api.GetAsync($"/user-registration-tokens/{id}"))["valid"]!.GetValue<bool>());

        var revoked = await api.PostAsync($"/user-registration-tokens/{MasApi.Id(random)}/revoke");
        Assert.NotNull(MasApi.Attributes(revoked)["revoked_at"]);
        var twice = await api.PostAsync($"/user-registration-tokens/{MasApi.Id(random)}/revoke");
        Assert.Equal((400, $"Registration token with ID {MasApi.Id(random)} is already revoked"), (twice.Code, MasApi.Title(twice)));
        Assert.Equal(2, (await api.GetAsync("/user-registration-tokens?filter[valid]=false")).Object["meta"]!["count"]!.GetValue<int>());
        Assert.Equal(200, (await api.PostAsync($"/user-registration-tokens/{MasApi.Id(random)}/unrevoke")).Code);
        var notRevoked = await api.PostAsync($"/user-registration-tokens/{id}/unrevoke");
        Assert.Equal((400, $"Registration token with ID {id} is not revoked"), (notRevoked.Code, MasApi.Title(notRevoked)));
        Assert.Equal(404, (await api.GetAsync("/user-registration-tokens/01J5N0B0DY0000000000000000")).Code);
    }

    private static List<string> Tokens(ClientResponse page) => page.Code != 200 ? throw new InvalidOperationException(page.ToString()) : [.. page.Object["data"]!.AsArray().Select(d => d!["attributes"]!["token"]!.GetValue<string>())];
}
