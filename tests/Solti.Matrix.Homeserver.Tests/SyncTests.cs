using System.Text.Json.Nodes;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Homeserver.Tests.Support;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

/// <summary><c>/sync</c> as a real client needs it: rooms, filters, device lists, and a real long poll woken by what
/// happens (never by the clock), on the current profile; <see cref="SyncTestsOnSynapse167"/> runs them on 1.67's.</summary>
[Trait("tier", "integration")]
public class SyncTests : ProfiledTests
{
    [Fact]
    public async Task An_initial_sync_serves_joined_and_invited_rooms_account_data_and_key_counts()
    {
        await using var hs = await StartAsync();
        var admin = await E2eeClient.AdminAsync(hs);
        var bot = await E2eeClient.BotAsync(hs);
        var joined = await hs.Client.CreateRoomAsync(admin.Token, new JsonObject { ["name"] = "joined", ["invite"] = new JsonArray(hs.BotId) });
        await bot.JoinAsync(joined);
        var eventId = await admin.SendMessageAsync(joined, "t1");
        var invited = await hs.Client.CreateRoomAsync(admin.Token, new JsonObject
        {
            ["invite"] = new JsonArray(hs.BotId),
            ["initial_state"] = new JsonArray(new JsonObject { ["type"] = "m.room.encryption", ["state_key"] = "", ["content"] = new JsonObject { ["algorithm"] = "m.megolm.v1.aes-sha2" } }),
        });

        var sync = await bot.SyncAsync();

        Assert.Equal(["next_batch", "account_data", "device_one_time_keys_count", "org.matrix.msc2732.device_unused_fallback_key_types", "device_unused_fallback_key_types", "rooms"], sync.Select(p => p.Key));
        Assert.Equal("m.push_rules", sync["account_data"]!["events"]![0]!["type"]!.GetValue<string>());
        Assert.Equal("""{"signed_curve25519":0}""", sync["device_one_time_keys_count"]!.ToJsonString());
        var room = sync["rooms"]!["join"]![joined]!.AsObject();
        Assert.Equal(["timeline", "state", "account_data", "ephemeral", "unread_notifications", "summary"], room.Select(p => p.Key));
        var timeline = room["timeline"]!.AsObject();
        Assert.False(timeline["limited"]!.GetValue<bool>());
        var events = timeline["events"]!.AsArray();
        Assert.Equal(eventId, events[^1]!["event_id"]!.GetValue<string>());
        Assert.All(events, e => Assert.False(e!.AsObject().ContainsKey("room_id")));
        var state = room["state"]!["events"]!.AsArray().Concat(events).Where(e => e!["state_key"] is not null).Select(e => e!["type"]!.GetValue<string>()).ToHashSet();
        Assert.Contains("m.room.create", state);
        Assert.Contains("m.room.name", state);

        var inviteState = sync["rooms"]!["invite"]![invited]!["invite_state"]!["events"]!.AsArray();
        Assert.Contains(inviteState, e => e!["type"]!.GetValue<string>() == "m.room.encryption");
        Assert.Contains(inviteState, e => e!["type"]!.GetValue<string>() == "m.room.member" && e["state_key"]!.GetValue<string>() == hs.AdminId);
        var invite = inviteState[^1]!;
        Assert.Equal(("m.room.member", hs.BotId, "invite"), (invite["type"]!.GetValue<string>(), invite["state_key"]!.GetValue<string>(), invite["content"]!["membership"]!.GetValue<string>()));
    }

    [Fact]
    public async Task An_incremental_sync_with_timeout_0_answers_at_once_and_echoes_the_token_when_nothing_happened()
    {
        await using var hs = await StartAsync();
        var bot = await E2eeClient.BotAsync(hs);
        var since = await bot.NextBatchAsync();

        var sync = await bot.SyncAsync(since);

        Assert.Equal(since, sync["next_batch"]!.GetValue<string>());
        Assert.Equal(["next_batch", "device_one_time_keys_count", "org.matrix.msc2732.device_unused_fallback_key_types", "device_unused_fallback_key_types"], sync.Select(p => p.Key));
    }

    [Fact]
    public async Task A_long_poll_waits_until_an_event_arrives_and_returns_with_it()
    {
        await using var hs = await StartAsync();
        var admin = await E2eeClient.AdminAsync(hs);
        var bot = await E2eeClient.BotAsync(hs);
        var roomId = await hs.Client.CreateRoomAsync(bot.Token);
        var since = await bot.NextBatchAsync();

        var poll = bot.SyncAsync(since, timeout: 25_000);
        await E2eeClient.WaitForInFlightAsync(hs, admin.Token);
        Assert.False(poll.IsCompleted);
        var eventId = await admin.SendMessageAsync(await UnrelatedRoomAsync(hs, admin), "elsewhere"); // not the bot's room: no wake-up answer
        var unrelated = await bot.SyncAsync(since);
        Assert.Equal(since, unrelated["next_batch"]!.GetValue<string>());
        Assert.False(poll.IsCompleted);
        var sent = await bot.SendMessageAsync(roomId, "wake");

        var sync = await poll;
        var events = sync["rooms"]!["join"]![roomId]!["timeline"]!["events"]!.AsArray();
        Assert.Equal([sent], events.Select(e => e!["event_id"]!.GetValue<string>()));
        Assert.Equal("wake", events[0]!["unsigned"]!["transaction_id"]!.GetValue<string>()); // the sending device sees its txn id
        Assert.NotEqual(eventId, sent);
    }

