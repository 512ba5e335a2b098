using System.Text.Json.Nodes;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

/// <summary>A room's history and reports as Synapse serves them: <c>purge_history</c> and its status (held in
/// <c>active</c> by the testing control, forgotten a day after it ends), event reports (the client's report, the admin
/// list with its filters and pages, one report, deletion where the release serves it), background updates; on both
/// profiles.</summary>
[Trait("tier", "integration")]
public class HistoryAdministrationTests
{
    protected virtual Compatibility Profile => new();

    private static string Enc(string s) => MatrixTestClient.Enc(s);

    private sealed record World(TestHomeserver Hs, string Admin, string Bot, string RoomId, ManualTime Clock) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Hs.DisposeAsync();

        public async Task<string> SendAsync(string body, string? token = null, string? room = null) =>
            (await Hs.Client.PutAsync($"/_matrix/client/v3/rooms/{Enc(room ?? RoomId)}/send/m.room.message/{Guid.NewGuid():N}", new JsonObject { ["msgtype"] = "m.text", ["body"] = body }, token ?? Admin)).Str("event_id");

        public async Task<List<string>> BodiesAsync() =>
            [.. (await Hs.Client.GetAsync($"/_matrix/client/v3/rooms/{Enc(RoomId)}/messages?dir=f&limit=100", Admin)).Object["chunk"]!.AsArray()
                .Where(e => e!["type"]!.GetValue<string>() == "m.room.message").Select(e => e!["content"]!["body"]!.GetValue<string>())];

        public Task<ClientResponse> PurgeAsync(JsonObject body, string? eventId = null) =>
            Hs.Client.PostAsync($"/_synapse/admin/v1/purge_history/{Enc(RoomId)}" + (eventId is null ? "" : "/" + Enc(eventId)), body, Admin);

        public Task<ClientResponse> StatusAsync(string purgeId) => Hs.Client.GetAsync("/_synapse/admin/v1/purge_history_status/" + purgeId, Admin);

