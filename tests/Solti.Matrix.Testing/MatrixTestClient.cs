using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Solti.Matrix.Testing;

/// <summary>Raw HTTP to the homeserver: the tests speak the wire protocol, nothing in between.</summary>
public sealed class MatrixTestClient(Uri baseAddress) : IDisposable
{
    private readonly HttpClient _http = CreateHttp(baseAddress);

    public Uri BaseAddress => baseAddress;

    public async Task<ClientResponse> SendAsync(HttpMethod method, string path, JsonNode? body = null, string? token = null, string? rawBody = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (rawBody is not null || body is not null)
        {
            request.Content = new StringContent(rawBody ?? body!.ToJsonString(), Encoding.UTF8, "application/json");
        }

        return await ReadAsync(request);
    }

    /// <summary>A form-encoded POST (OAuth 2.0), with HTTP Basic client credentials when given.</summary>
    public async Task<ClientResponse> PostFormAsync(string path, Dictionary<string, string> form, (string Id, string Secret)? basic = null, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(form) };
        if (basic is { } credentials)
        {
            var pair = Uri.EscapeDataString(credentials.Id) + ":" + Uri.EscapeDataString(credentials.Secret);
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(pair)));
        }
        else if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await ReadAsync(request);
    }

    /// <summary>Sends and reads the answer: its status, headers and body (parsed when it is JSON).</summary>
    private async Task<ClientResponse> ReadAsync(HttpRequestMessage request)
    {
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonNode? json = null;
        try
        {
            json = text.Length > 0 ? JsonNode.Parse(text) : null;
        }
        catch (JsonException)
        {
        }

        return new ClientResponse(response.StatusCode, response.Headers, response.Content.Headers.ContentType?.MediaType, text, json);
    }

    public Task<ClientResponse> GetAsync(string path, string? token = null) => SendAsync(HttpMethod.Get, path, null, token);

    public Task<ClientResponse> PostAsync(string path, JsonNode? body, string? token = null) => SendAsync(HttpMethod.Post, path, body ?? new JsonObject(), token);

    public Task<ClientResponse> PutAsync(string path, JsonNode? body, string? token = null) => SendAsync(HttpMethod.Put, path, body ?? new JsonObject(), token);

    public Task<ClientResponse> DeleteAsync(string path, string? token = null, JsonNode? body = null) => SendAsync(HttpMethod.Delete, path, body, token);

    /// <summary>The body of an <c>m.login.password</c> login.</summary>
    public static JsonObject LoginBody(string user, string password) => new()
    {
        ["type"] = "m.login.password",
        ["identifier"] = new JsonObject { ["type"] = "m.id.user", ["user"] = user },
        ["password"] = password,
    };

    /// <summary>Password login; asserts success and returns the response.</summary>
    public async Task<Session> LoginAsync(string user, string password, string? deviceId = null, bool refreshToken = false)
    {
        var body = LoginBody(user, password);
        if (deviceId is not null)
        {
            body["device_id"] = deviceId;
        }

        if (refreshToken)
        {
            body["refresh_token"] = true;
        }

        var response = await PostAsync("/_matrix/client/v3/login", body);
        if (response.Code != 200)
        {
            throw new InvalidOperationException($"login of {user} failed: {response}");
        }

        return new Session(response.Str("user_id"), response.Str("access_token"), response.Str("device_id"), response.Object["refresh_token"]?.GetValue<string>());
    }

    /// <summary>Creates a room and returns its id; asserts success.</summary>
    public async Task<string> CreateRoomAsync(string token, JsonObject? body = null)
    {
        var response = await PostAsync("/_matrix/client/v3/createRoom", body ?? new JsonObject(), token);
        if (response.Code != 200)
        {
            throw new InvalidOperationException($"createRoom failed: {response}");
        }

        return response.Str("room_id");
    }

    private static HttpClient CreateHttp(Uri baseAddress)
    {
        var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.UserAgent.ParseAdd("solti-tests/1.0");
        return http;
    }

    public static string Enc(string segment) => Uri.EscapeDataString(segment);

    /// <summary>A flag of the Synapse admin API (<c>admin</c>, <c>deactivated</c>, …) as the server answered it: a boolean,
    /// or 0/1 as Synapse before 1.69 answers; anything else fails the test.</summary>
    public static bool Flag(JsonNode? flag) => flag?.GetValueKind() switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number => flag.GetValue<int>() switch { 0 => false, 1 => true, var n => throw new InvalidOperationException($"a Synapse flag of {n}") },
        var kind => throw new InvalidOperationException($"a Synapse flag of kind {kind}"),
    };

    public void Dispose() => _http.Dispose();
}
