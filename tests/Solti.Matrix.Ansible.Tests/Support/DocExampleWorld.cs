using System.Text.Json.Nodes;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests.Support;

/// <summary>What the documentation's examples assume exists, made real on loopback: the repo's homeserver serving
/// <c>example.com</c> with the accounts and rooms the examples name, the variables they read (vault names included)
/// set to working values, an inventory with the groups they target, a Synapse configuration directory, a hookshot
/// configuration file, and a fake <c>systemctl</c> first on the PATH for the roles' restart handlers.</summary>
public sealed class DocExampleWorld : IAsyncDisposable
{
    /// <summary>The homeserver URL the examples write; replaced by the test homeserver's.</summary>
    public const string ExampleUrl = "https://matrix.example.com";

    /// <summary>The room id the examples write; replaced by the id of <c>#deploys:example.com</c>.</summary>
    public const string ExampleRoomId = "!AbCdEf:example.com";

    private const string LoggerPassword = "logger-pass";

    /// <summary>The homeserver's <c>registration_shared_secret</c>, which <c>synapse_register</c>'s examples use.</summary>
    private const string RegistrationSharedSecret = "docs-registration-shared-secret";

    private DocExampleWorld(TestHomeserver hs, string dir)
    {
        Hs = hs;
        Directory = dir;
    }

    public TestHomeserver Hs { get; }

    /// <summary>A temporary directory: inventory (with its <c>group_vars</c>), Synapse and hookshot files, state.</summary>
    public string Directory { get; }

    public string Inventory => Path.Combine(Directory, "inventory.ini");

    public string SystemctlCalls => Path.Combine(Directory, "systemctl-calls");

    public Dictionary<string, string> Vars { get; } = [];

    public Dictionary<string, string> Environment { get; } = [];

    public string DeploysRoomId { get; private set; } = "";

    /// <summary>The MAS base URL the examples of docs/mas.md write; replaced by the test homeserver's (its MAS emulation).</summary>
    public const string ExampleMasUrl = "https://auth.example.com";

    /// <param name="mas">Whether the homeserver delegates authentication to MAS (docs/mas.md): then the admin's token is a
    /// personal session with Synapse's admin scope, and MAS's admin client is the test homeserver's.</param>
    public static async Task<DocExampleWorld> StartAsync(bool mas = false)
    {
        var hs = await TestHomeserver.StartAsync(o => o with
        {
            ServerName = "example.com",
            RegistrationSharedSecret = RegistrationSharedSecret,
            ServerNotices = new ServerNoticesSettings("server"),
            AuthenticationService = mas ? TestHomeserver.Mas() : null,
            SeedUsers =
            [
                .. o.SeedUsers,
                new SeedUser("solti-logger", LoggerPassword, false),
                new SeedUser("maintenance", "maintenance-pass", true),
                new SeedUser("alice", "alice-pass", false),
                new SeedUser("olduser", "olduser-pass", false),
                new SeedUser("spammer", "spammer-pass", false), // synapse_media's example quarantines their media
            ],
        });
        var world = new DocExampleWorld(hs, System.IO.Directory.CreateTempSubdirectory("solti-docs-").FullName);
        await world.SeedAsync();
        return world;
    }

    /// <summary>The example as it runs here: its homeserver URL, room id and media ids replaced by the test homeserver's.</summary>
    public string Localise(string yaml) =>
        yaml.Replace(ExampleUrl, Hs.Server.BaseAddress.ToString().TrimEnd('/'), StringComparison.Ordinal)
            .Replace(ExampleMasUrl, Hs.Server.BaseAddress.ToString().TrimEnd('/'), StringComparison.Ordinal)
            .Replace(ExampleRoomId, DeploysRoomId, StringComparison.Ordinal)
            .Replace(ExampleMediaId, _mediaIds[0], StringComparison.Ordinal)
            .Replace(ExampleStickerId, _mediaIds[1], StringComparison.Ordinal);

    /// <summary>The media ids the media examples write (<c>synapse_media</c>'s sidecar); replaced by two media the admin
    /// uploaded here.</summary>
    public const string ExampleMediaId = "AbCdEfGhIjKlMnOpQrStUvWx";

    public const string ExampleStickerId = "StIcKeRsStIcKeRsStIcKeRs";

