using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Host;
using Solti.Matrix.Ansible.Modules;

namespace Solti.Matrix.Ansible.Tests;

/// <summary><c>access_token</c> is optional where the session can start without it (credentials, or a cached session of
/// the user); without any, the task fails naming the options, before a request leaves the module. Check mode never logs
/// in: <c>matrix_event</c> warns that the room was not verified, admin modules fail.</summary>
[Trait("tier", "unit")]
public sealed class AccessTokenOptionalTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("solti-token-").FullName;

    private async Task<JsonObject> RunAsync(string module, JsonObject args)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".json");
        args["homeserver_url"] = "http://127.0.0.1:9"; // nothing listens: any request would fail differently
        args["token_cache"] = Path.Combine(_dir, "cache");
        await File.WriteAllTextAsync(path, args.ToJsonString());
        using var stdout = new StringWriter();
        await ModuleHost.RunAsync("AnsiballZ_" + module, [path], ModuleCatalog.All, stdout, TextWriter.Null);
        return JsonNode.Parse(stdout.ToString())!.AsObject();
    }

    private static JsonObject Event() => new() { ["room_id"] = "#room:example.com", ["content"] = new JsonObject { ["body"] = "x" } };

    private static string Msg(JsonObject result) => result["msg"]!.GetValue<string>();

    [Fact]
    public void No_module_declares_access_token_required()
    {
        Assert.All(ModuleCatalog.All.Values.Where(m => m.Spec.Options.ContainsKey("access_token")), m => Assert.False(m.Spec.Options["access_token"].Required, m.Name));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Matrix_event_without_a_token_or_credentials_fails_naming_them(bool emptyToken)
    {
        var args = Event();
        if (emptyToken)
        {
            args["access_token"] = "";
        }

        var result = await RunAsync("matrix_event", args);

        Assert.True(result["failed"]!.GetValue<bool>());
        Assert.Equal("access_token is required unless user_id and password are given", Msg(result));
    }

    [Fact]
    public async Task Matrix_event_in_check_mode_without_a_token_warns_that_the_room_was_not_verified()
    {
        var args = Event();
        args["user_id"] = "@bot:example.com";
        args["password"] = "bot-pass-1";
        args["_ansible_check_mode"] = true;

        var result = await RunAsync("matrix_event", args);

        Assert.False(result.ContainsKey("failed"), result.ToJsonString());
        Assert.True(result["changed"]!.GetValue<bool>());
        Assert.False(result.ContainsKey("event_id"));
        Assert.Equal("check mode: no access_token was given, so the room and membership were not verified (check mode never logs in)", result["warnings"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task An_admin_module_without_a_token_or_admin_credentials_fails_naming_them()
    {
        var none = await RunAsync("synapse_user_info", []);
        Assert.True(none["failed"]!.GetValue<bool>());
        Assert.Equal("access_token is required unless admin_user and admin_password are given", Msg(none));

        var userOnly = await RunAsync("synapse_user_info", new JsonObject { ["admin_user"] = "@admin:example.com" });
        Assert.True(userOnly["failed"]!.GetValue<bool>());
        Assert.Equal("access_token is required unless admin_user and admin_password are given (admin_password is not given and the credential cache holds no session of @admin:example.com)", Msg(userOnly));

        var badUser = await RunAsync("synapse_user_info", new JsonObject { ["admin_user"] = "admin", ["admin_password"] = "admin-pass-1" });
        Assert.Equal("admin_user must be a full Matrix user id such as @bot:example.com: it does not start with @, got 'admin'", Msg(badUser));
    }

    [Fact]
    public async Task An_admin_module_in_check_mode_without_a_token_fails_as_check_mode_never_logs_in()
    {
        var result = await RunAsync("synapse_user_info", new JsonObject { ["admin_user"] = "@admin:example.com", ["admin_password"] = "admin-pass-1", ["_ansible_check_mode"] = true });

        Assert.True(result["failed"]!.GetValue<bool>());
        Assert.StartsWith("check mode never logs in: access_token (an admin's working token) is required in check mode", Msg(result), StringComparison.Ordinal);
        Assert.DoesNotContain("admin-pass-1", result.ToJsonString(), StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
