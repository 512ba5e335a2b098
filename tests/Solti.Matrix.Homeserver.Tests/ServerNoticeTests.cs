using System.Text.Json.Nodes;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

/// <summary><c>/_synapse/admin/v1/send_server_notice</c> as Synapse serves it (synapse/rest/admin/server_notice_servlet.py
/// and synapse/server_notices/server_notices_manager.py), on both behaviour profiles.</summary>
[Trait("tier", "integration")]
public sealed class ServerNoticeTests
{
    private const string Path = "/_synapse/admin/v1/send_server_notice";

    public static TheoryData<bool> Profiles => new(false, true);

    private static Task<TestHomeserver> StartAsync(bool synapse167, bool enabled = true) => TestHomeserver.StartAsync(o => o with
    {
        ServerNotices = enabled ? new ServerNoticesSettings("notices") { RoomName = "Notices from the admins", SystemMxidDisplayName = "Server" } : null,
        Compatibility = synapse167 ? Compatibility.Synapse167 : o.Compatibility,
    });

    private static JsonObject Notice(string userId, string body) => new()
    {
        ["user_id"] = userId,
        ["content"] = new JsonObject { ["msgtype"] = "m.text", ["body"] = body },
    };

    [Theory]
    [MemberData(nameof(Profiles))]
    public async Task A_notice_goes_to_the_users_notices_room_which_is_made_once_tagged_and_the_user_invited(bool synapse167)
    {
        await using var hs = await StartAsync(synapse167);
        var admin = await hs.LoginAdminAsync();
        var bot = await hs.LoginBotAsync();

        var first = await hs.Client.PostAsync(Path, Notice(hs.BotId, "maintenance tonight"), admin.AccessToken);
        Assert.Equal(200, first.Code);
        var second = await hs.Client.PostAsync(Path, Notice(hs.BotId, "maintenance done"), admin.AccessToken);
        Assert.Equal(200, second.Code);
        Assert.NotEqual(first.Str("event_id"), second.Str("event_id"));

        // The bot is invited to one room, the notices user's, with the configured name and Synapse's tag.
        var sync = await hs.Client.GetAsync("/_matrix/client/v3/sync", bot.AccessToken);
        var invites = sync.Object["rooms"]!["invite"]!.AsObject();
        var (roomId, invite) = Assert.Single(invites);
        var inviteState = invite!["invite_state"]!["events"]!.AsArray();
        Assert.Contains(inviteState, e => e!["type"]!.GetValue<string>() == "m.room.name" && e["content"]!["name"]!.GetValue<string>() == "Notices from the admins");
        Assert.Contains(inviteState, e => e!["type"]!.GetValue<string>() == "m.room.member" && e["state_key"]!.GetValue<string>() == $"@notices:{hs.ServerName}"
            && e["content"]!["displayname"]?.GetValue<string>() == "Server");
        var tag = await hs.Client.GetAsync($"/_matrix/client/v3/user/{MatrixTestClient.Enc(hs.BotId)}/rooms/{MatrixTestClient.Enc(roomId)}/account_data/m.tag", bot.AccessToken);
        Assert.Equal(200, tag.Code);
        Assert.NotNull(tag.Object["tags"]!["m.server_notice"]);

        // Once joined, the bot reads both notices, sent by the notices user; users_default is -10 as in Synapse.
        Assert.Equal(200, (await hs.Client.PostAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/join", new JsonObject(), bot.AccessToken)).Code);
        var messages = await hs.Client.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/messages?dir=f&limit=50", bot.AccessToken);
        var texts = messages.Object["chunk"]!.AsArray().Where(e => e!["type"]!.GetValue<string>() == "m.room.message").ToList();
        Assert.Equal(["maintenance tonight", "maintenance done"], texts.Select(e => e!["content"]!["body"]!.GetValue<string>()));
        Assert.All(texts, e => Assert.Equal($"@notices:{hs.ServerName}", e!["sender"]!.GetValue<string>()));
        var levels = await hs.Client.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/state/m.room.power_levels", bot.AccessToken);
        Assert.Equal(-10, levels.Object["users_default"]!.GetValue<int>());

        // A third notice goes to the same room, with no new invite.
        Assert.Equal(200, (await hs.Client.PostAsync(Path, Notice(hs.BotId, "again"), admin.AccessToken)).Code);
        var rooms = await hs.Client.GetAsync("/_matrix/client/v3/joined_rooms", bot.AccessToken);
        Assert.Equal([roomId], rooms.Object["joined_rooms"]!.AsArray().Select(r => r!.GetValue<string>()));
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public async Task The_put_form_sends_a_retransmission_once(bool synapse167)
    {
        await using var hs = await StartAsync(synapse167);
        var admin = await hs.LoginAdminAsync();
        var first = await hs.Client.PutAsync(Path + "/txn-1", Notice(hs.BotId, "once"), admin.AccessToken);
        var again = await hs.Client.PutAsync(Path + "/txn-1", Notice(hs.BotId, "once"), admin.AccessToken);
        var other = await hs.Client.PutAsync(Path + "/txn-2", Notice(hs.BotId, "twice"), admin.AccessToken);
        Assert.Equal(200, first.Code);
        Assert.Equal(first.Str("event_id"), again.Str("event_id"));
        Assert.NotEqual(first.Str("event_id"), other.Str("event_id"));
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public async Task Refusals_are_synapses(bool synapse167)
    {
        await using var hs = await StartAsync(synapse167);
        var admin = await hs.LoginAdminAsync();
        var bot = await hs.LoginBotAsync();

        var missing = await hs.Client.PostAsync(Path, new JsonObject { ["user_id"] = hs.BotId }, admin.AccessToken);
        Assert.Equal((400, "M_MISSING_PARAM"), (missing.Code, missing.Errcode));
        var remote = await hs.Client.PostAsync(Path, Notice("@someone:elsewhere.example", "x"), admin.AccessToken);
        Assert.Equal((400, "M_UNKNOWN"), (remote.Code, remote.Errcode));
        Assert.Equal("Server notices can only be sent to local users", remote.Str("error"));
        var unknown = await hs.Client.PostAsync(Path, Notice($"@nobody:{hs.ServerName}", "x"), admin.AccessToken);
        Assert.Equal((404, "M_NOT_FOUND"), (unknown.Code, unknown.Errcode));
        var notAdmin = await hs.Client.PostAsync(Path, Notice(hs.AdminId, "x"), bot.AccessToken);
        Assert.Equal((403, "M_FORBIDDEN"), (notAdmin.Code, notAdmin.Errcode));

        await using var off = await StartAsync(synapse167, enabled: false);
        var offAdmin = await off.LoginAdminAsync();
        var disabled = await off.Client.PostAsync(Path, Notice(off.BotId, "x"), offAdmin.AccessToken);
        Assert.Equal((400, "M_UNKNOWN"), (disabled.Code, disabled.Errcode));
        Assert.Equal("Server notices are not enabled on this server", disabled.Str("error"));
    }

    [Fact]
    public void The_configuration_file_enables_them_with_system_mxid_localpart()
    {
        var options = ConfigFile.Apply(new HomeserverOptions(), "server_name: example.com\nserver_notices:\n  system_mxid_localpart: notices\n  system_mxid_display_name: Server\n  room_name: Server Notices\n  auto_join: true\n", "homeserver.yaml");
        Assert.Equal(new ServerNoticesSettings("notices") { SystemMxidDisplayName = "Server", RoomName = "Server Notices", AutoJoin = true }, options.ServerNotices);
        Assert.Null(ConfigFile.Apply(new HomeserverOptions(), "server_name: example.com\nserver_notices:\n  room_name: Server Notices\n", "homeserver.yaml").ServerNotices);
    }
}