    private readonly string[] _mediaIds = ["", ""];

    private async Task SeedAsync()
    {
        var admin = await Hs.AdminSessionAsync("DOCS");
        var logger = await Hs.Client.LoginAsync("solti-logger", LoggerPassword, "DOCS");
        foreach (var alias in new[] { "ops", "deploys", "solti-verify" })
        {
            var roomId = await Hs.Client.CreateRoomAsync(admin.AccessToken, new JsonObject { ["room_alias_name"] = alias, ["preset"] = "public_chat" });
            var join = await Hs.Client.PostAsync($"/_matrix/client/v3/join/{MatrixTestClient.Enc(roomId)}", null, logger.AccessToken);
            if (join.Code != 200)
            {
                throw new InvalidOperationException($"solti-logger could not join #{alias}: {join}");
            }

            if (alias == "deploys")
            {
                DeploysRoomId = roomId;
            }
        }

        _mediaIds[0] = await MediaFixture.UploadAsync(Hs, admin.AccessToken, 16);
        _mediaIds[1] = await MediaFixture.UploadAsync(Hs, admin.AccessToken, 16);
        var url = Hs.Server.BaseAddress.ToString();
        foreach (var name in new[] { "hs_url", "matrix_url" })
        {
            Vars[name] = url;
        }

        foreach (var name in new[] { "admin_token", "vault_matrix_admin_token", "vault_admin_token", "vault_bootstrap_admin_token" })
        {
            Vars[name] = admin.AccessToken;
        }

        foreach (var name in new[] { "matrix_bot_token", "vault_solti_logger_token", "logger_token" })
        {
            Vars[name] = logger.AccessToken;
        }

        foreach (var name in new[] { "bot_password", "logger_password", "vault_logger_password", "vault_solti_logger_password" })
        {
            Vars[name] = LoggerPassword;
        }

        Vars["alertbot_password"] = Vars["vault_alertbot_password"] = "alertbot-pass-1";
        Vars["vault_deploy_bot_password"] = "Deploy-Bot-Pass-2026";
        Vars["vault_registration_shared_secret"] = RegistrationSharedSecret; // collection/examples/from-empty.yml
        Vars["vault_admin_password"] = TestHomeserver.AdminPassword;
        Vars["mas_client_secret"] = Vars["vault_mas_client_secret"] = TestHomeserver.MasClientSecret;
        Vars["deploy_id"] = "42";
        Vars["server_name"] = "example.com";
        Vars["ansible_become"] = "false"; // the examples' `become: true` is for real hosts

        // The Synapse and hookshot installs the roles' examples configure, in this directory instead of /etc.
        var synapse = System.IO.Directory.CreateDirectory(Path.Combine(Directory, "matrix-synapse", "conf.d")).Parent!.FullName;
        await File.WriteAllTextAsync(Path.Combine(synapse, "homeserver.yaml"), "server_name: example.com\nreport_stats: false\n");
        Vars["synapse_config_dir"] = synapse;
        var hookshot = System.IO.Directory.CreateDirectory(Path.Combine(Directory, "matrix-hookshot")).FullName;
        await File.WriteAllTextAsync(Path.Combine(hookshot, "config.yml"), "bridge: {domain: example.com, url: http://127.0.0.1:8008}\npassFile: passkey.pem\n");
        Vars["hookshot_config_file"] = Path.Combine(hookshot, "config.yml");

        var bin = System.IO.Directory.CreateDirectory(Path.Combine(Directory, "bin")).FullName;
        await FakeTools.WriteAsync(bin, "systemctl", SystemctlCalls);
        Environment["PATH"] = bin + ":" + System.Environment.GetEnvironmentVariable("PATH");

        await File.WriteAllTextAsync(Inventory, "localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n[matrix]\nlocalhost\n[hookshot]\nlocalhost\n");
    }

    /// <summary>Puts a <c>group_vars/GROUP.yml</c> beside the inventory.</summary>
    public Task WriteGroupVarsAsync(string group, string yaml)
    {
        var dir = System.IO.Directory.CreateDirectory(Path.Combine(Directory, "group_vars")).FullName;
        return File.WriteAllTextAsync(Path.Combine(dir, group + ".yml"), yaml);
    }

    public async ValueTask DisposeAsync()
    {
        await Hs.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
