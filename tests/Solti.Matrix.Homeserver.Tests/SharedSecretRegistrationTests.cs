using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

[Trait("tier", "integration")]
public sealed class SharedSecretRegistrationTests
{
    private const string Register = "/_synapse/admin/v1/register";
    private const string Secret = "shared-s3cret";

    private static Task<TestHomeserver> StartAsync() => TestHomeserver.StartAsync(o => o with { RegistrationSharedSecret = Secret });

    private static string Mac(string secret, string nonce, string username, string password, bool admin, string? userType = null)
    {
        var message = $"{nonce}\0{username}\0{password}\0{(admin ? "admin" : "notadmin")}" + (userType is null ? "" : "\0" + userType);
        return Convert.ToHexStringLower(HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(message)));
    }

    private static async Task<string> NonceAsync(TestHomeserver hs)
    {
        var response = await hs.Client.GetAsync(Register);
        Assert.Equal(200, response.Code);
        return response.Str("nonce");
    }

    private static JsonObject Body(string nonce, string username, string password, bool admin, string? userType = null, string secret = Secret)
    {
        var body = new JsonObject
        {
            ["nonce"] = nonce,
            ["username"] = username,
            ["password"] = password,
            ["admin"] = admin,
            ["mac"] = Mac(secret, nonce, username, password, admin, userType),
        };
        if (userType is not null)
        {
            body["user_type"] = userType;
        }

        return body;
    }

    [Fact]
    public async Task Register_with_valid_mac_creates_a_logged_in_admin_user()
    {
        await using var hs = await StartAsync();
        var nonce = await NonceAsync(hs);

        var body = Body(nonce, "newadmin", "pw-123", admin: true);
        body["displayname"] = "New Admin";
        var response = await hs.Client.PostAsync(Register, body);

        Assert.Equal(200, response.Code);
        Assert.Equal($"@newadmin:{hs.ServerName}", response.Str("user_id"));
        Assert.Equal(hs.ServerName, response.Str("home_server"));
        Assert.False(string.IsNullOrEmpty(response.Str("device_id")));
        var token = response.Str("access_token");
        var whoami = await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", token);
        Assert.Equal(200, whoami.Code);
        Assert.Equal(response.Str("device_id"), whoami.Str("device_id"));

        var self = await hs.Client.GetAsync($"/_synapse/admin/v2/users/{MatrixTestClient.Enc($"@newadmin:{hs.ServerName}")}", token);
        Assert.Equal(200, self.Code);
        Assert.True(self.Object["admin"]!.GetValue<bool>());
        Assert.Equal("New Admin", self.Str("displayname"));
        var login = await hs.Client.LoginAsync("newadmin", "pw-123");
        Assert.Equal($"@newadmin:{hs.ServerName}", login.UserId);

        // The MAC covers the username as sent; the account gets its lower-cased form.
        var mixed = await hs.Client.PostAsync(Register, Body(await NonceAsync(hs), "MixedCase", "pw", admin: false));
        Assert.Equal(200, mixed.Code);
        Assert.Equal($"@mixedcase:{hs.ServerName}", mixed.Str("user_id"));
    }

    [Fact]
    public async Task Register_honours_device_id_refresh_token_and_inhibit_login()
    {
        await using var hs = await StartAsync();
        var admin = await hs.LoginAdminAsync();

        var body = Body(await NonceAsync(hs), "dev", "pw", admin: false);
        body["device_id"] = "CHOSEN";
        body["refresh_token"] = true;
        var withDevice = await hs.Client.PostAsync(Register, body);
        Assert.Equal(200, withDevice.Code);
        Assert.Equal("CHOSEN", withDevice.Str("device_id"));
        Assert.False(string.IsNullOrEmpty(withDevice.Str("refresh_token")));
        Assert.True(withDevice.Object["expires_in_ms"]!.GetValue<long>() > 0);
        Assert.Equal("CHOSEN", (await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", withDevice.Str("access_token"))).Str("device_id"));

        var quiet = Body(await NonceAsync(hs), "quiet", "pw", admin: false);
        quiet["inhibit_login"] = true;
        var inhibited = await hs.Client.PostAsync(Register, quiet);
        Assert.Equal(200, inhibited.Code);
        Assert.Equal($"@quiet:{hs.ServerName}", inhibited.Str("user_id"));
        Assert.False(inhibited.Object.ContainsKey("access_token"));
        var devices = await hs.Client.GetAsync($"/_synapse/admin/v2/users/{MatrixTestClient.Enc($"@quiet:{hs.ServerName}")}/devices", admin.AccessToken);
        Assert.Equal(0, devices.Object["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task Register_with_user_type_includes_it_in_the_mac()
    {
        await using var hs = await StartAsync();
        var admin = await hs.LoginAdminAsync();

        var wrong = Body(await NonceAsync(hs), "helper", "pw", admin: false);
        wrong["user_type"] = "bot";
        Assert.Equal(403, (await hs.Client.PostAsync(Register, wrong)).Code);

        var right = await hs.Client.PostAsync(Register, Body(await NonceAsync(hs), "helper", "pw", admin: false, userType: "bot"));
        Assert.Equal(200, right.Code);
        var user = await hs.Client.GetAsync($"/_synapse/admin/v2/users/{MatrixTestClient.Enc($"@helper:{hs.ServerName}")}", admin.AccessToken);
        Assert.Equal("bot", user.Str("user_type"));
        Assert.False(user.Object["admin"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Nonce_is_single_use_even_after_a_failed_attempt()
    {
        await using var hs = await StartAsync();
        var nonce = await NonceAsync(hs);

        var bad = Body(nonce, "alice", "pw", admin: false, secret: "wrong-secret");
        var first = await hs.Client.PostAsync(Register, bad);
        Assert.Equal(403, first.Code);
        Assert.Equal("M_FORBIDDEN", first.Errcode);
        Assert.Equal("HMAC incorrect", first.Str("error"));

        var retry = await hs.Client.PostAsync(Register, Body(nonce, "alice", "pw", admin: false));
        Assert.Equal(400, retry.Code);
        Assert.Equal("unrecognised nonce", retry.Str("error"));

        var used = Body(await NonceAsync(hs), "alice", "pw", admin: false);
        Assert.Equal(200, (await hs.Client.PostAsync(Register, used)).Code);
        Assert.Equal(400, (await hs.Client.PostAsync(Register, used)).Code);
    }

    [Fact]
    public async Task Register_rejects_taken_and_invalid_usernames()
    {
        await using var hs = await StartAsync();

        var taken = await hs.Client.PostAsync(Register, Body(await NonceAsync(hs), "bot", "pw", admin: false));
        Assert.Equal(400, taken.Code);
        Assert.Equal("M_USER_IN_USE", taken.Errcode);
        Assert.Equal("User ID already taken.", taken.Str("error"));

        var invalid = await hs.Client.PostAsync(Register, Body(await NonceAsync(hs), "bad name!", "pw", admin: false));
        Assert.Equal(400, invalid.Code);
        Assert.Equal("M_INVALID_USERNAME", invalid.Errcode);

        var numeric = await hs.Client.PostAsync(Register, Body(await NonceAsync(hs), "12345", "pw", admin: false));
        Assert.Equal(400, numeric.Code);
        Assert.Equal("M_INVALID_USERNAME", numeric.Errcode);

        var badType = await hs.Client.PostAsync(Register, Body(await NonceAsync(hs), "typed", "pw", admin: false, userType: "wizard"));
        Assert.Equal(400, badType.Code);

        var admin = await hs.LoginAdminAsync();
        var list = await hs.Client.GetAsync("/_synapse/admin/v2/users", admin.AccessToken);
        Assert.Equal(2, list.Object["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task Register_fails_when_shared_secret_is_not_configured_or_nonce_unknown()
    {
        await using (var plain = await TestHomeserver.StartAsync())
        {
            var nonce = await NonceAsync(plain);
            var disabled = await plain.Client.PostAsync(Register, Body(nonce, "x1", "pw", admin: false));
            Assert.Equal(400, disabled.Code);
            Assert.Equal("Shared secret registration is not enabled", disabled.Str("error"));
        }

        await using var hs = await StartAsync();
        var unknown = await hs.Client.PostAsync(Register, Body("not-a-nonce", "x2", "pw", admin: false));
        Assert.Equal(400, unknown.Code);
        Assert.Equal("unrecognised nonce", unknown.Str("error"));

        var noNonce = await hs.Client.PostAsync(Register, new JsonObject { ["username"] = "x3" });
        Assert.Equal(400, noNonce.Code);
        Assert.Equal("M_BAD_JSON", noNonce.Errcode);
    }

    [Fact]
    public async Task A_homeserver_delegating_to_mas_does_not_serve_it()
    {
        // Synapse registers UserRegisterServlet only without matrix_authentication_service: MAS registers users.
        await using var hs = await TestHomeserver.StartAsync(o => o with { RegistrationSharedSecret = Secret, AuthenticationService = TestHomeserver.Mas() });
        var nonce = await hs.Client.GetAsync(Register);
        Assert.Equal((404, "M_UNRECOGNIZED"), (nonce.Code, nonce.Errcode));
        var post = await hs.Client.PostAsync(Register, new JsonObject { ["nonce"] = "x" });
        Assert.Equal((404, "M_UNRECOGNIZED"), (post.Code, post.Errcode));
    }
}
