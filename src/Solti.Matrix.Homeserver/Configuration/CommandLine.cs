using System.Globalization;
using System.Net;

namespace Solti.Matrix.Homeserver.Configuration;

/// <summary><c>--port --server-name --seed-user --config (-c, repeatable: files or conf.d directories) --data-dir --bind</c>.</summary>
public static class CommandLine
{
    public const string Usage =
        "usage: solti-homeserver [--port N] [--server-name NAME] [--bind ADDRESS] [--seed-user name:password[:admin]]... [--config FILE|DIR]... [--data-dir DIR]";

    public static HomeserverOptions Parse(IReadOnlyList<string> args)
    {
        var options = new HomeserverOptions { Port = 8008 };
        var configPaths = new List<string>();
        var seeds = new List<SeedUser>();
        string? serverName = null;
        int? port = null;
        IPAddress? bind = null;
        string? dataDir = null;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new FormatException($"{arg} needs a value. {Usage}");
            switch (arg)
            {
                case "--port":
                    port = int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is >= 0 and <= 65535
                        ? p
                        : throw new FormatException("--port expects a number from 0 to 65535");
                    break;
                case "--server-name":
                    serverName = Value();
                    break;
                case "--bind":
                    bind = IPAddress.TryParse(Value(), out var address) ? address : throw new FormatException("--bind expects an IP address");
                    break;
                case "--seed-user":
                    seeds.Add(SeedUser.Parse(Value()));
                    break;
                case "--config" or "-c" or "--config-path":
                    configPaths.Add(Value());
                    break;
                case "--data-dir":
                    dataDir = Value();
                    break;
                case "--help" or "-h":
                    throw new FormatException(Usage);
                default:
                    throw new FormatException($"unknown option {arg}. {Usage}");
            }
        }

        if (configPaths.Count > 0)
        {
            options = ConfigFile.Apply(options, ConfigPaths.Read(configPaths, Console.Error));
        }

        return options with
        {
            ServerName = serverName ?? options.ServerName,
            Port = port ?? options.Port,
            BindAddress = bind ?? options.BindAddress,
            DataDirectory = dataDir ?? options.DataDirectory,
            SeedUsers = [.. options.SeedUsers, .. seeds],
        };
    }
}
