using System.Text;
using System.Text.Json.Nodes;

namespace Solti.Matrix.Demo;

/// <summary>The end-to-end flow: a bot whose token went stale posts a structured event with the real
/// <c>solti-matrix</c> CLI, which heals the session with the same device; the event is read back.</summary>
public sealed class HealingFlow(DemoSteps steps)
{
    private const string BotUser = "solti-logger";
    private const string DeviceId = "SOLTIDEMO";

    /// <summary>Runs the flow with the CLI's credential cache in <paramref name="cacheDir"/>; returns the admin's token.</summary>
    public async Task<string> RunAsync(string serverName, string cacheDir)
    {
        var botId = $"@{BotUser}:{serverName}";
        var alias = $"#solti-verify:{serverName}";
        steps.Step("The operator's setup: the bot logs in once with a stable device and creates the room");
        var bot = await steps.CallAsync(HttpMethod.Post, "/_matrix/client/v3/login", null, DemoSteps.Login(BotUser, DemoCredentials.BotPassword, DeviceId));
        var botToken = bot["access_token"]!.GetValue<string>();
        var admin = await steps.CallAsync(HttpMethod.Post, "/_matrix/client/v3/login", null, DemoSteps.Login("admin", DemoCredentials.AdminPassword, "DEMOADMIN"));
        var adminToken = admin["access_token"]!.GetValue<string>();
        var created = await steps.CallAsync(HttpMethod.Post, "/_matrix/client/v3/createRoom", botToken, new JsonObject
        {
            ["room_alias_name"] = "solti-verify",
            ["name"] = "SOLTI verification results",
            ["invite"] = new JsonArray($"@admin:{serverName}"),
        });
        var roomId = created["room_id"]!.GetValue<string>();
        await steps.CallAsync(HttpMethod.Post, $"/_matrix/client/v3/join/{Uri.EscapeDataString(roomId)}", adminToken, new JsonObject());
        var devicesBefore = await steps.DeviceCountAsync(botId, adminToken);
        steps.Output.WriteLine($"   room {alias} = {roomId}; the bot has {devicesBefore} device(s)");

        steps.Step("The bot's token expires (soft logout), as refreshable tokens do after 5 minutes");
        await steps.CallAsync(HttpMethod.Post, "/_solti/testing/v1/expire_token", adminToken, new JsonObject { ["access_token"] = botToken });
        await steps.CallAsync(HttpMethod.Get, "/_matrix/client/v3/account/whoami", botToken, allowError: true);

        steps.Step("solti-matrix send: a structured event with the stale token plus credentials");
        var content = StructuredEvent();
        var env = new Dictionary<string, string>
        {
            ["MATRIX_HOMESERVER_URL"] = steps.Homeserver.ToString(),
            ["MATRIX_USER_ID"] = botId,
            ["MATRIX_ACCESS_TOKEN"] = botToken,
            ["MATRIX_PASSWORD"] = DemoCredentials.BotPassword,
        };
        await steps.CallAsync(HttpMethod.Delete, "/_solti/testing/v1/counters", adminToken);
        var sent = await steps.RunCliAsync(["send", alias, "--json", Encoding.UTF8.GetString(Homeserver.Http.JsonResponses.Serialize(content)), "--device-id", DeviceId, "--cache-dir", cacheDir, "--output", "json", "--verbose"], env);
        var eventId = sent["event_id"]!.GetValue<string>();

        steps.Step("Read the event back from the room");
        var messages = await steps.CallAsync(HttpMethod.Get, $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/messages?dir=b&limit=1", adminToken, show: false);

        var latest = messages["chunk"]![0]!;
        steps.Output.WriteLine($"   {latest["event_id"]}: schema {latest["content"]!["solti"]!["schema"]}, body \"{latest["content"]!["body"]}\"");
        DemoSteps.Require(latest["event_id"]!.GetValue<string>() == eventId, "the event read back is the one the CLI sent");

        steps.Step("The bot's devices and the logins it took");
        var devicesAfter = await steps.DeviceCountAsync(botId, adminToken);
        var counters = await steps.CallAsync(HttpMethod.Get, "/_solti/testing/v1/counters", adminToken, show: false);
        var logins = counters["counters"]!["login"]?.GetValue<long>() ?? 0;
        steps.Output.WriteLine($"   devices before: {devicesBefore}, after: {devicesAfter} (the heal logged in again as device {DeviceId}); logins: {logins}");
        DemoSteps.Require(devicesAfter == devicesBefore && logins == 1, "one login and no new device");

        steps.Step("Send again with the same stale token: the cached session is used, no login");
        await steps.CallAsync(HttpMethod.Delete, "/_solti/testing/v1/counters", adminToken);
        await steps.RunCliAsync(["send", alias, "--text", "second event, no login needed", "--cache-dir", cacheDir, "--output", "json"], env);
        counters = await steps.CallAsync(HttpMethod.Get, "/_solti/testing/v1/counters", adminToken, show: false);
        steps.Output.WriteLine($"   logins for the second send: {counters["counters"]!["login"]?.GetValue<long>() ?? 0}");
        return adminToken;
    }

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
}
