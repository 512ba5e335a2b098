using System.Text.Json.Nodes;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

/// <summary>The admin room API: list with pagination and search, details, members, state, async deletion, make_room_admin, force join.</summary>
[Trait("tier", "integration")]
public sealed class RoomAdministrationTests
{
    private static string Enc(string s) => MatrixTestClient.Enc(s);

    [Fact]
    public async Task The_room_list_pages_orders_and_searches()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = (await hs.LoginAdminAsync()).AccessToken;
        foreach (var name in new[] { "echo", "alpha", "delta", "charlie", "bravo" })
        {
            await hs.Client.CreateRoomAsync(admin, new JsonObject { ["name"] = name, ["room_alias_name"] = name });
        }

        var names = new List<string>();
        int? from = 0;
        var pages = 0;
        while (from is not null)
        {
            var page = await hs.Client.GetAsync($"/_synapse/admin/v1/rooms?from={from}&limit=2&order_by=name", admin);
            Assert.Equal(200, page.Code);
            Assert.Equal(5, page.Object["total_rooms"]!.GetValue<int>());
            Assert.Equal(from, page.Object["offset"]!.GetValue<int>());
            Assert.Equal(from > 0, page.Object.ContainsKey("prev_batch"));
            names.AddRange(page.Object["rooms"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()));
            from = page.Object["next_batch"]?.GetValue<int>();
            pages++;
        }

