using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Host;
using Solti.Matrix.Ansible.Modules;

namespace Solti.Matrix.Ansible.Tests;

/// <summary>Every module refuses a malformed Matrix id by the one grammar (<c>Solti.Matrix.Identifiers.MatrixId</c>),
/// naming the parameter, before any request: the homeserver URL here answers nothing.</summary>
[Trait("tier", "unit")]
public sealed class MalformedIdTests : IDisposable
{
    private static readonly string LongLocalpart = new('a', 300);

    private readonly string _dir = Directory.CreateTempSubdirectory("solti-ids-").FullName;

    public static TheoryData<string, string, string, string> Cases => new()
    {
        { "synapse_user_info", "user_id", "@:localhost", "user_id must be a full Matrix user id such as @bot:example.com: the local part is empty" },
        { "synapse_user_info", "user_id", "@bo b:localhost", "user_id must be a full Matrix user id such as @bot:example.com: the local part has a space" },
        { "synapse_user_info", "user_id", $"@{LongLocalpart}:localhost", "more than the 255 a Matrix identifier may have" },
        { "synapse_room_info", "room_id", "!abc:local host", "room_id must be a room id such as !abc:example.com: the server name 'local host' is not" },
        { "synapse_room_info", "room_alias", "#o ps:localhost", "room_alias must be a room alias such as #ops:example.com: the local part has a space" },
        { "synapse_device_info", "user_id", "bot", "user_id must be a full Matrix user id such as @bot:example.com: it does not start with @" },
        { "synapse_user", "user_id", "@bot", "user_id must be a full Matrix user id such as @bot:example.com: it has no :server part" },
        { "synapse_room", "room_id", "ops", "room_id must be a room id (!id:server) or an alias (#alias:server): it starts with neither ! nor #" },
        { "synapse_room", "room_alias_name", "o ps:localhost", "room_alias_name must be a room alias such as #ops:example.com: the local part has a space" },
        { "synapse_room", "admins", "[\"@ok:localhost\", \"nobody\"]", "admins[1] must be a full Matrix user id" },
        { "matrix_event", "event_type", "", "event_type must be an event type such as m.room.message: it is empty" },
        { "matrix_event", "room_id", "!abc:local host", "room_id must be a room id (!id:server) or an alias (#alias:server): the server name 'local host' is not" },
        { "matrix_token", "user_id", "@bo b:localhost", "user_id must be a full Matrix user id such as @bot:example.com: the local part has a space" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_malformed_id_fails_naming_the_parameter(string moduleName, string option, string value, string expected)
    {
        var args = new JsonObject
        {
            ["homeserver_url"] = "http://127.0.0.1:9",
            ["access_token"] = "syt_token_value",
            ["timeout"] = 1,
        };
        switch (moduleName)
        {
            case "matrix_event":
                args["room_id"] = "#room:example.com";
                args["content"] = new JsonObject { ["body"] = "x" };
                break;
            case "synapse_room":
                args["room_alias_name"] = "ops:localhost";
                break;
            case "matrix_token":
                args["action"] = "obtain";
                args["password"] = "pw-value-1";
                break;
        }

        args[option] = value.StartsWith('[') ? JsonNode.Parse(value) : value;
        var result = await RunAsync(moduleName, args);

        Assert.True(result["failed"]?.GetValue<bool>() == true, result.ToJsonString());
        Assert.Contains(expected, result["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("no answer from the homeserver", result["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("syt_token_value", result.ToJsonString(), StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<JsonObject> RunAsync(string moduleName, JsonObject args)
    {
        var path = Path.Combine(_dir, moduleName + ".json");
        await File.WriteAllTextAsync(path, args.ToJsonString());
        using var stdout = new StringWriter();
        await ModuleHost.RunAsync("AnsiballZ_" + moduleName, [path], ModuleCatalog.All, stdout, TextWriter.Null);
        return JsonNode.Parse(stdout.ToString())!.AsObject();
    }
}
