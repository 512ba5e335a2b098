using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Solti.Matrix.Demo;

/// <summary>The scripted end-to-end flow, over plain HTTP: each step prints what it sent and what came back.</summary>
public sealed class DemoFlow(HttpClient http, TextWriter output)
{
    private string? _token;
    private int _step;

    public async Task RunAsync(string serverName)
    {
        var login = await CallAsync("Log the bot in with a stable device_id", HttpMethod.Post, "/_matrix/client/v3/login", new JsonObject
        {
            ["type"] = "m.login.password",
            ["identifier"] = new JsonObject { ["type"] = "m.id.user", ["user"] = "solti-logger" },
            ["password"] = DemoCredentials.BotPassword,
            ["device_id"] = "SOLTIDEMO",
            ["initial_device_display_name"] = "solti demo",
        });
        _token = login["access_token"]!.GetValue<string>();

        await CallAsync("Who am I", HttpMethod.Get, "/_matrix/client/v3/account/whoami");

        var alias = $"#solti-verify:{serverName}";
        var created = await CallAsync("Create a room with an alias", HttpMethod.Post, "/_matrix/client/v3/createRoom", new JsonObject
        {
            ["room_alias_name"] = "solti-verify",
            ["name"] = "SOLTI verification results",
            ["preset"] = "private_chat",
        }, allowError: true);
        if (created["errcode"]?.GetValue<string>() == "M_ROOM_IN_USE")
        {
            output.WriteLine("   (the room exists from an earlier run: reusing it)");
        }

        var resolved = await CallAsync("Resolve the alias", HttpMethod.Get, $"/_matrix/client/v3/directory/room/{Uri.EscapeDataString(alias)}");
        var roomId = resolved["room_id"]!.GetValue<string>();
        var room = Uri.EscapeDataString(roomId);

        var content = new JsonObject
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
        var txnId = "demo-" + Guid.NewGuid().ToString("N")[..12];
        var sent = await CallAsync("Send a structured event", HttpMethod.Put, $"/_matrix/client/v3/rooms/{room}/send/m.room.message/{txnId}", content);
        var again = await CallAsync("Send it again with the same transaction id (a retry)", HttpMethod.Put, $"/_matrix/client/v3/rooms/{room}/send/m.room.message/{txnId}", content);
        var same = sent["event_id"]!.GetValue<string>() == again["event_id"]!.GetValue<string>();
        output.WriteLine($"   same event_id: {(same ? "yes, the retry was de-duplicated" : "NO")}");

        var messages = await CallAsync("Read it back", HttpMethod.Get, $"/_matrix/client/v3/rooms/{room}/messages?dir=b&limit=1", show: false);
        var latest = messages["chunk"]![0]!;
        output.WriteLine($"   latest event {latest["event_id"]}: schema {latest["content"]!["solti"]!["schema"]}, body \"{latest["content"]!["body"]}\"");
        if (!same || latest["event_id"]!.GetValue<string>() != sent["event_id"]!.GetValue<string>())
        {
            throw new InvalidOperationException("the event read back is not the one sent");
        }
    }

    private async Task<JsonObject> CallAsync(string title, HttpMethod method, string path, JsonObject? body = null, bool show = true, bool allowError = false)
    {
        output.WriteLine($"{++_step}. {title}");
        output.WriteLine($"   > {method} {path}");
        using var request = new HttpRequestMessage(method, path);
        if (_token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var json = JsonNode.Parse(text) as JsonObject ?? [];
        var shown = Redact(json);
        output.WriteLine($"   < {(int)response.StatusCode} {(show ? Show(shown) : $"({text.Length} bytes)")}");
        if (!response.IsSuccessStatusCode && !allowError)
        {
            throw new InvalidOperationException($"{title} failed: {(int)response.StatusCode} {Show(shown)}");
        }

        return json;
    }

    private static string Show(JsonObject json) => System.Text.Encoding.UTF8.GetString(Homeserver.Http.JsonResponses.Serialize(json));

    /// <summary>Tokens are secrets, even in a demo.</summary>
    private static JsonObject Redact(JsonObject json)
    {
        var copy = (JsonObject)json.DeepClone();
        foreach (var key in new[] { "access_token", "refresh_token" })
        {
            if (copy.ContainsKey(key))
            {
                copy[key] = "<redacted>";
            }
        }

        return copy;
    }
}
