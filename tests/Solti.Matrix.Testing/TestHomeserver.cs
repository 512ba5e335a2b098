using Solti.Matrix.Homeserver;
using Solti.Matrix.Homeserver.Configuration;

namespace Solti.Matrix.Testing;

/// <summary>An in-process homeserver on 127.0.0.1:0 with an admin (<c>admin</c>/<c>admin-pass</c>) and a bot
/// (<c>bot</c>/<c>bot-pass</c>). Rate limits are off unless a test passes its own.</summary>
public sealed class TestHomeserver : IAsyncDisposable
{
    public const string AdminPassword = "admin-pass";
    public const string BotPassword = "bot-pass";

    /// <summary>The emulated MAS's admin client (<c>client_secret_basic</c>, allowed <c>urn:mas:admin</c>), which
    /// <see cref="StartAsync"/> adds to every delegated configuration.</summary>
    public const string MasClientId = "01J5ADM1N00000000000000000";

    public const string MasClientSecret = "mas-admin-client-secret";

    /// <summary>The scope of the Synapse admin token on a MAS homeserver: the C-S API and Synapse's admin API.</summary>
    public const string SynapseAdminScope = "urn:matrix:client:api:* urn:synapse:admin:*";

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
        options = configure is null ? options : configure(options);
        if (options.AuthenticationService is { } mas && !mas.Clients.Any(c => c.ClientId == MasClientId))
        {
            options = options with { AuthenticationService = mas with { Clients = [.. mas.Clients, AdminClient], AdminClients = [.. mas.AdminClients, MasClientId] } };
        }

        return new TestHomeserver(await EmbeddedHomeserver.StartAsync(options, time));
    }

    /// <summary>A homeserver with no user at all (not even the admin and the bot) whose shared-secret registration is on
    /// with <paramref name="registrationSharedSecret"/>: a new installation, where the first admin is registered with the
    /// secret (<c>register_new_matrix_user</c>, <c>synapse_register</c>).</summary>
    public static Task<TestHomeserver> StartEmptyAsync(string registrationSharedSecret, Func<HomeserverOptions, HomeserverOptions>? configure = null) =>
        StartAsync(o => (configure?.Invoke(o) ?? o) with { SeedUsers = [], RegistrationSharedSecret = registrationSharedSecret });

    /// <summary>Authentication delegated to the in-process MAS emulation (issuer: this server's own base URL unless
    /// given), with the harness's admin client.</summary>
    public static DelegatedAuthentication Mas(bool passwordsEnabled = true, Uri? issuer = null) =>
        new(issuer, passwordsEnabled) { Clients = [AdminClient], AdminClients = [MasClientId] };

    private static MasClient AdminClient => new(MasClientId, MasClientSecret, MasClient.SecretBasic);

    /// <summary>Whether this homeserver delegates authentication to MAS.</summary>
    public bool IsMas => Server.Options.AuthenticationService is not null;

    /// <summary>A password login. On a MAS homeserver that is a compat session, which never carries Synapse admin rights
    /// (use <see cref="AdminSessionAsync"/> for an admin token there).</summary>
    public Task<Session> LoginAdminAsync(string? deviceId = null) => Client.LoginAsync("admin", AdminPassword, deviceId);

    /// <summary>A Synapse admin token for @admin: a password login, or on a MAS homeserver a personal session with
    /// <see cref="SynapseAdminScope"/> (and the device, if given), the documented way to one there.</summary>
    public async Task<Session> AdminSessionAsync(string? deviceId = null) =>
        IsMas ? new Session(AdminId, await SynapseAdminTokenAsync(deviceId), deviceId ?? "", null) : await LoginAdminAsync(deviceId);

    /// <summary>An MAS admin API token (<c>urn:mas:admin</c>) from the client-credentials grant.</summary>
    public async Task<string> MasAdminTokenAsync()
    {
        var reply = await Client.PostFormAsync("/oauth2/token", new() { ["grant_type"] = "client_credentials", ["scope"] = "urn:mas:admin" }, (MasClientId, MasClientSecret));
        return reply.Code == 200 ? reply.Str("access_token") : throw new InvalidOperationException($"client credentials grant failed: {reply}");
    }

    /// <summary>Mints, through the MAS admin API, a personal session for @admin with <see cref="SynapseAdminScope"/> and
    /// returns its token.</summary>
    public async Task<string> SynapseAdminTokenAsync(string? deviceId = null) => await PersonalTokenAsync("admin", SynapseAdminScope + (deviceId is null ? "" : " urn:matrix:client:device:" + deviceId));

    /// <summary>A personal access token acting as <paramref name="username"/> with <paramref name="scope"/>.</summary>
    public async Task<string> PersonalTokenAsync(string username, string scope, long? expiresIn = null)
    {
        var masToken = await MasAdminTokenAsync();
        var user = await Client.GetAsync("/api/admin/v1/users/by-username/" + MatrixTestClient.Enc(username), masToken);
        if (user.Code != 200)
        {
            throw new InvalidOperationException($"no MAS user {username}: {user}");
        }

        var body = new System.Text.Json.Nodes.JsonObject { ["actor_user_id"] = user.Object["data"]!["id"]!.GetValue<string>(), ["human_name"] = "test", ["scope"] = scope };
        if (expiresIn is not null)
        {
            body["expires_in"] = expiresIn;
        }

        var created = await Client.PostAsync("/api/admin/v1/personal-sessions", body, masToken);
        return created.Code == 201 ? created.Object["data"]!["attributes"]!["access_token"]!.GetValue<string>() : throw new InvalidOperationException($"personal session for {username} failed: {created}");
    }

    public Task<Session> LoginBotAsync(string? deviceId = null, bool refreshToken = false) => Client.LoginAsync("bot", BotPassword, deviceId, refreshToken);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }
}
