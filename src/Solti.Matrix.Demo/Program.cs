using Solti.Matrix.Demo;
using Solti.Matrix.Homeserver;
using Solti.Matrix.Homeserver.Configuration;

// The demo: the embedded homeserver on loopback with a seeded admin and bot, and the real CLI against it.
if (args.Length < 1 || !File.Exists(args[0]))
{
    Console.Error.WriteLine("usage: solti-demo PATH-TO-solti-matrix [DATA-DIR]   (./build.sh demo passes both)");
    return 2;
}

var cliPath = Path.GetFullPath(args[0]);
var dataDir = args.Length > 1 ? args[1] : null;
var options = new HomeserverOptions
{
    Port = 0,
    ServerName = "localhost",
    DataDirectory = dataDir,
    SeedUsers = [new SeedUser("admin", DemoCredentials.AdminPassword, Admin: true), new SeedUser("solti-logger", DemoCredentials.BotPassword, Admin: false)],
};
await using var homeserver = await EmbeddedHomeserver.StartAsync(options);
Console.WriteLine($"Embedded homeserver '{options.ServerName}' on {homeserver.BaseAddress} (state: {dataDir ?? "in memory"})");
Console.WriteLine("Seeded users: @admin:localhost (admin), @solti-logger:localhost (bot)");
Console.WriteLine();
using var http = new HttpClient { BaseAddress = homeserver.BaseAddress };
var cacheDir = Path.Combine(Path.GetTempPath(), "solti-demo-" + Guid.NewGuid().ToString("N"));
try
{
    var steps = new DemoSteps(http, cliPath, Console.Out);
    var adminToken = await new HealingFlow(steps).RunAsync(options.ServerName, cacheDir);
    await new OutageFlow(steps).RunAsync(options.ServerName, cacheDir, adminToken);
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine("demo failed: " + e.Message);
    return 1;
}
finally
{
    if (Directory.Exists(cacheDir))
    {
        Directory.Delete(cacheDir, recursive: true);
    }
}

Console.WriteLine();
Console.WriteLine("Demo complete.");
return 0;
