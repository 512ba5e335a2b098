using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Solti.Matrix.Testing;
using Solti.Matrix.Tests.Support;

namespace Solti.Matrix.Tests;

/// <summary>The library as the NuGet package <c>Solti.Matrix</c> that <c>./build.sh nuget</c> packs: what the package
/// carries (README, license, XML docs, version, dependencies, symbols), and a fresh console project that takes it from a
/// local feed, publishes as Native AOT without a trim or AOT warning from the library, and sends an event with it to the
/// repo's homeserver. The package folder comes from <c>SOLTI_NUGET_DIR</c>, which <c>./build.sh test</c> sets.</summary>
[Trait("tier", "package")]
public sealed partial class NuGetPackageTests
{
    private const string Id = "Solti.Matrix";

    /// <summary>The folder that holds the .nupkg and the .snupkg.</summary>
    private static string PackageDirectory =>
        Environment.GetEnvironmentVariable("SOLTI_NUGET_DIR") is { Length: > 0 } dir
            ? dir
            : throw new InvalidOperationException("SOLTI_NUGET_DIR is not set: run these tests through ./build.sh test, which packs the library " +
                "into artifacts/nuget and sets it, or run ./build.sh nuget DIR and then SOLTI_NUGET_DIR=DIR dotnet test ...");

    /// <summary>The project's one version, as Directory.Build.props takes it from collection/galaxy.yml.</summary>
    private static string Version => GalaxyField("version");

    private static string GalaxyField(string name) =>
        Regex.Match(File.ReadAllText(Path.Combine(Repository.Root, "collection", "galaxy.yml")), $@"(?m)^{name}:\s*(\S+)").Groups[1].Value;

    private static string Nupkg => Existing(Path.Combine(PackageDirectory, $"{Id}.{Version}.nupkg"));

    private static string Snupkg => Existing(Path.Combine(PackageDirectory, $"{Id}.{Version}.snupkg"));

    private static string Existing(string path) =>
        File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: ./build.sh nuget {PackageDirectory} writes it", path);

    [Fact]
    public void The_package_carries_the_readme_the_license_the_docs_the_version_and_the_dependencies()
    {
        using var package = ZipFile.OpenRead(Nupkg);
        var nuspec = XDocument.Load(Entry(package, $"{Id}.nuspec").Open());
        var ns = nuspec.Root!.Name.Namespace;
        var metadata = nuspec.Root.Element(ns + "metadata")!;
        string Field(string name) => metadata.Element(ns + name)?.Value ?? "";

        Assert.Equal(Id, Field("id"));
        Assert.Equal(Version, Field("version"));
        var license = metadata.Element(ns + "license")!;
        Assert.Equal(("expression", "MIT"), (license.Attribute("type")?.Value, license.Value));
        Assert.All(new[] { "authors", "description", "tags" }, name => Assert.False(string.IsNullOrWhiteSpace(Field(name)), $"the nuspec has no {name}"));
        var repository = GalaxyField("repository");
        Assert.Equal(repository, metadata.Element(ns + "repository")?.Attribute("url")?.Value);
        Assert.Equal(repository, Field("projectUrl"));

        // The README is the library's own, at the root, and named by the nuspec.
        Assert.Equal("README.md", Field("readme"));
        using (var readme = new StreamReader(Entry(package, "README.md").Open()))
        {
            Assert.Equal(File.ReadAllText(Path.Combine(Repository.Root, "src", Id, "README.md")), readme.ReadToEnd());
        }

        // The dependencies are the library's package references, with their versions.
        var references = XDocument.Load(Path.Combine(Repository.Root, "src", Id, $"{Id}.csproj")).Descendants("PackageReference")
            .Select(r => (r.Attribute("Include")!.Value, r.Attribute("Version")!.Value)).Order().ToList();
        var group = Assert.Single(metadata.Element(ns + "dependencies")!.Elements(ns + "group"));
        Assert.Equal("net10.0", group.Attribute("targetFramework")?.Value);
        Assert.Equal(references, group.Elements(ns + "dependency").Select(d => (d.Attribute("id")!.Value, d.Attribute("version")!.Value)).Order().ToList());

        // The XML docs ship beside the assembly and document every public type (the build makes CS1591 an error; this
        // checks the file that ships).
        Entry(package, $"lib/net10.0/{Id}.dll");
        var docs = XDocument.Load(Entry(package, $"lib/net10.0/{Id}.xml").Open());
        Assert.Equal(Id, docs.Root!.Element("assembly")?.Element("name")?.Value);
        var documented = docs.Root.Element("members")!.Elements("member").Select(m => m.Attribute("name")!.Value).ToHashSet(StringComparer.Ordinal);
        var undocumented = typeof(MatrixClient).Assembly.GetExportedTypes().Select(t => "T:" + t.FullName!.Replace('+', '.')).Where(name => !documented.Contains(name)).ToList();
        Assert.True(undocumented.Count == 0, "public types without docs in the package: " + string.Join(", ", undocumented));
        Assert.Contains(documented, name => name.StartsWith("M:Solti.Matrix.MatrixClient.SendEventAsync(", StringComparison.Ordinal));

        // The symbols package holds the portable pdb.
        using var symbols = ZipFile.OpenRead(Snupkg);
        using var pdb = Entry(symbols, $"lib/net10.0/{Id}.pdb").Open();
        var magic = new byte[4];
        pdb.ReadExactly(magic);
        Assert.Equal("BSJB"u8.ToArray(), magic);
    }

