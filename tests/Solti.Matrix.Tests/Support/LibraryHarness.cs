using System.Text.Json.Nodes;
using Solti.Matrix.Testing;
using Solti.Matrix.Sessions;

namespace Solti.Matrix.Tests.Support;

/// <summary>A homeserver, an admin session on it, a private cache directory, and clients for the bot.</summary>
public sealed class LibraryHarness : IAsyncDisposable
{
    private LibraryHarness(TestHomeserver hs, Session admin, string cacheDir)
    {
        Hs = hs;
        Admin = admin;
        CacheDir = cacheDir;
    }

    public TestHomeserver Hs { get; }

    public Session Admin { get; }

    public string CacheDir { get; }

    public MatrixTestClient Raw => Hs.Client;

    public static async Task<LibraryHarness> StartAsync(Func<Homeserver.Configuration.HomeserverOptions, Homeserver.Configuration.HomeserverOptions>? configure = null)
    {
        var hs = await TestHomeserver.StartAsync(configure);
        var admin = await hs.AdminSessionAsync("ADMINTEST");
        var cacheDir = Path.Combine(Path.GetTempPath(), "solti-cache-" + Guid.NewGuid().ToString("N"), "solti-matrix");
        return new LibraryHarness(hs, admin, cacheDir);
    }

    public MatrixClientOptions Options(RetryOptions? retry = null, TimeSpan? timeout = null) => new(Hs.Server.BaseAddress)
    {
        RequestTimeout = timeout ?? TimeSpan.FromSeconds(5),
        Retry = retry ?? new RetryOptions { BaseDelay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromSeconds(5), TotalBudget = TimeSpan.FromSeconds(20) },
    };

    public CredentialCache Cache => new(CacheDir);

    public MatrixClient Bot(string? token = null, bool password = true, string? deviceId = null, RetryOptions? retry = null, TimeSpan? timeout = null, bool refresh = false) =>
        new(Options(retry, timeout), new SessionOptions
        {
            UserId = Hs.BotId,
            AccessToken = token,
            Password = password ? TestHomeserver.BotPassword : null,
            DeviceId = deviceId,
            RequestRefreshToken = refresh,
        }, Cache);

    /// <summary>The environment of a <c>solti-matrix</c> process that uses <paramref name="token"/> on this homeserver,
    /// with its state (credential cache, outbox) under <paramref name="stateHome"/> when given.</summary>
    public Dictionary<string, string?> CliEnvironment(string token, string? stateHome = null)
    {
        var env = new Dictionary<string, string?> { ["MATRIX_HOMESERVER_URL"] = Hs.Server.BaseAddress.ToString(), ["MATRIX_ACCESS_TOKEN"] = token };
        if (stateHome is not null)
        {
            env["XDG_STATE_HOME"] = stateHome;
        }

        return env;
    }

    /// <summary>A room the bot is in, by alias.</summary>
    public async Task<(string RoomId, string Alias)> BotRoomAsync(string token, string aliasName = "events")
    {
        var roomId = await Raw.CreateRoomAsync(token, new JsonObject { ["room_alias_name"] = aliasName });
        return (roomId, $"#{aliasName}:{Hs.ServerName}");
    }

    public async Task<long> CounterAsync(string label)
    {
        var counters = await Raw.GetAsync("/_solti/testing/v1/counters", Admin.AccessToken);
        return counters.Object["counters"]![label]?.GetValue<long>() ?? 0;
    }

    /// <summary>Returns once no request is being served (the homeserver's <c>in_flight</c> counter is 0): what an
    /// abandoned slow attempt did is then done. Polls; bounded by the one test timeout, never by a guess of how long.</summary>
    public async Task QuiescentAsync()
    {
        using var bound = new CancellationTokenSource(ProcessRunner.DefaultTimeout);
        while ((await Raw.GetAsync("/_solti/testing/v1/counters", Admin.AccessToken)).Object["in_flight"]!.GetValue<long>() > 0)
        {
            await Task.Delay(20, bound.Token);
        }
    }

    public Task ResetCountersAsync() => Raw.DeleteAsync("/_solti/testing/v1/counters", Admin.AccessToken);

    public async Task AddFaultAsync(JsonObject fault)
    {
        var response = await Raw.PostAsync("/_solti/testing/v1/faults", fault, Admin.AccessToken);
        Assert.True(response.Code == 200, response.ToString());
    }

    /// <summary>Clears every injected fault: the homeserver is back.</summary>
    public async Task ClearFaultsAsync()
    {
        var response = await Raw.DeleteAsync("/_solti/testing/v1/faults", Admin.AccessToken);
        Assert.True(response.Code == 200, response.ToString());
    }

    public async Task ExpireAsync(string token)
    {
        var response = await Raw.PostAsync("/_solti/testing/v1/expire_token", new JsonObject { ["access_token"] = token }, Admin.AccessToken);
        Assert.True(response.Code == 200, response.ToString());
    }

    public async Task<int> BotDeviceCountAsync()
    {
        var devices = await Raw.GetAsync($"/_synapse/admin/v2/users/{MatrixTestClient.Enc(Hs.BotId)}/devices", Admin.AccessToken);
        Assert.True(devices.Code == 200, devices.ToString());
        return devices.Object["total"]!.GetValue<int>();
    }

    /// <summary>The m.room.message events in a room, oldest first, read back over HTTP.</summary>
    public async Task<List<JsonObject>> MessagesAsync(string roomId, string token)
    {
        var response = await Raw.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/messages?dir=f&limit=1000", token);
        Assert.True(response.Code == 200, response.ToString());
        return [.. response.Object["chunk"]!.AsArray().Select(e => (JsonObject)e!).Where(e => e["type"]!.GetValue<string>() == "m.room.message")];
    }

    public async ValueTask DisposeAsync()
    {
        await Hs.DisposeAsync();
        var root = Path.GetDirectoryName(CacheDir)!;
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
