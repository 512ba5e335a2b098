using Solti.Matrix.Homeserver;
using Solti.Matrix.Homeserver.Configuration;

namespace Solti.Matrix.Testing;

/// <summary>An in-process homeserver on 127.0.0.1:0 with an admin (<c>admin</c>/<c>admin-pass</c>) and a bot
/// (<c>bot</c>/<c>bot-pass</c>). Rate limits are off unless a test passes its own.</summary>
public sealed class TestHomeserver : IAsyncDisposable
{
    public const string AdminPassword = "admin-pass";
    public const string BotPassword = "bot-pass";

    private TestHomeserver(EmbeddedHomeserver server)
    {
        Server = server;
        Client = new MatrixTestClient(server.BaseAddress);
    }

    public EmbeddedHomeserver Server { get; }

    public MatrixTestClient Client { get; }

    public string ServerName => Server.Options.ServerName;

    public string AdminId => $"@admin:{ServerName}";

    public string BotId => $"@bot:{ServerName}";

    /// <param name="time">The homeserver's clock (token expiry, rate limits, timestamps; a ManualTime lets a test move it), else the system's.</param>
    public static async Task<TestHomeserver> StartAsync(Func<HomeserverOptions, HomeserverOptions>? configure = null, TimeProvider? time = null)
    {
        var options = new HomeserverOptions
        {
            Port = 0,
            RateLimits = RateLimits.None,
            SeedUsers = [new SeedUser("admin", AdminPassword, true), new SeedUser("bot", BotPassword, false)],
            RoomDeletionStepDelay = TimeSpan.FromMilliseconds(20),
        };
        return new TestHomeserver(await EmbeddedHomeserver.StartAsync(configure is null ? options : configure(options), time));
    }

    public Task<Session> LoginAdminAsync(string? deviceId = null) => Client.LoginAsync("admin", AdminPassword, deviceId);

    public Task<Session> LoginBotAsync(string? deviceId = null, bool refreshToken = false) => Client.LoginAsync("bot", BotPassword, deviceId, refreshToken);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }
}
