using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

/// <summary>Unknown endpoints, wrong methods and the headers every answer carries.</summary>
[Trait("tier", "integration")]
public sealed class ErrorBodyTests
{
    [Fact]
    public async Task Unknown_paths_and_wrong_methods_are_M_UNRECOGNIZED()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var unknown = await hs.Client.GetAsync("/_matrix/client/v3/no/such/thing");
        Assert.Equal(404, unknown.Code);
        Assert.Equal("{\"errcode\":\"M_UNRECOGNIZED\",\"error\":\"Unrecognized request\"}", unknown.Text);
        var wrongMethod = await hs.Client.DeleteAsync("/_matrix/client/v3/login");
        Assert.Equal((405, "M_UNRECOGNIZED"), (wrongMethod.Code, wrongMethod.Errcode));
        var adminUnknown = await hs.Client.GetAsync("/_synapse/admin/v9/whatever");
        Assert.Equal((404, "M_UNRECOGNIZED"), (adminUnknown.Code, adminUnknown.Errcode));
    }

    [Fact]
    public async Task Answers_carry_Synapse_headers_and_JSON()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var versions = await hs.Client.GetAsync("/_matrix/client/versions");
        Assert.Equal("application/json", versions.ContentType);
        Assert.Contains("no-store", versions.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
        Assert.StartsWith("Synapse/", string.Join(' ', versions.Headers.Server.Select(s => s.ToString())), StringComparison.Ordinal);
        Assert.Equal("*", versions.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var error = await hs.Client.GetAsync("/_matrix/client/v3/account/whoami");
        Assert.Equal("application/json", error.ContentType);
        Assert.StartsWith("Synapse/", string.Join(' ', error.Headers.Server.Select(s => s.ToString())), StringComparison.Ordinal);
    }
}