        Assert.Equal(3, pages);
        Assert.Equal(["alpha", "bravo", "charlie", "delta", "echo"], names);
        var backwards = await hs.Client.GetAsync("/_synapse/admin/v1/rooms?order_by=name&dir=b&limit=1", admin);
        Assert.Equal("echo", backwards.Object["rooms"]![0]!["name"]!.GetValue<string>());
        var search = await hs.Client.GetAsync("/_synapse/admin/v1/rooms?search_term=CHAR", admin);
        Assert.Equal("#charlie:localhost", Assert.Single(search.Object["rooms"]!.AsArray())!["canonical_alias"]!.GetValue<string>());
        Assert.Equal((400, "M_INVALID_PARAM"), await Code(hs.Client.GetAsync("/_synapse/admin/v1/rooms?order_by=colour", admin)));
        var bot = (await hs.LoginBotAsync()).AccessToken;
        var crowded = await hs.Client.CreateRoomAsync(admin, new JsonObject { ["name"] = "zulu", ["preset"] = "public_chat" });
        await hs.Client.PostAsync("/_matrix/client/v3/join/" + Enc(crowded), null, bot);
        var bySize = await hs.Client.GetAsync("/_synapse/admin/v1/rooms?order_by=joined_members&limit=1", admin);
        Assert.Equal("zulu", bySize.Object["rooms"]![0]!["name"]!.GetValue<string>());
        foreach (var order in new[] { "joined_members", "state_events", "public", "creator", "encryption" })
        {
            Assert.Equal(200, (await hs.Client.GetAsync($"/_synapse/admin/v1/rooms?order_by={order}&dir=b", admin)).Code);
        }
        Assert.Equal(403, (await hs.Client.GetAsync("/_synapse/admin/v1/rooms", bot)).Code);
    }

    [Fact]
    public async Task Details_members_and_state_describe_the_room()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = (await hs.LoginAdminAsync()).AccessToken;
        var bot = (await hs.LoginBotAsync()).AccessToken;
        var roomId = await hs.Client.CreateRoomAsync(bot, new JsonObject { ["name"] = "Ops", ["topic"] = "alerts", ["preset"] = "public_chat" });

        var details = await hs.Client.GetAsync("/_synapse/admin/v1/rooms/" + Enc(roomId), admin);
        Assert.Equal("Ops", details.Str("name"));
        Assert.Equal("alerts", details.Str("topic"));
        Assert.Equal(hs.BotId, details.Str("creator"));
        Assert.Equal("public", details.Str("join_rules"));
        Assert.Equal(1, details.Object["joined_members"]!.GetValue<int>());
        Assert.Equal(1, details.Object["joined_local_devices"]!.GetValue<int>());

        var members = await hs.Client.GetAsync($"/_synapse/admin/v1/rooms/{Enc(roomId)}/members", admin);
        Assert.Equal([hs.BotId], members.Object["members"]!.AsArray().Select(m => m!.GetValue<string>()));
        var state = await hs.Client.GetAsync($"/_synapse/admin/v1/rooms/{Enc(roomId)}/state", admin);
        Assert.Contains(state.Object["state"]!.AsArray(), e => e!["type"]!.GetValue<string>() == "m.room.topic");

        Assert.Equal((404, "M_NOT_FOUND"), await Code(hs.Client.GetAsync("/_synapse/admin/v1/rooms/" + Enc("!missing:localhost"), admin)));
        Assert.Equal(400, (await hs.Client.GetAsync("/_synapse/admin/v1/rooms/not-a-room", admin)).Code);
    }

    [Fact]
    public async Task Async_deletion_goes_scheduled_active_complete_and_removes_the_room()
    {
        await using var hs = await TestHomeserver.StartAsync(o => o with { RoomDeletionStepDelay = TimeSpan.FromMilliseconds(150) });
        var admin = (await hs.LoginAdminAsync()).AccessToken;
        var bot = (await hs.LoginBotAsync()).AccessToken;
        var roomId = await hs.Client.CreateRoomAsync(bot, new JsonObject { ["room_alias_name"] = "doomed" });

        var delete = await hs.Client.DeleteAsync("/_synapse/admin/v2/rooms/" + Enc(roomId), admin, new JsonObject { ["block"] = true });
        Assert.Equal(200, delete.Code);
        var deleteId = delete.Str("delete_id");
        var again = await hs.Client.DeleteAsync("/_synapse/admin/v2/rooms/" + Enc(roomId), admin, new JsonObject());
        Assert.Equal(400, again.Code);

        var seen = new List<string>();
        JsonObject status;
        do
        {
            status = (await hs.Client.GetAsync("/_synapse/admin/v2/rooms/delete_status/" + deleteId, admin)).Object;
            var current = status["status"]!.GetValue<string>();
            if (seen.Count == 0 || seen[^1] != current)
            {
                seen.Add(current);
            }

            await Task.Delay(25);
        }
        while (status["status"]!.GetValue<string>() is "scheduled" or "active");

        Assert.Equal("complete", seen[^1]);
        Assert.Equal(seen.Distinct(), seen);
        Assert.Subset(new HashSet<string> { "scheduled", "active", "complete" }, seen.ToHashSet());
        Assert.Equal([hs.BotId], status["shutdown_room"]!["kicked_users"]!.AsArray().Select(u => u!.GetValue<string>()));
        Assert.Equal(["#doomed:localhost"], status["shutdown_room"]!["local_aliases"]!.AsArray().Select(u => u!.GetValue<string>()));

        var byRoom = await hs.Client.GetAsync($"/_synapse/admin/v2/rooms/{Enc(roomId)}/delete_status", admin);
        Assert.Equal(deleteId, byRoom.Object["results"]![0]!["delete_id"]!.GetValue<string>());
        Assert.Equal(404, (await hs.Client.GetAsync("/_matrix/client/v3/directory/room/" + Enc("#doomed:localhost"))).Code);
        Assert.Equal(0, (await hs.Client.GetAsync("/_synapse/admin/v1/rooms", admin)).Object["total_rooms"]!.GetValue<int>());
        var send = await hs.Client.PutAsync($"/_matrix/client/v3/rooms/{Enc(roomId)}/send/m.room.message/t1", new JsonObject { ["body"] = "x" }, bot);
        Assert.NotEqual(200, send.Code);
        var join = await hs.Client.PostAsync("/_matrix/client/v3/join/" + Enc(roomId), null, bot);
        Assert.Equal(403, join.Code);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // before 1.93: shutting_down, purging, and the error in the status
    public async Task A_deletion_that_cannot_create_the_new_room_fails_with_an_error(bool synapse167)
    {
        await using var hs = await TestHomeserver.StartAsync(o => synapse167 ? o with { Compatibility = Configuration.Compatibility.Synapse167 } : o);
        var admin = (await hs.LoginAdminAsync()).AccessToken;
        var roomId = await hs.Client.CreateRoomAsync(admin);

        var delete = await hs.Client.DeleteAsync("/_synapse/admin/v2/rooms/" + Enc(roomId), admin, new JsonObject { ["new_room_user_id"] = "@ghost:localhost" });
        Assert.Equal(200, delete.Code);
        var status = await FinishedDeletionAsync(hs, delete.Str("delete_id"), admin);

        Assert.Equal("failed", status["status"]!.GetValue<string>());
        Assert.Equal(synapse167, !string.IsNullOrEmpty(status["error"]?.GetValue<string>())); // Synapse 1.93+ leaves the error out
        Assert.Equal(404, (await hs.Client.DeleteAsync("/_synapse/admin/v2/rooms/" + Enc("!nope:localhost"), admin, new JsonObject())).Code);
    }

    [Fact]
    public async Task Deleting_into_a_new_room_moves_the_members_there()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = (await hs.LoginAdminAsync()).AccessToken;
        var bot = (await hs.LoginBotAsync()).AccessToken;
        var roomId = await hs.Client.CreateRoomAsync(bot);

        var delete = await hs.Client.DeleteAsync("/_synapse/admin/v2/rooms/" + Enc(roomId), admin, new JsonObject { ["new_room_user_id"] = hs.AdminId, ["message"] = "moved" });
        var status = await FinishedDeletionAsync(hs, delete.Str("delete_id"), admin);

        var newRoom = status["shutdown_room"]!["new_room_id"]!.GetValue<string>();
        var members = await hs.Client.GetAsync($"/_synapse/admin/v1/rooms/{Enc(newRoom)}/members", admin);
        Assert.Contains(hs.BotId, members.Object["members"]!.AsArray().Select(m => m!.GetValue<string>()));
    }

    [Fact]
    public async Task Make_room_admin_raises_the_user_to_the_highest_local_level_and_invites_them()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = (await hs.LoginAdminAsync()).AccessToken;
        var bot = (await hs.LoginBotAsync()).AccessToken;
        var roomId = await hs.Client.CreateRoomAsync(bot, new JsonObject { ["room_alias_name"] = "botroom" });

        var made = await hs.Client.PostAsync($"/_synapse/admin/v1/rooms/{Enc("#botroom:localhost")}/make_room_admin", new JsonObject(), admin);
        Assert.Equal(200, made.Code);

        var power = await hs.Client.GetAsync($"/_synapse/admin/v1/rooms/{Enc(roomId)}/state", admin);
        var levels = power.Object["state"]!.AsArray().Single(e => e!["type"]!.GetValue<string>() == "m.room.power_levels")!;
        Assert.Equal(100, levels["content"]!["users"]![hs.AdminId]!.GetValue<int>());
        Assert.Equal(200, (await hs.Client.PostAsync("/_matrix/client/v3/join/" + Enc(roomId), null, admin)).Code);
    }

    [Fact]
    public async Task Force_join_adds_a_local_user_and_needs_the_admin_in_a_private_room()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var admin = (await hs.LoginAdminAsync()).AccessToken;
        var bot = (await hs.LoginBotAsync()).AccessToken;
        var privateRoom = await hs.Client.CreateRoomAsync(bot);
        var adminRoom = await hs.Client.CreateRoomAsync(admin);

        var refused = await hs.Client.PostAsync("/_synapse/admin/v1/join/" + Enc(privateRoom), new JsonObject { ["user_id"] = hs.AdminId }, admin);
        Assert.Equal(403, refused.Code);

        var joined = await hs.Client.PostAsync("/_synapse/admin/v1/join/" + Enc(adminRoom), new JsonObject { ["user_id"] = hs.BotId }, admin);
        Assert.Equal(200, joined.Code);
        Assert.Equal(adminRoom, joined.Str("room_id"));
        var members = await hs.Client.GetAsync($"/_matrix/client/v3/rooms/{Enc(adminRoom)}/joined_members", bot);
        Assert.True(members.Object["joined"]!.AsObject().ContainsKey(hs.BotId));

        Assert.Equal(404, (await hs.Client.PostAsync("/_synapse/admin/v1/join/" + Enc(adminRoom), new JsonObject { ["user_id"] = "@ghost:localhost" }, admin)).Code);
        Assert.Equal(400, (await hs.Client.PostAsync("/_synapse/admin/v1/join/" + Enc(adminRoom), new JsonObject { ["user_id"] = "@x:elsewhere.org" }, admin)).Code);
    }

    private static async Task<JsonObject> FinishedDeletionAsync(TestHomeserver hs, string deleteId, string admin)
    {
        while (true)
        {
            var status = (await hs.Client.GetAsync("/_synapse/admin/v2/rooms/delete_status/" + deleteId, admin)).Object;
            if (status["status"]!.GetValue<string>() is "complete" or "failed")
            {
                return status;
            }

            await Task.Delay(20);
        }
    }

    private static async Task<(int, string?)> Code(Task<ClientResponse> response)
    {
        var r = await response;
        return (r.Code, r.Errcode);
    }
}
