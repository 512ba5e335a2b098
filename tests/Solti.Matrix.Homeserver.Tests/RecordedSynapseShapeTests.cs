using System.Text.Json.Nodes;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Homeserver.Tests.Support;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

/// <summary>Replays the scenario recorded against a real Synapse 1.67 and checks every response has the
/// recorded status and the same shape (keys and JSON types); error bodies must match to the letter.</summary>
[Trait("tier", "integration")]
public sealed class RecordedSynapseShapeTests
{
    private static readonly IReadOnlyDictionary<string, RecordedExchange> Recorded = RecordedExchange.Load();

    [Fact]
    public void The_vendored_recordings_match_the_shared_reference_when_it_is_present()
    {
        var shared = FindSharedReference();
        Assert.True(Recorded.Count >= 20, $"parsed only {Recorded.Count} exchanges");
        if (shared is not null)
        {
            Assert.Equal(File.ReadAllText(shared), File.ReadAllText(RecordedExchange.RecordingsPath));
        }
    }

    [Fact]
    public async Task Synapse_1_67_mode_answers_the_recorded_scenario_with_the_recorded_shapes()
    {
        await using var hs = await TestHomeserver.StartAsync(o => o with
        {
            RateLimits = new RateLimits(),
            Compatibility = Compatibility.Synapse167,
            ServerVersion = "1.67.0",
            SeedUsers = [new SeedUser("bot", "bot-pass-123", false), new SeedUser("admin", "admin-pass-123", true)],
        });
        var c = hs.Client;
        var check = new ShapeCheck();

        var versions = await c.GetAsync("/_matrix/client/versions");
        Assert.Equal(Recorded["versions"].ResponseBody!["versions"]!.ToJsonString(), versions.Object["versions"]!.ToJsonString());

        var botLogin = await Replay(c, "login bot (password, device_id SMOKEDEV1)", check);
        var bot = botLogin.Str("access_token");
        Assert.StartsWith("syt_", bot, StringComparison.Ordinal);
        Assert.Equal("SMOKEDEV1", botLogin.Str("device_id"));
        await Replay(c, "whoami bot", check, token: bot);
        var admin = (await Replay(c, "login admin", check)).Str("access_token");

        var alias = "#smoke-20261124-185356:localhost";
        var roomId = (await Replay(c, "createRoom with alias", check, token: bot)).Str("room_id");
        Assert.StartsWith("!", roomId, StringComparison.Ordinal);
        await Replay(c, "resolve alias", check, path: "/_matrix/client/v3/directory/room/" + Enc(alias), token: bot);

        var sendPath = $"/_matrix/client/v3/rooms/{Enc(roomId)}/send/m.room.message/txn1";
        var first = (await Replay(c, "send txn1 (first)", check, path: sendPath, token: bot)).Str("event_id");
        var repeat = (await Replay(c, "send txn1 (repeat, same token)", check, path: sendPath, token: bot)).Str("event_id");
        Assert.Equal(first, repeat);

        await Replay(c, "logout bot", check, token: bot, exact: true);
        await Replay(c, "whoami with logged-out token", check, token: bot, exact: true);
        await Replay(c, "send with logged-out token", check, path: $"/_matrix/client/v3/rooms/{Enc(roomId)}/send/m.room.message/txn-after-logout", token: bot, exact: true);
        bot = (await Replay(c, "login bot again (same device_id SMOKEDEV1)", check)).Str("access_token");
        var afterRelogin = (await Replay(c, "send txn1 again with NEW token, same device_id", check, path: sendPath, token: bot)).Str("event_id");
        Assert.NotEqual(first, afterRelogin);

        await Replay(c, "admin: server_version", check, token: admin);
        var botPath = "/_synapse/admin/v2/users/" + Enc(hs.BotId);
        await Replay(c, "admin: GET v2 user @bot:localhost", check, path: botPath, token: admin);
        await Replay(c, "admin: non-admin bot calls admin API", check, path: botPath, token: bot, exact: true);

        // The recording's bot had a second, never-used device from an earlier login.
        Assert.Equal(201, (await c.PostAsync(botPath + "/devices", new JsonObject { ["device_id"] = "QFKCDRZKHY" }, admin)).Code);
        await Replay(c, "admin: GET devices", check, path: botPath + "/devices", token: admin);
        await Replay(c, "admin: POST delete_devices (all but SMOKEDEV1)", check, path: botPath + "/delete_devices", token: admin, exact: true);
        var remaining = await Replay(c, "admin: GET devices after delete", check, path: botPath + "/devices", token: admin);
        Assert.Equal("SMOKEDEV1", remaining.Object["devices"]![0]!["device_id"]!.GetValue<string>());
        await Replay(c, "admin: rooms list", check, token: admin);
        var overridePath = "/_synapse/admin/v1/users/" + Enc(hs.BotId) + "/override_ratelimit";
        await Replay(c, "admin: GET override_ratelimit (none set)", check, path: overridePath, token: admin, exact: true);

        var limited = await SendUntilLimitedAsync(c, roomId, bot, 50);
        Assert.NotNull(limited);
        check.Compare("burst of 50 sends as bot (default rate limits)", Recorded["wrong-password login #1"].ResponseBody, limited!.Json);
        Assert.False(limited.Headers.Contains("Retry-After"), "Synapse 1.67 sends no Retry-After header");

        await Replay(c, "admin: POST override_ratelimit 0/0 (unlimited)", check, path: overridePath, token: admin, exact: true);
        await Replay(c, "admin: GET override_ratelimit", check, path: overridePath, token: admin, exact: true);
        Assert.Null(await SendUntilLimitedAsync(c, roomId, bot, 20));
        await Replay(c, "admin: DELETE override_ratelimit (back to defaults)", check, path: overridePath, token: admin, exact: true);
        await Replay(c, "admin: GET override_ratelimit after delete", check, path: overridePath, token: admin, exact: true);

        // Three logins used up rc_login.address: the fourth is limited even with a wrong password.
        await Replay(c, "wrong-password login #1", check);
        await Replay(c, "whoami bot (token from re-login, still valid)", check, token: bot);

        Assert.True(check.Differences.Count == 0, string.Join("\n", check.Differences));
    }

