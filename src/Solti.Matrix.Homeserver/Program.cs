using Solti.Matrix.Homeserver;
using Solti.Matrix.Homeserver.Configuration;

try
{
    var options = CommandLine.Parse(args);
    await using var homeserver = await EmbeddedHomeserver.StartAsync(options, quiet: false);
    Console.WriteLine($"solti-homeserver {options.ServerName} listening on {homeserver.BaseAddress}");
    await homeserver.WaitForShutdownAsync();
    return 0;
}
catch (Exception e) when (e is FormatException or ConfigurationException)
{
    await Console.Error.WriteLineAsync("solti-homeserver: " + e.Message);
    return 2;
}
