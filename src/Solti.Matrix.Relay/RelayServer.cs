using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Solti.Matrix.Relay;

/// <summary>The relay's HTTP server: Kestrel alone on a loopback address or a Unix socket, one request delegate.</summary>
internal static class RelayServer
{
    /// <summary>The largest request body accepted (1 MiB).</summary>
    public const int MaxBody = 1 << 20;

    /// <param name="listen"><c>127.0.0.1:PORT</c>, <c>[::1]:PORT</c> or <c>unix:PATH</c>; anything else is refused.</param>
    public static WebApplication Build(string listen, RequestDelegate handle)
    {
        // The empty builder: no configuration files, so nothing watches the working directory (the default builders
        // watch it for appsettings changes, recursively: every outbox write woke that watcher).
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true); // no thread hop per request
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = MaxBody;
            if (listen.StartsWith("unix:", StringComparison.Ordinal))
            {
                var path = listen["unix:".Length..];
                if (File.Exists(path))
                {
                    File.Delete(path); // a socket left by a killed relay
                }

                kestrel.ListenUnixSocket(path);
            }
            else
            {
                var endpoint = IPEndPoint.Parse(listen);
                if (!IPAddress.IsLoopback(endpoint.Address))
                {
                    throw new ArgumentException($"--listen must be a loopback address (127.0.0.1:PORT or [::1]:PORT) or unix:PATH, got '{listen}'");
                }

                kestrel.Listen(endpoint);
            }
        });
        var app = builder.Build();
        app.Run(handle);
        return app;
    }

    /// <summary>Where a started server listens: the socket path, or the address with the port Kestrel chose.</summary>
    public static string Address(WebApplication app, string listen) => listen.StartsWith("unix:", StringComparison.Ordinal)
        ? listen
        : app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
}
