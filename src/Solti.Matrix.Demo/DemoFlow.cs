using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Solti.Matrix.Demo;

/// <summary>The end-to-end flow: a bot whose token went stale posts a structured event with the real
/// <c>solti-matrix</c> CLI, which heals the session with the same device; the event is read back.</summary>
public sealed class DemoFlow(HttpClient http, string cliPath, TextWriter output)
{
    private const string BotUser = "solti-logger";
    private const string DeviceId = "SOLTIDEMO";
    private int _step;

    public async Task RunAsync(string serverName)
    {
        var botId = $"@{BotUser}:{serverName}";
        var alias = $"#solti-verify:{serverName}";
        var cacheDir = Path.Combine(Path.GetTempPath(), "solti-demo-" + Guid.NewGuid().ToString("N"));
        try
        {
            Step("The operator's setup: the bot logs in once with a stable device and creates the room");
            var bot = await CallAsync(HttpMethod.Post, "/_matrix/client/v3/login", null, Login(BotUser, DemoCredentials.BotPassword, DeviceId));
            var botToken = bot["access_token"]!.GetValue<string>();
            var admin = await CallAsync(HttpMethod.Post, "/_matrix/client/v3/login", null, Login("admin", DemoCredentials.AdminPassword, "DEMOADMIN"));
            var adminToken = admin["access_token"]!.GetValue<string>();
            var created = await CallAsync(HttpMethod.Post, "/_matrix/client/v3/createRoom", botToken, new JsonObject
            {
                ["room_alias_name"] = "solti-verify",
                ["name"] = "SOLTI verification results",
                ["invite"] = new JsonArray($"@admin:{serverName}"),
            });
            var roomId = created["room_id"]!.GetValue<string>();
            await CallAsync(HttpMethod.Post, $"/_matrix/client/v3/join/{Uri.EscapeDataString(roomId)}", adminToken, new JsonObject());
            var devicesBefore = await DeviceCountAsync(botId, adminToken);
            output.WriteLine($"   room {alias} = {roomId}; the bot has {devicesBefore} device(s)");

            Step("The bot's token expires (soft logout), as refreshable tokens do after 5 minutes");
            await CallAsync(HttpMethod.Post, "/_solti/testing/v1/expire_token", adminToken, new JsonObject { ["access_token"] = botToken });
            await CallAsync(HttpMethod.Get, "/_matrix/client/v3/account/whoami", botToken, allowError: true);

            Step("solti-matrix send: a structured event with the stale token plus credentials");
            var content = StructuredEvent();
            var env = new Dictionary<string, string>
            {
                ["MATRIX_HOMESERVER_URL"] = http.BaseAddress!.ToString(),
                ["MATRIX_USER_ID"] = botId,
                ["MATRIX_ACCESS_TOKEN"] = botToken,
                ["MATRIX_PASSWORD"] = DemoCredentials.BotPassword,
            };
            await CallAsync(HttpMethod.Delete, "/_solti/testing/v1/counters", adminToken);
            var sent = await RunCliAsync(["send", alias, "--json", Encoding.UTF8.GetString(Homeserver.Http.JsonResponses.Serialize(content)), "--device-id", DeviceId, "--cache-dir", cacheDir, "--output", "json", "--verbose"], env);
            var eventId = sent["event_id"]!.GetValue<string>();

            Step("Read the event back from the room");
            var messages = await CallAsync(HttpMethod.Get, $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/messages?dir=b&limit=1", adminToken, show: false);

            var latest = messages["chunk"]![0]!;
            output.WriteLine($"   {latest["event_id"]}: schema {latest["content"]!["solti"]!["schema"]}, body \"{latest["content"]!["body"]}\"");
            Require(latest["event_id"]!.GetValue<string>() == eventId, "the event read back is the one the CLI sent");

            Step("The bot's devices and the logins it took");
            var devicesAfter = await DeviceCountAsync(botId, adminToken);
            var counters = await CallAsync(HttpMethod.Get, "/_solti/testing/v1/counters", adminToken, show: false);
            var logins = counters["counters"]!["login"]?.GetValue<long>() ?? 0;
            output.WriteLine($"   devices before: {devicesBefore}, after: {devicesAfter} (the heal logged in again as device {DeviceId}); logins: {logins}");
            Require(devicesAfter == devicesBefore && logins == 1, "one login and no new device");

            Step("Send again with the same stale token: the cached session is used, no login");
            await CallAsync(HttpMethod.Delete, "/_solti/testing/v1/counters", adminToken);
            await RunCliAsync(["send", alias, "--text", "second event, no login needed", "--cache-dir", cacheDir, "--output", "json"], env);
            counters = await CallAsync(HttpMethod.Get, "/_solti/testing/v1/counters", adminToken, show: false);
            output.WriteLine($"   logins for the second send: {counters["counters"]!["login"]?.GetValue<long>() ?? 0}");
        }
        finally
        {
            if (Directory.Exists(cacheDir))
            {
                Directory.Delete(cacheDir, recursive: true);
            }
        }
    }

    private static JsonObject Login(string user, string password, string deviceId) => new()
    {
        ["type"] = "m.login.password",
        ["identifier"] = new JsonObject { ["type"] = "m.id.user", ["user"] = user },
        ["password"] = password,
        ["device_id"] = deviceId,
    };

    private static JsonObject StructuredEvent() => new()
    {
        ["msgtype"] = "com.solti.event",
        ["body"] = "✅ Verification PASSED: 2/2 services on debian12",
        ["solti"] = new JsonObject
        {
            ["schema"] = "verify.pass.v1",
            ["timestamp"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
            ["source"] = "demo/localhost",
            ["data"] = new JsonObject
            {
                ["distribution"] = "debian12",
                ["hostname"] = "demo-host",
                ["summary"] = new JsonObject { ["total_services"] = 2, ["failed_services"] = 0, ["passed_services"] = 2 },
                ["services"] = new JsonObject { ["loki"] = true, ["influx"] = true },
                ["failed_service_names"] = new JsonArray(),
            },
        },
    };

    private async Task<int> DeviceCountAsync(string userId, string adminToken)
    {
        var devices = await CallAsync(HttpMethod.Get, $"/_synapse/admin/v2/users/{Uri.EscapeDataString(userId)}/devices", adminToken, show: false);
        return devices["total"]!.GetValue<int>();
    }

    private void Step(string title) => output.WriteLine($"{++_step}. {title}");

    private async Task<JsonObject> RunCliAsync(IReadOnlyList<string> args, IReadOnlyDictionary<string, string> env)
    {
        output.WriteLine($"   $ solti-matrix {string.Join(' ', args.Select(a => a.Contains(' ', StringComparison.Ordinal) || a.Contains('{', StringComparison.Ordinal) ? $"'{a}'" : a))}");
        var start = new ProcessStartInfo(cliPath) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in env)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {cliPath}");
        var stdout = await process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        foreach (var line in stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            output.WriteLine($"   (stderr) {line}");
        }

        output.WriteLine($"   exit {process.ExitCode}: {stdout.Trim()}");
        Require(process.ExitCode == 0, "solti-matrix succeeded");
        return JsonNode.Parse(stdout) as JsonObject ?? [];
    }

    private async Task<JsonObject> CallAsync(HttpMethod method, string path, string? token, JsonObject? body = null, bool show = true, bool allowError = false)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var json = JsonNode.Parse(text) as JsonObject ?? [];
        if (show)
        {
            output.WriteLine($"   > {method} {path}");
            output.WriteLine($"   < {(int)response.StatusCode} {Redacted(json)}");
        }

        Require(response.IsSuccessStatusCode || allowError, $"{method} {path} succeeded (got {(int)response.StatusCode} {Redacted(json)})");
        return json;
    }

    /// <summary>Tokens are secrets, even in a demo.</summary>
    private static string Redacted(JsonObject json)
    {
        var copy = (JsonObject)json.DeepClone();
        foreach (var key in new[] { "access_token", "refresh_token" })
        {
            if (copy.ContainsKey(key))
            {
                copy[key] = "<redacted>";
            }
        }

        return Encoding.UTF8.GetString(Homeserver.Http.JsonResponses.Serialize(copy));
    }

    private static void Require(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException("expected: " + what);
        }
    }
}
