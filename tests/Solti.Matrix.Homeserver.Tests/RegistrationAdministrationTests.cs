using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Solti.Matrix.Homeserver.Tests.Support;

namespace Solti.Matrix.Homeserver.Tests;

/// <summary>Shared-secret registration and registration tokens.</summary>
public sealed class RegistrationAdministrationTests
{
    private const string Secret = "shared-secret";

    private static string Mac(string nonce, string user, string password, bool admin) =>
        Convert.ToHexStringLower(HMACSHA1.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes($"{nonce}\0{user}\0{password}\0{(admin ? "admin" : "notadmin")}")));

    [Fact]
    public async Task Shared_secret_registration_creates_an_account_with_a_single_use_nonce()
    {
        await using var hs = await TestHomeserver.StartAsync(o => o with { RegistrationSharedSecret = Secret });
        var nonce = (await hs.Client.GetAsync("/_synapse/admin/v1/register")).Str("nonce");
        var body = new JsonObject { ["nonce"] = nonce, ["username"] = "newbot", ["password"] = "newbot-pass", ["admin"] = false, ["mac"] = Mac(nonce, "newbot", "newbot-pass", false) };

        var registered = await hs.Client.PostAsync("/_synapse/admin/v1/register", body);
        Assert.Equal(200, registered.Code);
        Assert.Equal("@newbot:localhost", registered.Str("user_id"));
        Assert.Equal(200, (await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", registered.Str("access_token"))).Code);

        var replay = await hs.Client.PostAsync("/_synapse/admin/v1/register", body);
        Assert.Equal(400, replay.Code);
        Assert.Equal("unrecognised nonce", replay.Str("error"));

        var nonce2 = (await hs.Client.GetAsync("/_synapse/admin/v1/register")).Str("nonce");
        var badMac = await hs.Client.PostAsync("/_synapse/admin/v1/register", new JsonObject { ["nonce"] = nonce2, ["username"] = "evil", ["password"] = "x", ["admin"] = true, ["mac"] = Mac(nonce2, "evil", "x", false) });
        Assert.Equal((403, "M_FORBIDDEN"), (badMac.Code, badMac.Errcode));

        var nonce3 = (await hs.Client.GetAsync("/_synapse/admin/v1/register")).Str("nonce");
        var taken = await hs.Client.PostAsync("/_synapse/admin/v1/register", new JsonObject { ["nonce"] = nonce3, ["username"] = "newbot", ["password"] = "p", ["admin"] = false, ["mac"] = Mac(nonce3, "newbot", "p", false) });
        Assert.Equal((400, "M_USER_IN_USE"), (taken.Code, taken.Errcode));
    }

    [Fact]
    public async Task Without_a_shared_secret_registration_is_disabled()
    {
        await using var hs = await TestHomeserver.StartAsync();
        // As in Synapse, a nonce is handed out anyway; the registration itself is refused.
        var nonce = (await hs.Client.GetAsync("/_synapse/admin/v1/register")).Str("nonce");
        var register = await hs.Client.PostAsync("/_synapse/admin/v1/register", new JsonObject { ["nonce"] = nonce, ["username"] = "x", ["password"] = "p", ["mac"] = "00" });
        Assert.Equal(400, register.Code);
        Assert.Equal("Shared secret registration is not enabled", register.Str("error"));
    }

    [Fact]
    public async Task Registration_tokens_are_created_listed_updated_and_deleted()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = (await hs.LoginAdminAsync()).AccessToken;
        const string Path = "/_synapse/admin/v1/registration_tokens";

        var generated = await hs.Client.PostAsync(Path + "/new", new JsonObject { ["length"] = 20 }, admin);
        Assert.Equal(200, generated.Code);
        Assert.Equal(20, generated.Str("token").Length);
        var named = await hs.Client.PostAsync(Path + "/new", new JsonObject { ["token"] = "ops-2026", ["uses_allowed"] = 0 }, admin);
        Assert.Equal(0, named.Object["uses_allowed"]!.GetValue<int>());
        Assert.Equal((400, "M_INVALID_PARAM"), ((await hs.Client.PostAsync(Path + "/new", new JsonObject { ["token"] = "ops-2026" }, admin)).Code, "M_INVALID_PARAM"));
        Assert.Equal(400, (await hs.Client.PostAsync(Path + "/new", new JsonObject { ["token"] = "bad token!" }, admin)).Code);

        var all = await hs.Client.GetAsync(Path, admin);
        Assert.Equal(2, all.Object["registration_tokens"]!.AsArray().Count);
        var valid = await hs.Client.GetAsync(Path + "?valid=true", admin);
        Assert.DoesNotContain("ops-2026", valid.Object["registration_tokens"]!.AsArray().Select(t => t!["token"]!.GetValue<string>()));

        var updated = await hs.Client.PutAsync(Path + "/ops-2026", new JsonObject { ["uses_allowed"] = 5 }, admin);
        Assert.Equal(5, updated.Object["uses_allowed"]!.GetValue<int>());
        Assert.Equal(5, (await hs.Client.GetAsync(Path + "/ops-2026", admin)).Object["uses_allowed"]!.GetValue<int>());

        Assert.Equal(200, (await hs.Client.DeleteAsync(Path + "/ops-2026", admin)).Code);
        var gone = await hs.Client.GetAsync(Path + "/ops-2026", admin);
        Assert.Equal((404, "M_NOT_FOUND"), (gone.Code, gone.Errcode));
        Assert.Equal("No such registration token: ops-2026", gone.Str("error"));
        var bot = await hs.LoginBotAsync();
        Assert.Equal(403, (await hs.Client.GetAsync(Path, bot.AccessToken)).Code);
    }
}
