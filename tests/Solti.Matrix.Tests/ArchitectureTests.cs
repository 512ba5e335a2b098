using System.Text.RegularExpressions;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Tests;

/// <summary>docs/architecture.md stays true: every file its map names as "the one place" exists, and the second copies
/// that were folded into those places do not come back.</summary>
[Trait("tier", "unit")]
public sealed partial class ArchitectureTests
{
    private static string Root => Repository.Root;

    [Fact]
    public void Every_file_the_map_names_exists()
    {
        var map = File.ReadAllText(Path.Combine(Root, "docs", "architecture.md"));
        var named = RepoPath().Matches(map).Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal).ToList();

        Assert.True(named.Count > 30, $"the map names only {named.Count} files");
        var missing = named.Where(path => !File.Exists(Path.Combine(Root, path)) && !Directory.Exists(Path.Combine(Root, path))).ToList();
        Assert.True(missing.Count == 0, "docs/architecture.md names files that do not exist: " + string.Join(", ", missing));
    }

    /// <summary>A rule's pattern, the files (or folders, ending in <c>/</c>) where it may appear (its one place), and what it is.</summary>
    public static TheoryData<string, string[], string> OnePlace => new()
    {
        { @"Status (==|is) 40[45]\b", ["src/Solti.Matrix/Errors/FailureClassification.cs", "src/Solti.Matrix/Mas/MasFailures.cs"], "a status-code test for 'absent' or 'not served'" },
        { @"FileMode\.CreateNew", ["src/Solti.Matrix/Storage/PrivateFile.cs"], "an atomic private write" },
        { @"new MatrixClientOptions\(", ["src/Solti.Matrix/ClientSettings.cs", "src/Solti.Matrix/MatrixClientOptions.cs"], "settings turned into a client (ForService: the same knobs for MAS's admin API)" },
        { @"Backoff\.Ticks \* 2", [], "a backoff of its own beside RetryRule" },
        { @"""private_chat"", ""public_chat""", ["src/Solti.Matrix/Config/ManagedRoomState.cs"], "the values of a room setting" },
        { @"\b(MasAdminClient|MasAsync|RoutedAsync)\b", ["src/Solti.Matrix/Mas/", "src/Solti.Matrix/Accounts/MasAccounts.cs", "src/Solti.Matrix/Accounts/MasAccounts.Tokens.cs", "src/Solti.Matrix/Admin/SynapseAdminClient.cs"], "a branch on MAS outside the account authority (ask IAccountAuthority)" },
        { @"IsDelegated\b", ["src/Solti.Matrix/Discovery/", "src/Solti.Matrix/Sessions/MatrixSession.cs", "src/Solti.Matrix/Admin/SynapseAdminClient.cs", "src/Solti.Matrix/Accounts/SynapseAccounts.cs", "src/Solti.Matrix/Accounts/SharedSecretRegistration.cs"], "a decision on delegation outside discovery, the login's explanation and the account authority" },
        { @"""mas-client:", [], "MAS's grant kept as a session of a made-up user (it is a StoredGrant, Sessions/StoredGrant.cs)" },
        { @"DeviceSeries\.Id\(|MoveDeviceAsync\(", ["src/Solti.Matrix/Encryption/OwnDevice.cs", "src/Solti.Matrix/Sessions/DeviceSeries.cs", "src/Solti.Matrix/Sessions/MatrixSession.cs"], "a choice of the bot's next device outside Encryption/OwnDevice.cs" },
    };

    [Theory]
    [MemberData(nameof(OnePlace))]
    public void A_folded_rule_has_no_second_copy_in_the_library_and_its_users(string pattern, string[] allowed, string what)
    {
        var regex = new Regex(pattern, RegexOptions.CultureInvariant);
        var found = Directory.EnumerateFiles(Path.Combine(Root, "src"), "*.cs", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(Root, path))
            .Where(path => !path.StartsWith("src/Solti.Matrix.Homeserver/", StringComparison.Ordinal) && !path.Contains("/obj/", StringComparison.Ordinal) && !path.Contains("/bin/", StringComparison.Ordinal))
            .Where(path => regex.IsMatch(File.ReadAllText(Path.Combine(Root, path))))
            .Where(path => !allowed.Any(place => place.EndsWith('/') ? path.StartsWith(place, StringComparison.Ordinal) : path == place))
            .ToList();

        Assert.True(found.Count == 0, $"{what} outside its one place: {string.Join(", ", found)}");
    }

    [GeneratedRegex(@"`((?:src|tests|docs|collection)/[A-Za-z0-9_./-]+)`")]
    private static partial Regex RepoPath();
}
