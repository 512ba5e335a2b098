using System.Text.Json;
using System.Text.Json.Nodes;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

[Trait("tier", "integration")]
public sealed class RegistrationTokenTests
{
    private const string Tokens = "/_synapse/admin/v1/registration_tokens";

    private static List<string> Listed(ClientResponse response) =>
        response.Object["registration_tokens"]!.AsArray().Select(t => t!["token"]!.GetValue<string>()).ToList();

    [Fact]
    public async Task New_token_with_defaults_is_16_allowed_characters_and_listed()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();

        var created = await hs.Client.PostAsync($"{Tokens}/new", new JsonObject(), admin.AccessToken);

        Assert.Equal(200, created.Code);
        var token = created.Str("token");
        Assert.Equal(16, token.Length);
        Assert.Matches("^[A-Za-z0-9._~-]+$", token);
        Assert.Equal(JsonValueKind.Null, created.Object["uses_allowed"]?.GetValueKind() ?? JsonValueKind.Null);
        Assert.True(created.Object.ContainsKey("uses_allowed"));
        Assert.Equal(0, created.Object["pending"]!.GetValue<int>());
        Assert.Equal(0, created.Object["completed"]!.GetValue<int>());
        Assert.True(created.Object.ContainsKey("expiry_time"));

        var list = await hs.Client.GetAsync(Tokens, admin.AccessToken);
        Assert.Equal([token], Listed(list));
        var single = await hs.Client.GetAsync($"{Tokens}/{token}", admin.AccessToken);
        Assert.Equal(200, single.Code);
        Assert.Equal(token, single.Str("token"));
    }

    [Fact]
    public async Task New_token_with_explicit_values_and_length()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();
        var expiry = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 3_600_000;

        var named = await hs.Client.PostAsync($"{Tokens}/new", new JsonObject { ["token"] = "abc.DEF_~-1", ["uses_allowed"] = 3, ["expiry_time"] = expiry }, admin.AccessToken);
        Assert.Equal(200, named.Code);
        Assert.Equal(3, named.Object["uses_allowed"]!.GetValue<int>());
        Assert.Equal(expiry, named.Object["expiry_time"]!.GetValue<long>());

        var sized = await hs.Client.PostAsync($"{Tokens}/new", new JsonObject { ["length"] = 64 }, admin.AccessToken);
        Assert.Equal(64, sized.Str("token").Length);

        var read = await hs.Client.GetAsync($"{Tokens}/abc.DEF_~-1", admin.AccessToken);
        Assert.Equal(3, read.Object["uses_allowed"]!.GetValue<int>());
        Assert.Equal(expiry, read.Object["expiry_time"]!.GetValue<long>());
    }

    [Theory]
    [InlineData("{\"token\":\"\"}")]
    [InlineData("{\"token\":\"has space\"}")]
    [InlineData("{\"token\":5}")]
    [InlineData("{\"length\":0}")]
    [InlineData("{\"length\":65}")]
    [InlineData("{\"length\":\"8\"}")]
    [InlineData("{\"uses_allowed\":-1}")]
    [InlineData("{\"uses_allowed\":\"2\"}")]
    [InlineData("{\"expiry_time\":1000}")]
    [InlineData("{\"expiry_time\":\"soon\"}")]
    public async Task New_token_rejects_invalid_parameters_with_invalid_param(string body)
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();

        var response = await hs.Client.PostAsync($"{Tokens}/new", JsonNode.Parse(body), admin.AccessToken);

        Assert.Equal(400, response.Code);
        Assert.Equal("M_INVALID_PARAM", response.Errcode);
        Assert.Empty(Listed(await hs.Client.GetAsync(Tokens, admin.AccessToken)));
    }

    [Fact]
    public async Task New_token_rejects_a_token_longer_than_64_and_an_existing_token()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();

        var tooLong = await hs.Client.PostAsync($"{Tokens}/new", new JsonObject { ["token"] = new string('a', 65) }, admin.AccessToken);
        Assert.Equal(400, tooLong.Code);

        Assert.Equal(200, (await hs.Client.PostAsync($"{Tokens}/new", new JsonObject { ["token"] = "dup", ["uses_allowed"] = 1 }, admin.AccessToken)).Code);
        var duplicate = await hs.Client.PostAsync($"{Tokens}/new", new JsonObject { ["token"] = "dup" }, admin.AccessToken);
        Assert.Equal(400, duplicate.Code);
        Assert.Equal("M_INVALID_PARAM", duplicate.Errcode);
        Assert.StartsWith("Token already exists", duplicate.Str("error"), StringComparison.Ordinal);
        Assert.Equal(1, (await hs.Client.GetAsync($"{Tokens}/dup", admin.AccessToken)).Object["uses_allowed"]!.GetValue<int>());
    }

    [Fact]
    public async Task Put_updates_only_given_fields_and_delete_removes_the_token()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();
        var expiry = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 3_600_000;
        await hs.Client.PostAsync($"{Tokens}/new", new JsonObject { ["token"] = "tok", ["uses_allowed"] = 2 }, admin.AccessToken);

        var updated = await hs.Client.PutAsync($"{Tokens}/tok", new JsonObject { ["expiry_time"] = expiry }, admin.AccessToken);
        Assert.Equal(200, updated.Code);
        Assert.Equal(2, updated.Object["uses_allowed"]!.GetValue<int>());
        Assert.Equal(expiry, updated.Object["expiry_time"]!.GetValue<long>());

        var unlimited = await hs.Client.PutAsync($"{Tokens}/tok", new JsonObject { ["uses_allowed"] = null }, admin.AccessToken);
        Assert.Equal(200, unlimited.Code);
        Assert.Null(unlimited.Object["uses_allowed"]);

        var invalid = await hs.Client.PutAsync($"{Tokens}/tok", new JsonObject { ["uses_allowed"] = -3 }, admin.AccessToken);
        Assert.Equal(400, invalid.Code);
        Assert.Equal("M_INVALID_PARAM", invalid.Errcode);

        var read = await hs.Client.GetAsync($"{Tokens}/tok", admin.AccessToken);
        Assert.Null(read.Object["uses_allowed"]);
        Assert.Equal(expiry, read.Object["expiry_time"]!.GetValue<long>());

        var deleted = await hs.Client.DeleteAsync($"{Tokens}/tok", admin.AccessToken);
        Assert.Equal(200, deleted.Code);
        Assert.Empty(deleted.Object);
        var gone = await hs.Client.GetAsync($"{Tokens}/tok", admin.AccessToken);
        Assert.Equal(404, gone.Code);
        Assert.Equal("M_NOT_FOUND", gone.Errcode);
        Assert.Equal("No such registration token: tok", gone.Str("error"));
    }

    [Fact]
    public async Task Unknown_token_gives_404_on_get_put_and_delete()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();

        foreach (var response in new[]
        {
            await hs.Client.GetAsync($"{Tokens}/nope", admin.AccessToken),
            await hs.Client.PutAsync($"{Tokens}/nope", new JsonObject { ["uses_allowed"] = 1 }, admin.AccessToken),
            await hs.Client.DeleteAsync($"{Tokens}/nope", admin.AccessToken),
        })
        {
            Assert.Equal(404, response.Code);
            Assert.Equal("M_NOT_FOUND", response.Errcode);
            Assert.Equal("No such registration token: nope", response.Str("error"));
        }
    }

    [Fact]
    public async Task List_filters_by_validity()
    {
        var clock = new ManualTime();
        await using var hs = await TestHomeserver.StartAsync(time: clock);
        var admin = await hs.LoginAdminAsync();
        await hs.Client.PostAsync($"{Tokens}/new", new JsonObject { ["token"] = "open" }, admin.AccessToken);
        await hs.Client.PostAsync($"{Tokens}/new", new JsonObject { ["token"] = "used", ["uses_allowed"] = 0 }, admin.AccessToken);
        var soon = clock.GetUtcNow().ToUnixTimeMilliseconds() + 150;
        Assert.Equal(200, (await hs.Client.PostAsync($"{Tokens}/new", new JsonObject { ["token"] = "expiring", ["expiry_time"] = soon }, admin.AccessToken)).Code);
        clock.Advance(TimeSpan.FromMilliseconds(250));

        var valid = await hs.Client.GetAsync($"{Tokens}?valid=true", admin.AccessToken);
        Assert.Equal(["open"], Listed(valid));

        var invalid = await hs.Client.GetAsync($"{Tokens}?valid=false", admin.AccessToken);
        Assert.Equal(["expiring", "used"], Listed(invalid).Order(StringComparer.Ordinal));

        Assert.Equal(3, Listed(await hs.Client.GetAsync(Tokens, admin.AccessToken)).Count);
        Assert.Equal(400, (await hs.Client.GetAsync($"{Tokens}?valid=maybe", admin.AccessToken)).Code);
    }

    [Fact]
    public async Task Registration_token_endpoints_are_admin_only()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();
        var bot = await hs.LoginBotAsync();

        var create = await hs.Client.PostAsync($"{Tokens}/new", new JsonObject { ["token"] = "sneaky" }, bot.AccessToken);
        Assert.Equal(403, create.Code);
        Assert.Equal("M_FORBIDDEN", create.Errcode);
        Assert.Equal(403, (await hs.Client.GetAsync(Tokens, bot.AccessToken)).Code);
        Assert.Empty(Listed(await hs.Client.GetAsync(Tokens, admin.AccessToken)));
    }
}
