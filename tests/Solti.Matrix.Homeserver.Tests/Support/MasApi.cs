using System.Text.Json.Nodes;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests.Support;

/// <summary>Raw calls to the emulated MAS admin API with an admin token from the client-credentials grant.</summary>
public sealed class MasApi(TestHomeserver hs, string token)
{
    public const string Base = "/api/admin/v1";

    public string Token => token;

    public static async Task<MasApi> ConnectAsync(TestHomeserver hs) => new(hs, await hs.MasAdminTokenAsync());

    public Task<ClientResponse> GetAsync(string path) => hs.Client.GetAsync(Base + path, token);

    public Task<ClientResponse> PostAsync(string path, JsonNode? body = null) => hs.Client.PostAsync(Base + path, body, token);

    public Task<ClientResponse> PutAsync(string path, JsonNode? body) => hs.Client.PutAsync(Base + path, body, token);

    public async Task<string> UserIdAsync(string username) => Id(await GetAsync("/users/by-username/" + username));

    /// <summary>Creates a user with a password and returns its id.</summary>
    public async Task<string> CreateUserAsync(string username, string password = "Correct-Horse-1")
    {
        var created = await PostAsync("/users", new JsonObject { ["username"] = username });
        Assert.True(created.Code == 201, created.ToString());
        var id = Id(created);
        Assert.Equal(204, (await PostAsync($"/users/{id}/set-password", new JsonObject { ["password"] = password })).Code);
        return id;
    }

    /// <summary>Creates a personal session and returns (session id, token).</summary>
    public async Task<(string Id, string Token)> PersonalSessionAsync(string userId, string scope, long? expiresIn = null)
    {
        var body = new JsonObject { ["actor_user_id"] = userId, ["human_name"] = "bot token", ["scope"] = scope };
        if (expiresIn is not null)
        {
            body["expires_in"] = expiresIn;
        }

        var created = await PostAsync("/personal-sessions", body);
        Assert.True(created.Code == 201, created.ToString());
        return (Id(created), created.Object["data"]!["attributes"]!["access_token"]!.GetValue<string>());
    }

    public static string Id(ClientResponse single) => single.Object["data"]!["id"]!.GetValue<string>();

    public static JsonObject Attributes(ClientResponse single) => single.Object["data"]!["attributes"]!.AsObject();

    public static string? Title(ClientResponse error) => error.Object["errors"]![0]!["title"]!.GetValue<string>();
}
