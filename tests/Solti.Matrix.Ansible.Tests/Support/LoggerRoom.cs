using System.Text.Json.Nodes;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests.Support;

/// <summary>What the module tests post into: the homeserver serving <c>example.com</c> with the bot account
/// <c>@solti-logger</c> (logged in on device <c>DEPLOY</c>) and its room <c>#solti-verify:example.com</c>, which the
/// admin (device <c>ADMIN</c>) has joined to read it back.</summary>
public sealed class LoggerRoom : IAsyncDisposable
{
    public const string BotPassword = "solti-bot-pass";
    public const string BotId = "@solti-logger:example.com";
    public const string Alias = "#solti-verify:example.com";

    private LoggerRoom(TestHomeserver hs, Session admin, Session bot, string roomId) => (Hs, Admin, Bot, RoomId) = (hs, admin, bot, roomId);

    public TestHomeserver Hs { get; }

    public Session Admin { get; }

    public Session Bot { get; }

    public string RoomId { get; }

    public string Url => Hs.Server.BaseAddress.ToString().TrimEnd('/');

    /// <summary>The homeserver and the room, as the current Synapse behaves, or as <paramref name="profile"/> says.</summary>
    public static async Task<LoggerRoom> StartAsync(Compatibility? profile = null)
    {
        var hs = await TestHomeserver.StartAsync(o => o with
        {
            ServerName = "example.com",
            SeedUsers = [.. o.SeedUsers, new SeedUser("solti-logger", BotPassword, false)],
            Compatibility = profile ?? o.Compatibility,
        });
        var admin = await hs.LoginAdminAsync("ADMIN");
        var bot = await hs.Client.LoginAsync("solti-logger", BotPassword, "DEPLOY");
        var roomId = await hs.Client.CreateRoomAsync(bot.AccessToken, new JsonObject { ["room_alias_name"] = "solti-verify", ["invite"] = new JsonArray(hs.AdminId) });
        Assert.Equal(200, (await hs.Client.PostAsync("/_matrix/client/v3/join/" + MatrixTestClient.Enc(roomId), null, admin.AccessToken)).Code);
        return new LoggerRoom(hs, admin, bot, roomId);
    }

    /// <summary>The room's messages (no membership or other state), oldest first.</summary>
    public async Task<List<JsonObject>> MessagesAsync()
    {
        var response = await Hs.Client.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(RoomId)}/messages?dir=f&limit=200", Admin.AccessToken);
        return [.. response.Object["chunk"]!.AsArray().Select(e => (JsonObject)e!).Where(e => e["type"]!.GetValue<string>() != "m.room.member" && e["state_key"] is null)];
    }

    public async Task<int> DevicesAsync() =>
        (await Hs.Client.GetAsync("/_synapse/admin/v2/users/" + MatrixTestClient.Enc(BotId) + "/devices", Admin.AccessToken)).Object["total"]!.GetValue<int>();

    /// <summary>Password logins the homeserver has answered so far.</summary>
    public async Task<long> LoginsAsync() =>
        (await Hs.Client.GetAsync("/_solti/testing/v1/counters", Admin.AccessToken)).Object["counters"]!["login"]?.GetValue<long>() ?? 0;

    public ValueTask DisposeAsync() => Hs.DisposeAsync();
}
