using System.Text.Json;
using System.Text.Json.Nodes;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

[Trait("tier", "integration")]
public sealed class AdminUserListTests
{
    private const string Users = "/_synapse/admin/v2/users";

    private static async Task CreateUsersAsync(TestHomeserver hs, string token, params string[] localparts)
    {
        foreach (var localpart in localparts)
        {
            var created = await hs.Client.PutAsync($"{Users}/{MatrixTestClient.Enc($"@{localpart}:{hs.ServerName}")}", new JsonObject { ["password"] = "pw" }, token);
            Assert.Equal(201, created.Code);
        }
    }

    private static List<string> Names(ClientResponse response) =>
        response.Object["users"]!.AsArray().Select(u => u!["name"]!.GetValue<string>()).ToList();

    [Fact]
    public async Task List_pages_by_offset_with_next_token_absent_on_the_last_page()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();
        await CreateUsersAsync(hs, admin.AccessToken, "u1", "u2", "u3");

        var first = await hs.Client.GetAsync($"{Users}?limit=2", admin.AccessToken);
        Assert.Equal(200, first.Code);
        Assert.Equal(5, first.Object["total"]!.GetValue<int>());
        Assert.Equal([$"@admin:{hs.ServerName}", $"@bot:{hs.ServerName}"], Names(first));
        Assert.Equal(JsonValueKind.String, first.Object["next_token"]!.GetValueKind());
        Assert.Equal("2", first.Str("next_token"));

        var second = await hs.Client.GetAsync($"{Users}?limit=2&from=2", admin.AccessToken);
        Assert.Equal([$"@u1:{hs.ServerName}", $"@u2:{hs.ServerName}"], Names(second));
        Assert.Equal("4", second.Str("next_token"));

        var last = await hs.Client.GetAsync($"{Users}?limit=2&from=4", admin.AccessToken);
        Assert.Equal([$"@u3:{hs.ServerName}"], Names(last));
        Assert.False(last.Object.ContainsKey("next_token"));
    }

    [Fact]
    public async Task List_entries_have_synapse_list_fields()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();

        var response = await hs.Client.GetAsync($"{Users}?user_id=bot", admin.AccessToken);

        var entry = Assert.Single(response.Object["users"]!.AsArray())!.AsObject();
        string[] expected = ["name", "user_type", "is_guest", "admin", "deactivated", "shadow_banned", "displayname", "avatar_url", "creation_ts", "erased", "locked", "approved", "last_seen_ts"];
        foreach (var key in expected)
        {
            Assert.True(entry.ContainsKey(key), $"missing {key}");
        }

        Assert.Equal(JsonValueKind.False, entry["admin"]!.GetValueKind());
        Assert.Equal(hs.BotId, entry["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task List_excludes_deactivated_users_unless_asked_and_filters_admins_and_name()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();
        await CreateUsersAsync(hs, admin.AccessToken, "gone", "zed");
        await hs.Client.PutAsync($"{Users}/{MatrixTestClient.Enc($"@zed:{hs.ServerName}")}", new JsonObject { ["displayname"] = "Omega Person" }, admin.AccessToken);
        var deactivate = await hs.Client.PostAsync($"/_synapse/admin/v1/deactivate/{MatrixTestClient.Enc($"@gone:{hs.ServerName}")}", new JsonObject(), admin.AccessToken);
        Assert.Equal(200, deactivate.Code);

        var defaults = await hs.Client.GetAsync(Users, admin.AccessToken);
        Assert.DoesNotContain($"@gone:{hs.ServerName}", Names(defaults));
        Assert.Equal(3, defaults.Object["total"]!.GetValue<int>());

        var withDeactivated = await hs.Client.GetAsync($"{Users}?deactivated=true", admin.AccessToken);
        Assert.Contains($"@gone:{hs.ServerName}", Names(withDeactivated));

        var admins = await hs.Client.GetAsync($"{Users}?admins=true", admin.AccessToken);
        Assert.Equal([hs.AdminId], Names(admins));
        var nonAdmins = await hs.Client.GetAsync($"{Users}?admins=false", admin.AccessToken);
        Assert.DoesNotContain(hs.AdminId, Names(nonAdmins));

        var byDisplayName = await hs.Client.GetAsync($"{Users}?name=omega", admin.AccessToken);
        Assert.Equal([$"@zed:{hs.ServerName}"], Names(byDisplayName));
        var byLocalpart = await hs.Client.GetAsync($"{Users}?name=bo", admin.AccessToken);
        Assert.Equal([hs.BotId], Names(byLocalpart));
    }

    [Fact]
    public async Task List_orders_by_column_and_direction()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();
        await CreateUsersAsync(hs, admin.AccessToken, "aaa");
        await hs.Client.PutAsync($"{Users}/{MatrixTestClient.Enc($"@aaa:{hs.ServerName}")}", new JsonObject { ["displayname"] = "zzz" }, admin.AccessToken);

        var backwards = await hs.Client.GetAsync($"{Users}?dir=b", admin.AccessToken);
        Assert.Equal([hs.BotId, hs.AdminId, $"@aaa:{hs.ServerName}"], Names(backwards));

        var byDisplayName = await hs.Client.GetAsync($"{Users}?order_by=displayname", admin.AccessToken);
        Assert.Equal($"@aaa:{hs.ServerName}", Names(byDisplayName)[^1]);

        var byAdmin = await hs.Client.GetAsync($"{Users}?order_by=admin&dir=b", admin.AccessToken);
        Assert.Equal(hs.AdminId, Names(byAdmin)[0]);
    }

    [Fact]
    public async Task List_rejects_bad_parameters_and_non_admins()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = await hs.LoginAdminAsync();
        var bot = await hs.LoginBotAsync();

        var badOrder = await hs.Client.GetAsync($"{Users}?order_by=password", admin.AccessToken);
        Assert.Equal(400, badOrder.Code);
        Assert.Equal("M_INVALID_PARAM", badOrder.Errcode);

        var badDir = await hs.Client.GetAsync($"{Users}?dir=x", admin.AccessToken);
        Assert.Equal(400, badDir.Code);

        var badFrom = await hs.Client.GetAsync($"{Users}?from=-1", admin.AccessToken);
        Assert.Equal(400, badFrom.Code);
        Assert.Equal("M_INVALID_PARAM", badFrom.Errcode);

        var badBool = await hs.Client.GetAsync($"{Users}?deactivated=maybe", admin.AccessToken);
        Assert.Equal(400, badBool.Code);

        var forbidden = await hs.Client.GetAsync(Users, bot.AccessToken);
        Assert.Equal(403, forbidden.Code);
        Assert.Equal("M_FORBIDDEN", forbidden.Errcode);
    }
}