        public Task HoldAsync(bool hold) => Hs.Client.PostAsync("/_solti/testing/v1/purge_hold", new JsonObject { ["hold"] = hold }, Admin);
    }

    private async Task<World> StartAsync()
    {
        var clock = new ManualTime();
        var hs = await TestHomeserver.StartAsync(o => o with { Compatibility = Profile }, clock);
        var admin = (await hs.LoginAdminAsync()).AccessToken;
        var bot = (await hs.LoginBotAsync()).AccessToken;
        var roomId = await hs.Client.CreateRoomAsync(admin, new JsonObject { ["name"] = "History", ["preset"] = "public_chat", ["room_alias_name"] = "history" });
        Assert.Equal(200, (await hs.Client.PostAsync($"/_matrix/client/v3/join/{Enc(roomId)}", null, bot)).Code);
        return new World(hs, admin, bot, roomId, clock);
    }

    [Fact]
    public async Task A_purge_runs_in_the_background_removes_the_messages_before_its_point_and_keeps_the_state()
    {
        await using var w = await StartAsync();
        await w.SendAsync("one");
        await w.SendAsync("two", w.Bot);
        var three = await w.SendAsync("three");
        await w.SendAsync("four");

        await w.HoldAsync(true);
        var started = await w.PurgeAsync(new JsonObject { ["delete_local_events"] = true }, three);
        Assert.Equal(200, started.Code);
        var purgeId = started.Str("purge_id");
        Assert.Equal(new JsonObject { ["status"] = "active" }.ToJsonString(), (await w.StatusAsync(purgeId)).Object.ToJsonString());
        Assert.Equal(["one", "two", "three", "four"], await w.BodiesAsync());

        Assert.Equal(1, (await w.Hs.Client.PostAsync("/_solti/testing/v1/purge_hold", new JsonObject { ["hold"] = false }, w.Admin)).Object["released"]!.GetValue<int>());
        Assert.Equal("complete", (await w.StatusAsync(purgeId)).Str("status"));
        Assert.Equal(["three", "four"], await w.BodiesAsync());
        Assert.Equal("History", (await w.Hs.Client.GetAsync($"/_matrix/client/v3/rooms/{Enc(w.RoomId)}/state/m.room.name", w.Admin)).Str("name"));
        Assert.Equal(200, (await w.Hs.Client.GetAsync($"/_matrix/client/v3/rooms/{Enc(w.RoomId)}/state/m.room.member/{Enc(w.Hs.BotId)}", w.Admin)).Code);

        // Kept in memory for a day after it ends, as Synapse 1.67 keeps it.
        w.Clock.Advance(TimeSpan.FromHours(23));
        Assert.Equal(200, (await w.StatusAsync(purgeId)).Code);
        w.Clock.Advance(TimeSpan.FromHours(1));
        var forgotten = await w.StatusAsync(purgeId);
        Assert.Equal((404, "M_NOT_FOUND"), (forgotten.Code, forgotten.Errcode));
        Assert.Contains($"purge id '{purgeId}' not found", forgotten.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_delete_local_events_local_senders_are_kept_as_the_release_keeps_them()
    {
        await using var w = await StartAsync();
        await w.SendAsync("one");
        await w.SendAsync("two", w.Bot);
        var three = await w.SendAsync("three");
        await w.HoldAsync(true);
        var purgeId = (await w.PurgeAsync(new JsonObject { ["purge_up_to_event_id"] = three })).Str("purge_id");
        await w.HoldAsync(false);
        Assert.Equal("complete", (await w.StatusAsync(purgeId)).Str("status"));

        // Before 1.156 only event ids ending with the server name were kept: none in today's rooms.
        Assert.Equal(Profile.PurgeKeepsLocalByEventId ? ["three"] : ["one", "two", "three"], await w.BodiesAsync());
    }

    [Fact]
    public async Task A_time_point_keeps_the_last_event_before_it()
    {
        await using var w = await StartAsync();
        await w.SendAsync("old 1");
        await w.SendAsync("old 2");
        w.Clock.Advance(TimeSpan.FromDays(2));
        var cut = w.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        w.Clock.Advance(TimeSpan.FromMinutes(1));
        await w.SendAsync("new");
        await w.HoldAsync(true);
        var purgeId = (await w.PurgeAsync(new JsonObject { ["purge_up_to_ts"] = cut, ["delete_local_events"] = true })).Str("purge_id");
        await w.HoldAsync(false);
        Assert.Equal("complete", (await w.StatusAsync(purgeId)).Str("status"));
        Assert.Equal(["old 2", "new"], await w.BodiesAsync());

        var nothing = await w.PurgeAsync(new JsonObject { ["purge_up_to_ts"] = 1000 });
        Assert.Equal((404, "M_NOT_FOUND"), (nothing.Code, nothing.Errcode));
        Assert.Contains("there is no event to be purged", nothing.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_purge_requests_get_synapses_errors()
    {
        await using var w = await StartAsync();
        var other = await w.Hs.Client.CreateRoomAsync(w.Admin, new JsonObject { ["name"] = "Other" });
        var elsewhere = await w.SendAsync("elsewhere", room: other);

        var none = await w.PurgeAsync([]);
        Assert.Equal((400, "M_BAD_JSON"), (none.Code, none.Errcode));
        Assert.Contains("must specify purge_up_to_event_id or purge_up_to_ts", none.Text, StringComparison.Ordinal);
        var notInt = await w.PurgeAsync(new JsonObject { ["purge_up_to_ts"] = "yesterday" });
        Assert.Equal((400, "M_BAD_JSON"), (notInt.Code, notInt.Errcode));
        Assert.Contains("purge_up_to_ts must be an int", notInt.Text, StringComparison.Ordinal);
        var unknown = await w.PurgeAsync([], "$nosuchevent");
        Assert.Equal((404, "M_NOT_FOUND"), (unknown.Code, unknown.Errcode));
        var wrongRoom = await w.PurgeAsync([], elsewhere);
        Assert.Equal((400, "M_UNKNOWN"), (wrongRoom.Code, wrongRoom.Errcode));
        Assert.Contains("Event is for wrong room.", wrongRoom.Text, StringComparison.Ordinal);
        Assert.Equal(403, (await w.Hs.Client.PostAsync($"/_synapse/admin/v1/purge_history/{Enc(w.RoomId)}", new JsonObject { ["purge_up_to_ts"] = 1 }, w.Bot)).Code);
        Assert.Equal(404, (await w.StatusAsync("nosuchpurge")).Code);
    }

    [Fact]
    public async Task A_second_purge_of_a_room_while_one_is_active_is_refused_only_by_the_old_release()
    {
        await using var w = await StartAsync();
        var point = await w.SendAsync("one");
        await w.HoldAsync(true);
        Assert.Equal(200, (await w.PurgeAsync([], point)).Code);
        var second = await w.PurgeAsync([], point);
        if (Profile.PurgeHistoryOnePerRoom)
        {
            Assert.Equal((400, "M_UNKNOWN"), (second.Code, second.Errcode));
            Assert.Contains("History purge already in progress for " + w.RoomId, second.Text, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(200, second.Code);
        }

        await w.HoldAsync(false);
    }

    [Fact]
    public async Task Reports_are_made_by_users_and_read_listed_and_deleted_by_admins()
    {
        await using var w = await StartAsync();
        var spam = await w.SendAsync("spam");
        var rude = await w.SendAsync("rude", w.Bot);
        var reportPath = (string e) => $"/_matrix/client/v3/rooms/{Enc(w.RoomId)}/report/{Enc(e)}";

        var badReason = await w.Hs.Client.PostAsync(reportPath(spam), new JsonObject { ["reason"] = 5 }, w.Bot);
        Assert.Equal((400, "M_BAD_JSON"), (badReason.Code, badReason.Errcode));
        Assert.Contains("Param 'reason' must be a string", badReason.Text, StringComparison.Ordinal);
        var badScore = await w.Hs.Client.PostAsync(reportPath(spam), new JsonObject { ["score"] = "high" }, w.Bot);
        Assert.Equal((400, "M_BAD_JSON"), (badScore.Code, badScore.Errcode));
        var unknown = await w.Hs.Client.PostAsync(reportPath("$nosuchevent"), new JsonObject { ["reason"] = "x" }, w.Bot);
        Assert.Equal(Profile.ReportChecksEvent ? 404 : 200, unknown.Code);

        Assert.Equal(200, (await w.Hs.Client.PostAsync(reportPath(spam), new JsonObject { ["reason"] = "spam", ["score"] = -100 }, w.Bot)).Code);
        w.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(200, (await w.Hs.Client.PostAsync(reportPath(rude), new JsonObject(), w.Admin)).Code);
        var expected = Profile.ReportChecksEvent ? 2 : 3;

        var list = (await w.Hs.Client.GetAsync("/_synapse/admin/v1/event_reports?limit=1", w.Admin)).Object;
        Assert.Equal(expected, list["total"]!.GetValue<int>());
        Assert.Equal(1, list["next_token"]!.GetValue<int>());
        var newest = list["event_reports"]![0]!.AsObject();
        Assert.Equal(["id", "received_ts", "room_id", "event_id", "user_id", "score", "reason", "sender", "canonical_alias", "name"], newest.Select(p => p.Key));
        Assert.Equal((rude, w.Hs.AdminId, w.Hs.BotId, "#history:localhost", "History"),
            (newest["event_id"]!.GetValue<string>(), newest["user_id"]!.GetValue<string>(), newest["sender"]!.GetValue<string>(), newest["canonical_alias"]!.GetValue<string>(), newest["name"]!.GetValue<string>()));
        var byBot = (await w.Hs.Client.GetAsync($"/_synapse/admin/v1/event_reports?user_id={Enc("@bot")}&dir=f", w.Admin)).Object;
        Assert.Equal(expected - 1, byBot["total"]!.GetValue<int>());
        Assert.False(byBot.ContainsKey("next_token"));
        var id = byBot["event_reports"]!.AsArray().Single(r => r!["event_id"]!.GetValue<string>() == spam)!["id"]!.GetValue<long>();

        var one = (await w.Hs.Client.GetAsync($"/_synapse/admin/v1/event_reports/{id}", w.Admin)).Object;
        Assert.Equal(("spam", -100, "spam"), (one["reason"]!.GetValue<string>(), one["score"]!.GetValue<int>(), one["event_json"]!["content"]!["body"]!.GetValue<string>()));
        var badId = await w.Hs.Client.GetAsync("/_synapse/admin/v1/event_reports/abc", w.Admin);
        Assert.Equal((400, "M_INVALID_PARAM"), (badId.Code, badId.Errcode));
        Assert.Equal(404, (await w.Hs.Client.GetAsync("/_synapse/admin/v1/event_reports/999", w.Admin)).Code);
        var badDir = await w.Hs.Client.GetAsync("/_synapse/admin/v1/event_reports?dir=x", w.Admin);
        Assert.Equal((400, "M_INVALID_PARAM"), (badDir.Code, badDir.Errcode));
        Assert.Equal(403, (await w.Hs.Client.GetAsync("/_synapse/admin/v1/event_reports", w.Bot)).Code);

        var deleted = await w.Hs.Client.DeleteAsync($"/_synapse/admin/v1/event_reports/{id}", w.Admin);
        if (!Profile.DeletesEventReports)
        {
            Assert.Equal((400, "M_UNRECOGNIZED"), (deleted.Code, deleted.Errcode));
            Assert.Equal(200, (await w.Hs.Client.GetAsync($"/_synapse/admin/v1/event_reports/{id}", w.Admin)).Code);
            return;
        }

        Assert.Equal(200, deleted.Code);
        Assert.Equal(404, (await w.Hs.Client.GetAsync($"/_synapse/admin/v1/event_reports/{id}", w.Admin)).Code);
        Assert.Equal(404, (await w.Hs.Client.DeleteAsync($"/_synapse/admin/v1/event_reports/{id}", w.Admin)).Code);
        Assert.Equal(403, (await w.Hs.Client.DeleteAsync($"/_synapse/admin/v1/event_reports/{id}", w.Bot)).Code);
    }

    [Fact]
    public async Task Background_updates_are_enabled_and_the_testing_control_shows_one_running()
    {
        await using var w = await StartAsync();
        var idle = (await w.Hs.Client.GetAsync("/_synapse/admin/v1/background_updates/status", w.Admin)).Object;
        Assert.Equal("""{"enabled":true,"current_updates":{}}""", idle.ToJsonString());
        await w.Hs.Client.PostAsync("/_solti/testing/v1/background_update", new JsonObject { ["update"] = new JsonObject { ["name"] = "event_search", ["total_item_count"] = 10, ["total_duration_ms"] = 20.0, ["average_items_per_ms"] = 0.5 } }, w.Admin);
        var running = (await w.Hs.Client.GetAsync("/_synapse/admin/v1/background_updates/status", w.Admin)).Object;
        Assert.Equal("event_search", running["current_updates"]!["master"]!["name"]!.GetValue<string>());
        Assert.Equal(403, (await w.Hs.Client.GetAsync("/_synapse/admin/v1/background_updates/status", w.Bot)).Code);
    }
}

/// <summary>The same tests against Synapse 1.67's behaviour.</summary>
[Trait("tier", "integration")]
public sealed class HistoryAdministrationTestsOnSynapse167 : HistoryAdministrationTests
{
    protected override Compatibility Profile => Compatibility.Synapse167;
}
