using System.Text.Json.Nodes;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests.Support;

/// <summary>Raw E2EE and sync calls for one logged-in device: keys (random strings; the homeserver, like Synapse, checks
/// no signature), to-device messages and <c>/sync</c>.</summary>
public sealed class E2eeClient(TestHomeserver hs, Session session)
{
    public const string V3 = "/_matrix/client/v3";

    public Session Session => session;

    public string UserId => session.UserId;

    public string DeviceId => session.DeviceId;

    public string Token => session.AccessToken;

    public static async Task<E2eeClient> LoginAsync(TestHomeserver hs, string user, string password, string deviceId, string? displayName = null)
    {
        var body = MatrixTestClient.LoginBody(user, password);
        body["device_id"] = deviceId;
        if (displayName is not null)
        {
            body["initial_device_display_name"] = displayName;
        }

        var login = await hs.Client.PostAsync(V3 + "/login", body);
        Assert.True(login.Code == 200, login.ToString());
        return new E2eeClient(hs, new Session(login.Str("user_id"), login.Str("access_token"), login.Str("device_id"), null));
    }

    public static Task<E2eeClient> BotAsync(TestHomeserver hs, string deviceId = "BOTDEV", string? displayName = null) =>
        LoginAsync(hs, "bot", TestHomeserver.BotPassword, deviceId, displayName);

    public static Task<E2eeClient> AdminAsync(TestHomeserver hs, string deviceId = "ADMINDEV") =>
        LoginAsync(hs, "admin", TestHomeserver.AdminPassword, deviceId);

    /// <summary>A <c>device_keys</c> object for this device.</summary>
    public JsonObject DeviceKeys(string curve = "curve-key", string ed = "ed-key") => new()
    {
        ["user_id"] = UserId,
        ["device_id"] = DeviceId,
        ["algorithms"] = new JsonArray("m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"),
        ["keys"] = new JsonObject { ["curve25519:" + DeviceId] = curve, ["ed25519:" + DeviceId] = ed },
        ["signatures"] = new JsonObject { [UserId] = new JsonObject { ["ed25519:" + DeviceId] = "sig-" + ed } },
    };

    /// <summary>A signed key object as clients upload one-time and fallback keys.</summary>
    public JsonObject SignedKey(string key, bool fallback = false)
    {
        var signed = new JsonObject { ["key"] = key };
        if (fallback)
        {
            signed["fallback"] = true;
        }

        signed["signatures"] = new JsonObject { [UserId] = new JsonObject { ["ed25519:" + DeviceId] = "sig-" + key } };
        return signed;
    }

    public Task<ClientResponse> UploadAsync(JsonObject body) => hs.Client.PostAsync(V3 + "/keys/upload", body, Token);

    public Task<ClientResponse> QueryAsync(JsonObject deviceKeys) => hs.Client.PostAsync(V3 + "/keys/query", new JsonObject { ["device_keys"] = deviceKeys }, Token);

    public Task<ClientResponse> ClaimAsync(string userId, string deviceId, string algorithm = "signed_curve25519") =>
        hs.Client.PostAsync(V3 + "/keys/claim", new JsonObject { ["one_time_keys"] = new JsonObject { [userId] = new JsonObject { [deviceId] = algorithm } } }, Token);

    public Task<ClientResponse> SendToDeviceAsync(string txnId, JsonObject messages, string type = "m.room.encrypted") =>
        hs.Client.PutAsync($"{V3}/sendToDevice/{type}/{txnId}", new JsonObject { ["messages"] = messages.DeepClone() }, Token);

    /// <summary><c>GET /sync</c>; asserts a 200.</summary>
    public async Task<JsonObject> SyncAsync(string? since = null, int timeout = 0, string? filter = null)
    {
        var response = await SyncRawAsync(since, timeout, filter);
        Assert.True(response.Code == 200, response.ToString());
        return response.Object;
    }

    /// <summary>The <c>next_batch</c> of a sync now.</summary>
    public async Task<string> NextBatchAsync(string? since = null) => (await SyncAsync(since))["next_batch"]!.GetValue<string>();

    public Task<ClientResponse> SyncRawAsync(string? since = null, int timeout = 0, string? filter = null)
    {
        var query = $"?timeout={timeout}";
        if (since is not null)
        {
            query += "&since=" + Uri.EscapeDataString(since);
        }

        if (filter is not null)
        {
            query += "&filter=" + Uri.EscapeDataString(filter);
        }

        return hs.Client.GetAsync(V3 + "/sync" + query, Token);
    }

    public async Task<string> SendMessageAsync(string roomId, string txnId, string body = "hello")
    {
        var sent = await hs.Client.PutAsync($"{V3}/rooms/{MatrixTestClient.Enc(roomId)}/send/m.room.message/{txnId}", new JsonObject { ["msgtype"] = "m.text", ["body"] = body }, Token);
        Assert.True(sent.Code == 200, sent.ToString());
        return sent.Str("event_id");
    }

    public async Task JoinAsync(string roomId) =>
        Assert.Equal(200, (await hs.Client.PostAsync($"{V3}/join/{MatrixTestClient.Enc(roomId)}", null, Token)).Code);

    /// <summary>The room ids of a sync answer's section (<c>join</c>, <c>invite</c>, <c>leave</c>).</summary>
    public static IReadOnlyList<string> Rooms(JsonObject sync, string section) =>
        sync["rooms"]?[section] is JsonObject rooms ? [.. rooms.Select(p => p.Key)] : [];

    /// <summary>The to-device events of a sync answer.</summary>
    public static IReadOnlyList<JsonObject> ToDevice(JsonObject sync) =>
        sync["to_device"]?["events"] is JsonArray events ? [.. events.Select(e => e!.AsObject())] : [];

    public static IReadOnlyList<string> DeviceListChanged(JsonObject sync, string key = "changed") =>
        sync["device_lists"]?[key] is JsonArray users ? [.. users.Select(u => u!.GetValue<string>())] : [];

    /// <summary>Waits (bounded) until the homeserver is answering <paramref name="count"/> requests: a long poll has
    /// arrived and is waiting.</summary>
    public static async Task WaitForInFlightAsync(TestHomeserver hs, string adminToken, int count = 1)
    {
        for (var i = 0; i < 500; i++)
        {
            var counters = await hs.Client.GetAsync("/_solti/testing/v1/counters", adminToken);
            if (counters.Object["in_flight"]!.GetValue<long>() >= count)
            {
                return;
            }

            await Task.Delay(10);
        }

        throw new TimeoutException("the long poll never arrived");
    }
}
