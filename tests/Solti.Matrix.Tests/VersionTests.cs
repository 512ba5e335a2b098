using System.Text.RegularExpressions;
using Solti.Matrix.Testing;
using Solti.Matrix.Tests.Support;

namespace Solti.Matrix.Tests;

/// <summary>One version everywhere: collection/galaxy.yml's is the CLI's <c>--version</c>, the library's and the
/// <c>User-Agent</c> the homeserver sees.</summary>
[Trait("tier", "integration")]
public sealed partial class VersionTests
{
    private static readonly string Galaxy = GalaxyVersion().Match(File.ReadAllText(Path.Combine(Repository.Root, "collection", "galaxy.yml"))).Groups[1].Value;

    [Fact]
    public async Task The_cli_the_library_and_the_user_agent_carry_galaxy_ymls_version()
    {
        Assert.Matches(@"^\d+\.\d+\.\d+", Galaxy);
        Assert.Equal(Galaxy, ProductVersion.Current);

        var version = await CliRunner.RunAsync(["--version"]);
        Assert.True(version.ExitCode == 0, version.ToString());
        Assert.Matches($"^{Regex.Escape(Galaxy)}(\\+[0-9a-f]+)?$", version.Stdout.Trim());

        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("AGENT");
        var whoami = await CliRunner.RunAsync(["whoami", "--no-cache"], h.CliEnvironment(bot.AccessToken));
        Assert.True(whoami.ExitCode == 0, whoami.ToString());
        var device = await h.Raw.GetAsync($"/_synapse/admin/v2/users/{MatrixTestClient.Enc(h.Hs.BotId)}/devices/AGENT", h.Admin.AccessToken);
        Assert.True(device.Code == 200, device.ToString());
        Assert.Equal($"solti-matrix/{Galaxy}", device.Object["last_seen_user_agent"]!.GetValue<string>());
    }

    [GeneratedRegex(@"(?m)^version:\s*(\S+)")]
    private static partial Regex GalaxyVersion();
}