    [Fact]
    public async Task A_native_aot_console_app_takes_the_package_from_a_local_feed_and_sends_an_event()
    {
        using var work = new TempDirectory("solti-nuget-consumer-");
        var app = Directory.CreateDirectory(Path.Combine(work, "app")).FullName;
        var packages = Directory.CreateDirectory(Path.Combine(work, "packages")).FullName;
        var feed = Directory.CreateDirectory(Path.Combine(work, "feed")).FullName;
        File.Copy(Nupkg, Path.Combine(feed, Path.GetFileName(Nupkg)));
        File.WriteAllText(Path.Combine(app, "nuget.config"), NugetConfig(feed, SharedPackages(work)));
        File.WriteAllText(Path.Combine(app, "NuGetConsumer.csproj"), ConsumerProject);
        File.WriteAllText(Path.Combine(app, "Program.cs"), ConsumerProgram);

        var add = await DotnetAsync(app, packages, "add", "package", Id, "--version", Version);
        Assert.True(add.ExitCode == 0, add.ToString());
        // The package came from the local feed into this test's own packages folder, byte for byte.
        var restored = Path.Combine(packages, Id.ToLowerInvariant(), Version, $"{Id.ToLowerInvariant()}.{Version}.nupkg");
        Assert.True(File.Exists(restored), $"{restored} is missing: the package was not restored from the local feed\n{add}");
        Assert.Equal(SHA256.HashData(File.ReadAllBytes(Nupkg)), SHA256.HashData(File.ReadAllBytes(restored)));

        var publish = await DotnetAsync(app, packages, "publish", "-r", "linux-x64", "-c", "Release", "--disable-build-servers", "-o", Path.Combine(work, "publish"));
        Assert.True(publish.ExitCode == 0, publish.ToString());
        var fromLibrary = publish.Output.Split('\n').Where(line => TrimOrAotWarning().IsMatch(line) && line.Contains(Id, StringComparison.Ordinal)).Distinct().ToList();
        Assert.True(fromLibrary.Count == 0, "the Native AOT publish warns about the library:\n" + string.Join('\n', fromLibrary));
        var binary = Path.Combine(work, "publish", "NuGetConsumer");
        Assert.True(File.Exists(binary), $"no native binary at {binary}\n{publish}");

        // The bot's token as given: the event is sent and read back from the room over HTTP.
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("NUGETDEV");
        var (roomId, alias) = await h.BotRoomAsync(bot.AccessToken, "nuget");
        var state = Directory.CreateDirectory(Path.Combine(work, "state")).FullName;
        var plain = await RunConsumerAsync(binary, h, alias, "sent by a native consumer", state, new() { ["MATRIX_ACCESS_TOKEN"] = bot.AccessToken });
        Assert.Equal(roomId, plain["room_id"]);
        Assert.Equal("False", plain["reauthenticated"]);

        // The token expired: the session heals by a password login with the same device and sends.
        await h.ExpireAsync(bot.AccessToken);
        var healed = await RunConsumerAsync(binary, h, alias, "sent after healing", state, new()
        {
            ["MATRIX_ACCESS_TOKEN"] = bot.AccessToken,
            ["MATRIX_USER_ID"] = h.Hs.BotId,
            ["MATRIX_PASSWORD"] = TestHomeserver.BotPassword,
            ["MATRIX_DEVICE_ID"] = "NUGETDEV",
        });
        Assert.Equal(("True", "password login"), (healed["reauthenticated"], healed["steps"]));

        var reader = await h.Hs.LoginBotAsync("READER");
        var events = (await h.MessagesAsync(roomId, reader.AccessToken))
            .Select(e => (e["event_id"]!.GetValue<string>(), e["content"]!["body"]!.GetValue<string>())).ToList();
        Assert.Equal(new List<(string, string)> { (plain["event_id"], "sent by a native consumer"), (healed["event_id"], "sent after healing") }, events);
    }

    private static ZipArchiveEntry Entry(ZipArchive archive, string name) =>
        archive.GetEntry(name) ?? throw new InvalidOperationException($"the package has no {name}; it has: " + string.Join(", ", archive.Entries.Select(e => e.FullName)));

