using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Homeserver.Faults;

namespace Solti.Matrix.Homeserver;

/// <summary>A Synapse-compatible homeserver on loopback, startable in-process (tests) or as a program.</summary>
public sealed class EmbeddedHomeserver : IAsyncDisposable
{
    private WebApplication _app;
    private readonly bool _quiet;

    private EmbeddedHomeserver(WebApplication app, ServerContext server, bool quiet)
    {
        _app = app;
        Server = server;
        _quiet = quiet;
    }

    public ServerContext Server { get; }

    public HomeserverOptions Options => Server.State.Options;

    public int Port { get; private set; }

    public Uri BaseAddress => new($"http://{FormatHost(Options.BindAddress)}:{Port}/");

    public static async Task<EmbeddedHomeserver> StartAsync(HomeserverOptions options, TimeProvider? time = null, bool quiet = true)
    {
        var state = new ServerState(options, time ?? TimeProvider.System);
        var server = new ServerContext(state);
        Seed(state);
        var app = await ListenAsync(server, options.Port, quiet);
        var homeserver = new EmbeddedHomeserver(app, server, quiet);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        homeserver.Port = new Uri(address).Port;
        return homeserver;
    }

    /// <summary>Stops listening (clients get connection refused, requests in flight are cut), waits
    /// <paramref name="downtime"/>, and listens again on the same port with the same state — a restart of a server
    /// whose database survives, as Synapse's does.</summary>
    public async Task RestartAsync(TimeSpan downtime)
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Task.Delay(downtime);
        _app = await ListenAsync(Server, Port, _quiet);
    }

    private static async Task<WebApplication> ListenAsync(ServerContext server, int port, bool quiet)
    {
        var options = server.State.Options;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Listen(options.BindAddress, port);
            kestrel.AddServerHeader = false;
        });
        if (quiet)
        {
            builder.Logging.ClearProviders();
        }

        builder.Services.AddSingleton(server);
        builder.Services.AddSingleton(options.Compatibility);
        var app = builder.Build();
        var serverHeader = $"Synapse/{options.ServerVersion} (solti-homeserver)";
        app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                context.Response.Headers.Server = serverHeader;
                return Task.CompletedTask;
            });
            return next(context);
        });
        app.UseMiddleware<MatrixErrorMiddleware>();
        app.UseRouting();
        app.UseMiddleware<FaultMiddleware>();
        HomeserverRoutes.Map(app);

        await app.StartAsync();
        return app;
    }

    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Creates the seed users that do not exist yet; existing ones keep their state.</summary>
    private static void Seed(ServerState state)
    {
        lock (state.Sync)
        {
            foreach (var seed in state.Options.SeedUsers)
            {
                var userId = MatrixIds.Qualify(seed.Localpart, state.ServerName);
                state.Data.Users.TryAdd(userId, new UserRecord
                {
                    UserId = userId,
                    PasswordHash = PasswordHasher.Hash(seed.Password),
                    DisplayName = seed.Localpart,
                    Admin = seed.Admin,
                    CreationTsMs = state.NowMs,
                });
                if (state.Options.AuthenticationService is not null)
                {
                    Mas.MasSeeding.Seed(state, seed);
                }
            }

            state.Persist();
        }
    }

    private static string FormatHost(IPAddress address) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
}