    [Fact]
    public async Task Current_mode_differs_from_1_67_only_where_newer_Synapse_does()
    {
        await using var hs = await TestHomeserver.StartAsync(o => o with { RateLimits = new RateLimits() });
        var bot = await hs.LoginBotAsync("DEV1");
        var admin = await hs.LoginAdminAsync();
        var roomId = await hs.Client.CreateRoomAsync(bot.AccessToken);
        var sendPath = $"/_matrix/client/v3/rooms/{Enc(roomId)}/send/m.room.message/txn1";
        var body = new JsonObject { ["msgtype"] = "m.text", ["body"] = "x" };
        var first = (await hs.Client.PutAsync(sendPath, body, bot.AccessToken)).Str("event_id");
        var relogged = await hs.LoginBotAsync("DEV1");
        Assert.Equal(first, (await hs.Client.PutAsync(sendPath, body, relogged.AccessToken)).Str("event_id"));

        var user = await hs.Client.GetAsync("/_synapse/admin/v2/users/" + Enc(hs.BotId), admin.AccessToken);
        Assert.Equal(System.Text.Json.JsonValueKind.False, user.Object["admin"]!.GetValueKind());
        Assert.True(user.Object["creation_ts"]!.GetValue<long>() > 1_000_000_000_000, "creation_ts is in ms");

        var versions = await hs.Client.GetAsync("/_matrix/client/versions");
        Assert.Contains("v1.7", versions.Object["versions"]!.AsArray().Select(v => v!.GetValue<string>()));

        var limited = await SendUntilLimitedAsync(hs.Client, roomId, relogged.AccessToken, 50);
        Assert.NotNull(limited);
        Assert.True(limited!.Headers.RetryAfter?.Delta > TimeSpan.Zero, "current Synapse sends Retry-After");
        Assert.True(limited.Object["retry_after_ms"]!.GetValue<long>() > 0);
    }

    private static string Enc(string segment) => MatrixTestClient.Enc(segment);

    private static async Task<ClientResponse> Replay(MatrixTestClient client, string title, ShapeCheck check, string? path = null, string? token = null, bool exact = false)
    {
        var recorded = Recorded[title];
        var response = await client.SendAsync(new HttpMethod(recorded.Method), path ?? recorded.Path, recorded.RequestBody, token);
        Assert.True(recorded.Status == response.Code, $"{title}: expected HTTP {recorded.Status}, got {response}");
        if (exact)
        {
            Assert.True(recorded.ResponseBody!.ToJsonString() == response.Json?.ToJsonString(), $"{title}: expected {recorded.ResponseBody!.ToJsonString()}, got {response.Text}");
        }

        check.Compare(title, recorded.ResponseBody, response.Json);
        return response;
    }

    private static async Task<ClientResponse?> SendUntilLimitedAsync(MatrixTestClient client, string roomId, string token, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var response = await client.PutAsync($"/_matrix/client/v3/rooms/{Enc(roomId)}/send/m.room.message/burst-{Guid.NewGuid():N}", new JsonObject { ["msgtype"] = "m.text", ["body"] = "burst" }, token);
            if (response.Code == 429)
            {
                return response;
            }

            Assert.Equal(200, response.Code);
        }

        return null;
    }

    private static string? FindSharedReference()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "reference", "recordings-synapse-1.67.md");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private sealed class ShapeCheck
    {
        public List<string> Differences { get; } = [];

        public void Compare(string title, JsonNode? expected, JsonNode? actual) =>
            Differences.AddRange(JsonShape.Differences(expected, actual).Select(d => $"{title}: {d}"));
    }
}