    /// <summary>Runs the published consumer against the homeserver; its <c>key=value</c> lines.</summary>
    private static async Task<Dictionary<string, string>> RunConsumerAsync(string binary, LibraryHarness h, string room, string body, string state, Dictionary<string, string> env)
    {
        var start = ProcessRunner.StartInfo(binary, [h.Hs.Server.BaseAddress.ToString(), room, body]);
        start.Environment.Remove("MATRIX_DEVICE_ID");
        CliRunner.UseEnvironment(start, new Dictionary<string, string?>(env.Select(kv => KeyValuePair.Create(kv.Key, (string?)kv.Value))) { ["XDG_STATE_HOME"] = state });

        var run = await ProcessRunner.RunAsync(start);
        Assert.True(run.ExitCode == 0, run.ToString());
        return run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);
    }

    /// <summary>dotnet in the consumer's folder with its own packages folder (so no cached Solti.Matrix of the same version
    /// is used), no MSBuild nodes left behind, and none of the MSBuild variables of the test run.</summary>
    private static Task<ProcessResult> DotnetAsync(string directory, string packages, params string[] args)
    {
        var start = ProcessRunner.StartInfo("dotnet", args, directory);
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k.StartsWith("_MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["NUGET_PACKAGES"] = packages;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        return ProcessRunner.RunAsync(start, timeout: TimeSpan.FromMinutes(10));
    }

    /// <summary>A read-only fallback folder of links to every package in this machine's packages folder but Solti.Matrix:
    /// the compiler, runtime packs and dependencies are not downloaded again, and Solti.Matrix can only come from the feed.</summary>
    private static string? SharedPackages(string work)
    {
        var shared = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } given
            ? given
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        if (!Directory.Exists(shared))
        {
            return null;
        }

        var links = Directory.CreateDirectory(Path.Combine(work, "shared-packages")).FullName;
        foreach (var package in Directory.EnumerateDirectories(shared).Where(d => !Path.GetFileName(d).Equals(Id, StringComparison.OrdinalIgnoreCase)))
        {
            Directory.CreateSymbolicLink(Path.Combine(links, Path.GetFileName(package)), package);
        }

        return links;
    }

    private static string NugetConfig(string feed, string? shared) => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources>
            <clear />
            <add key="local" value="{feed}" />
            <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
          </packageSources>
          <fallbackPackageFolders>
            <clear />
            {(shared is null ? "" : $"""<add key="shared" value="{shared}" />""")}
          </fallbackPackageFolders>
        </configuration>
        """;

    private const string ConsumerProject = """
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <OutputType>Exe</OutputType>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <ImplicitUsings>enable</ImplicitUsings>
            <PublishAot>true</PublishAot>
            <InvariantGlobalization>true</InvariantGlobalization>
            <!-- Every trim and AOT warning at its call site, not one line per assembly. -->
            <TrimmerSingleWarn>false</TrimmerSingleWarn>
          </PropertyGroup>
        </Project>
        """;

    private const string ConsumerProgram = """
        using System.Text.Json.Nodes;
        using Solti.Matrix;
        using Solti.Matrix.Errors;
        using Solti.Matrix.Sessions;

        [assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

        if (args.Length != 3)
        {
            Console.Error.WriteLine("usage: NuGetConsumer HOMESERVER_URL ROOM BODY (MATRIX_ACCESS_TOKEN; MATRIX_USER_ID and MATRIX_PASSWORD heal it)");
            return 2;
        }

        var session = new SessionOptions
        {
            AccessToken = Environment.GetEnvironmentVariable("MATRIX_ACCESS_TOKEN"),
            UserId = Environment.GetEnvironmentVariable("MATRIX_USER_ID"),
            Password = Environment.GetEnvironmentVariable("MATRIX_PASSWORD"),
            DeviceId = Environment.GetEnvironmentVariable("MATRIX_DEVICE_ID"),
        };
        using var client = new MatrixClient(new MatrixClientOptions(new Uri(args[0])), session, new CredentialCache());
        try
        {
            var sent = await client.SendEventAsync(args[1], "m.room.message", new JsonObject { ["msgtype"] = "m.text", ["body"] = args[2] });
            Console.WriteLine($"event_id={sent.EventId}");
            Console.WriteLine($"room_id={sent.RoomId}");
            Console.WriteLine($"reauthenticated={sent.Reauthenticated}");
            Console.WriteLine($"steps={string.Join(",", client.Session.RecoverySteps.Select(step => step.Name()))}");
            return 0;
        }
        catch (MatrixException e)
        {
            Console.Error.WriteLine($"{e.Kind}: {e.Message}");
            return 1;
        }
        """;

    /// <summary>A trim (IL2xxx) or AOT (IL3xxx) warning in the build output.</summary>
    [GeneratedRegex(@"warning IL[23]\d{3}")]
    private static partial Regex TrimOrAotWarning();
}