    [Fact]
    public async Task A_long_poll_is_woken_by_a_to_device_message_and_by_a_device_list_change()
    {
        await using var hs = await StartAsync();
        var (admin, bot, roomId) = await SharedRoomAsync(hs);
        var since = await bot.NextBatchAsync();

        var poll = bot.SyncAsync(since, timeout: 25_000);
        await E2eeClient.WaitForInFlightAsync(hs, admin.Token);
        Assert.Equal(200, (await admin.SendToDeviceAsync("m1", new JsonObject { [hs.BotId] = new JsonObject { [bot.DeviceId] = new JsonObject { ["n"] = 1 } } })).Code);
        var sync = await poll;
        Assert.Equal(1, E2eeClient.ToDevice(sync).Single()["content"]!["n"]!.GetValue<int>());

        var next = sync["next_batch"]!.GetValue<string>();
        poll = bot.SyncAsync(next, timeout: 25_000);
        await E2eeClient.WaitForInFlightAsync(hs, admin.Token);
        Assert.Equal(200, (await admin.UploadAsync(new JsonObject { ["device_keys"] = admin.DeviceKeys() })).Code);
        sync = await poll;
        Assert.Equal([hs.AdminId], E2eeClient.DeviceListChanged(sync));
        Assert.Empty(E2eeClient.ToDevice(sync)); // acknowledged by the since token
    }

    [Fact]
    public async Task A_long_poll_that_times_out_echoes_the_since_token()
    {
        await using var hs = await StartAsync();
        var bot = await E2eeClient.BotAsync(hs);
        var since = await bot.NextBatchAsync();

        var sync = await bot.SyncAsync(since, timeout: 50);

        Assert.Equal(since, sync["next_batch"]!.GetValue<string>());
        Assert.False(sync.ContainsKey("rooms"));
    }

    [Fact]
    public async Task Device_lists_name_members_who_upload_keys_join_or_leave()
    {
        await using var hs = await StartAsync();
        var admin = await E2eeClient.AdminAsync(hs);
        var bot = await E2eeClient.BotAsync(hs);
        var roomId = await hs.Client.CreateRoomAsync(admin.Token, new JsonObject { ["invite"] = new JsonArray(hs.BotId) });
        var since = await admin.NextBatchAsync();

        await bot.JoinAsync(roomId);
        var joined = await admin.SyncAsync(since);
        Assert.Equal([hs.BotId], E2eeClient.DeviceListChanged(joined)); // a new member shares a room now
        since = joined["next_batch"]!.GetValue<string>();

        await bot.UploadAsync(new JsonObject { ["device_keys"] = bot.DeviceKeys() });
        var uploaded = await admin.SyncAsync(since);
        Assert.Equal([hs.BotId], E2eeClient.DeviceListChanged(uploaded));
        since = uploaded["next_batch"]!.GetValue<string>();

        await E2eeClient.BotAsync(hs, "SECOND"); // a new device of a member
        var added = await admin.SyncAsync(since);
        Assert.Equal([hs.BotId], E2eeClient.DeviceListChanged(added));
        since = added["next_batch"]!.GetValue<string>();

        Assert.Equal(200, (await hs.Client.PostAsync($"{E2eeClient.V3}/rooms/{Enc(roomId)}/leave", null, bot.Token)).Code);
        var left = await admin.SyncAsync(since);
        Assert.Equal([hs.BotId], E2eeClient.DeviceListChanged(left, "left"));
        Assert.Empty(E2eeClient.DeviceListChanged(left));
        Assert.Equal(200, (await bot.UploadAsync(new JsonObject { ["device_keys"] = bot.DeviceKeys("new-curve") })).Code);
        Assert.False((await admin.SyncAsync(left["next_batch"]!.GetValue<string>())).ContainsKey("device_lists")); // no room shared any more
    }

    [Fact]
    public async Task A_stored_filter_limits_the_timeline_and_prev_batch_pages_back_with_messages()
    {
        await using var hs = await StartAsync();
        var bot = await E2eeClient.BotAsync(hs);
        var roomId = await hs.Client.CreateRoomAsync(bot.Token);
        var first = await bot.SendMessageAsync(roomId, "a", "first");
        var second = await bot.SendMessageAsync(roomId, "b", "second");
        var filter = new JsonObject { ["room"] = new JsonObject { ["timeline"] = new JsonObject { ["limit"] = 1 }, ["state"] = new JsonObject { ["lazy_load_members"] = true } } };
        var created = await hs.Client.PostAsync($"{E2eeClient.V3}/user/{Enc(hs.BotId)}/filter", filter, bot.Token);
        Assert.Equal((200, """{"filter_id":"0"}"""), (created.Code, created.Text));
        Assert.True(JsonNode.DeepEquals(filter, (await hs.Client.GetAsync($"{E2eeClient.V3}/user/{Enc(hs.BotId)}/filter/0", bot.Token)).Json));
        Assert.Equal(404, (await hs.Client.GetAsync($"{E2eeClient.V3}/user/{Enc(hs.BotId)}/filter/7", bot.Token)).Code);
        Assert.Equal(403, (await hs.Client.PostAsync($"{E2eeClient.V3}/user/{Enc(hs.AdminId)}/filter", filter, bot.Token)).Code);

        var sync = await bot.SyncAsync(filter: "0");
        var timeline = sync["rooms"]!["join"]![roomId]!["timeline"]!.AsObject();
        Assert.True(timeline["limited"]!.GetValue<bool>());
        Assert.Equal([second], timeline["events"]!.AsArray().Select(e => e!["event_id"]!.GetValue<string>()));
        var summary = sync["rooms"]!["join"]![roomId]!["summary"]!;
        Assert.Equal(1, summary["m.joined_member_count"]!.GetValue<int>()); // computed when members are lazy-loaded
        var members = sync["rooms"]!["join"]![roomId]!["state"]!["events"]!.AsArray().Where(e => e!["type"]!.GetValue<string>() == "m.room.member");
        Assert.Equal([hs.BotId], members.Select(e => e!["state_key"]!.GetValue<string>()));
        var back = await hs.Client.GetAsync($"{E2eeClient.V3}/rooms/{Enc(roomId)}/messages?dir=b&limit=1&from={timeline["prev_batch"]!.GetValue<string>()}", bot.Token);
        Assert.Equal(first, back.Object["chunk"]![0]!["event_id"]!.GetValue<string>());

        var inline = await bot.SyncAsync(filter: """{"room":{"rooms":[]}}""");
        Assert.False(inline.ContainsKey("rooms"));
        var unknown = await bot.SyncRawAsync(filter: "42");
        Assert.Equal((400, "M_INVALID_PARAM"), (unknown.Code, unknown.Errcode));
        var badJson = await bot.SyncRawAsync(filter: "{nope");
        Assert.Equal((400, "M_NOT_JSON"), (badJson.Code, badJson.Errcode));
    }

    [Fact]
    public async Task A_kicked_member_gets_the_room_under_leave_up_to_the_kick()
    {
        await using var hs = await StartAsync();
        var (admin, bot, roomId) = await SharedRoomAsync(hs);
        var since = await bot.NextBatchAsync();

        Assert.Equal(200, (await hs.Client.PostAsync($"{E2eeClient.V3}/rooms/{Enc(roomId)}/kick", new JsonObject { ["user_id"] = hs.BotId }, admin.Token)).Code);
        await admin.SendMessageAsync(roomId, "after");

        var sync = await bot.SyncAsync(since);
        Assert.Equal([roomId], E2eeClient.Rooms(sync, "leave"));
        var last = sync["rooms"]!["leave"]![roomId]!["timeline"]!["events"]!.AsArray()[^1]!;
        Assert.Equal(("m.room.member", "leave"), (last["type"]!.GetValue<string>(), last["content"]!["membership"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_member_who_leaves_gets_the_room_under_leave_in_the_next_incremental_sync_without_include_leave()
    {
        await using var hs = await StartAsync();
        var (_, bot, roomId) = await SharedRoomAsync(hs);
        var since = await bot.NextBatchAsync();

        Assert.Equal(200, (await hs.Client.PostAsync($"{E2eeClient.V3}/rooms/{Enc(roomId)}/leave", null, bot.Token)).Code);

        var sync = await bot.SyncAsync(since);
        Assert.Equal([roomId], E2eeClient.Rooms(sync, "leave"));
        Assert.Empty(E2eeClient.Rooms(sync, "join"));
        var last = sync["rooms"]!["leave"]![roomId]!["timeline"]!["events"]!.AsArray()[^1]!;
        Assert.Equal((hs.BotId, "leave"), (last["sender"]!.GetValue<string>(), last["content"]!["membership"]!.GetValue<string>()));
        var later = await bot.SyncAsync(sync["next_batch"]!.GetValue<string>());
        Assert.Empty(E2eeClient.Rooms(later, "leave")); // newly left only once
    }

    private static async Task<string> UnrelatedRoomAsync(TestHomeserver hs, E2eeClient admin) =>
        await hs.Client.CreateRoomAsync(admin.Token);
}

[Trait("tier", "integration")]
public sealed class SyncTestsOnSynapse167 : SyncTests
{
    protected override Compatibility Profile => Compatibility.Synapse167;
}
