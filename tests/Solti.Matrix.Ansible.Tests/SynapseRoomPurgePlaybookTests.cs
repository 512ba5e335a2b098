using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Tests.Support;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests;

/// <summary><c>synapse_room</c>'s <c>purge_history_before</c> from playbooks: the events really go (read back with
/// <c>/messages</c>), by event, time and duration; local users' events only with <c>delete_local_events</c>; the async
/// purge held in <c>active</c> by the homeserver's testing control (never a race with the clock); check mode; bad input.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public class SynapseRoomPurgePlaybookTests(InstalledCollection collection) : ModulePlaybookTest(collection, "synapse_room", "room")
{
    private readonly ManualTime _clock = new();

    protected override TimeProvider? Time => _clock;

    /// <summary>Before Synapse 1.156 a purge without <c>delete_local_events</c> kept only events whose id ends with the
    /// server name (rooms of version 1 and 2), so local users' events in today's rooms went anyway.</summary>
    private bool LocalEventsPurgedAnyway => Profile?.PurgeKeepsLocalByEventId == true;

    private async Task<(string RoomId, List<string> EventIds)> RoomWithMessagesAsync(params string[] bodies)
    {
        var roomId = await Hs.Client.CreateRoomAsync(Admin.AccessToken, new JsonObject { ["name"] = "History" });
        var ids = new List<string>();
        foreach (var body in bodies)
        {
            ids.Add(await SendAsync(roomId, body));
        }

        return (roomId, ids);
    }

    private async Task<string> SendAsync(string roomId, string body) =>
        (await Hs.Client.PutAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/send/m.room.message/{Guid.NewGuid():N}", new JsonObject { ["msgtype"] = "m.text", ["body"] = body }, Admin.AccessToken)).Str("event_id");

    /// <summary>The bodies of the room's messages, oldest first, as a client reads them over HTTP.</summary>
    private async Task<List<string>> BodiesAsync(string roomId)
    {
        var messages = await Hs.Client.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/messages?dir=f&limit=1000", Admin.AccessToken);
        return [.. messages.Object["chunk"]!.AsArray().Where(e => e!["type"]!.GetValue<string>() == "m.room.message").Select(e => e!["content"]!["body"]!.GetValue<string>())];
    }

    private async Task<string?> RoomNameAsync(string roomId) =>
        (await Hs.Client.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/state/m.room.name", Admin.AccessToken)).Object["name"]?.GetValue<string>();

    private Task HoldAsync(bool hold) => Hs.Client.PostAsync("/_solti/testing/v1/purge_hold", new JsonObject { ["hold"] = hold }, Admin.AccessToken);

    [Fact]
    public async Task A_purge_up_to_an_event_removes_the_messages_before_it_and_is_changed_each_time()
    {
        var (roomId, ids) = await RoomWithMessagesAsync("one", "two", "three", "four");
        var purged = (await RunAsync($"room_id: \"{roomId}\"\npurge_history_before: \"{ids[2]}\"\ndelete_local_events: true", "--diff")).Task("room");
        Assert.True(purged["changed"]!.GetValue<bool>(), purged.ToJsonString());
        Assert.Equal("complete", purged["purge_status"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(purged["purge_id"]!.GetValue<string>()));
        Assert.Equal("purged before " + ids[2], purged["diff"]!["after"]!["history"]!.GetValue<string>());
        Assert.Null(purged["warnings"]);
        Assert.Equal(["three", "four"], await BodiesAsync(roomId));
        Assert.Equal("History", await RoomNameAsync(roomId)); // state events stay

        // An action: it purges (nothing more here) and says so each time.
        var again = (await RunAsync($"room_id: \"{roomId}\"\npurge_history_before: \"{ids[2]}\"\ndelete_local_events: true")).Task("room");
        Assert.True(again["changed"]!.GetValue<bool>());
        Assert.NotEqual(purged["purge_id"]!.GetValue<string>(), again["purge_id"]!.GetValue<string>());
        Assert.Equal(["three", "four"], await BodiesAsync(roomId));
    }

    [Fact]
    public async Task Without_delete_local_events_local_messages_stay_and_the_task_warns()
    {
        var (roomId, ids) = await RoomWithMessagesAsync("one", "two", "three");
        var kept = (await RunAsync($"room_id: \"{roomId}\"\npurge_history_before: \"{ids[2]}\"")).Task("room");
        Assert.True(kept["changed"]!.GetValue<bool>(), kept.ToJsonString());
        Assert.Equal("complete", kept["purge_status"]!.GetValue<string>());
        Assert.Contains("delete_local_events is false", kept["warnings"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(LocalEventsPurgedAnyway ? ["three"] : ["one", "two", "three"], await BodiesAsync(roomId));
    }

    [Fact]
    public async Task A_time_or_a_duration_purges_what_is_older_keeping_the_last_event_before_it()
    {
        // Messages 40 days old, then two from yesterday: "30d" purges up to the last old one, which stays.
        _clock.Advance(TimeSpan.FromDays(-40));
        var (roomId, _) = await RoomWithMessagesAsync("old 1", "old 2", "old 3");
        _clock.Advance(TimeSpan.FromDays(39));
        await SendAsync(roomId, "new 1");
        await SendAsync(roomId, "new 2");
        var byAge = (await RunAsync($"room_id: \"{roomId}\"\npurge_history_before: 30d\ndelete_local_events: true")).Task("room");
        Assert.True(byAge["changed"]!.GetValue<bool>(), byAge.ToJsonString());
        Assert.Equal(["old 3", "new 1", "new 2"], await BodiesAsync(roomId));

        // Nothing older than a year: nothing to purge, no change.
        var nothing = (await RunAsync($"room_id: \"{roomId}\"\npurge_history_before: 365d\ndelete_local_events: true")).Task("room");
        Assert.False(nothing["changed"]!.GetValue<bool>(), nothing.ToJsonString());
        Assert.Contains("nothing to purge", nothing["msg"]!.GetValue<string>(), StringComparison.Ordinal);

        // A timestamp in milliseconds (here: tomorrow's, on the homeserver's clock) keeps only the room's latest event.
        var tomorrow = _clock.GetUtcNow().AddDays(1);
        var byTs = (await RunAsync($"room_id: \"{roomId}\"\npurge_history_before: \"{tomorrow.ToUnixTimeMilliseconds()}\"\ndelete_local_events: true")).Task("room");
        Assert.True(byTs["changed"]!.GetValue<bool>(), byTs.ToJsonString());
        Assert.Equal(["new 2"], await BodiesAsync(roomId));
        Assert.Equal("History", await RoomNameAsync(roomId));
    }

    [Fact]
    public async Task An_iso_date_is_a_point_too()
    {
        _clock.Advance(TimeSpan.FromDays(-10));
        var (roomId, _) = await RoomWithMessagesAsync("before 1", "before 2");
        _clock.Advance(TimeSpan.FromDays(10));
        await SendAsync(roomId, "after");
        var date = _clock.GetUtcNow().AddDays(-5).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var purged = (await RunAsync($"room_id: \"{roomId}\"\npurge_history_before: \"{date}\"\ndelete_local_events: true")).Task("room");
        Assert.True(purged["changed"]!.GetValue<bool>(), purged.ToJsonString());
        Assert.Equal(["before 2", "after"], await BodiesAsync(roomId));
    }

    [Fact]
    public async Task Check_mode_sends_nothing()
    {
        var (roomId, ids) = await RoomWithMessagesAsync("one", "two");
        await Hs.Client.DeleteAsync("/_solti/testing/v1/counters", Admin.AccessToken);
        var check = (await RunAsync($"room_id: \"{roomId}\"\npurge_history_before: \"{ids[1]}\"\ndelete_local_events: true", "--check")).Task("room");
        Assert.True(check["changed"]!.GetValue<bool>(), check.ToJsonString());
        Assert.Null(check["purge_id"]);
        Assert.Equal(0, (await Hs.Client.GetAsync("/_solti/testing/v1/counters", Admin.AccessToken)).Object["writes"]!.GetValue<int>());
        Assert.Equal(["one", "two"], await BodiesAsync(roomId));
    }

    [Fact]
    public async Task Without_wait_the_task_returns_the_active_purge_which_the_server_finishes_later()
    {
        var (roomId, ids) = await RoomWithMessagesAsync("one", "two", "three");
        await HoldAsync(true);
        var started = (await RunAsync($"room_id: \"{roomId}\"\npurge_history_before: \"{ids[2]}\"\ndelete_local_events: true\nwait: false")).Task("room");
        Assert.True(started["changed"]!.GetValue<bool>(), started.ToJsonString());
        Assert.Equal("active", started["purge_status"]!.GetValue<string>());
        var purgeId = started["purge_id"]!.GetValue<string>();
        Assert.Equal(["one", "two", "three"], await BodiesAsync(roomId));

        if (Profile?.PurgeHistoryOnePerRoom == true)
        {
            // Synapse 1.67 refuses a second purge of a room while one is active.
            var refused = (await RunAsync($"room_id: \"{roomId}\"\npurge_history_before: \"{ids[2]}\"\ndelete_local_events: true")).Task("room");
            Assert.True(refused["failed"]!.GetValue<bool>());
            Assert.Contains("History purge already in progress", refused["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        await HoldAsync(false);
        Assert.Equal("complete", (await Hs.Client.GetAsync("/_synapse/admin/v1/purge_history_status/" + purgeId, Admin.AccessToken)).Str("status"));
        Assert.Equal(["three"], await BodiesAsync(roomId));
    }

    [Fact]
    public async Task A_purge_still_active_when_the_budget_ends_fails_naming_it()
    {
        var (roomId, ids) = await RoomWithMessagesAsync("one", "two");
        await HoldAsync(true);
        var waited = (await RunAsync($"room_id: \"{roomId}\"\npurge_history_before: \"{ids[1]}\"\ndelete_local_events: true\ntimeout: 1")).Task("room");
        Assert.True(waited["failed"]!.GetValue<bool>(), waited.ToJsonString());
        Assert.Contains("is still active at the end of the call's time budget", waited["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(waited["purge_id"]!.GetValue<string>()));
        await HoldAsync(false);
        Assert.Equal(["two"], await BodiesAsync(roomId));
    }

    [Fact]
    public async Task Bad_input_fails_naming_the_parameter_before_any_write()
    {
        var (roomId, _) = await RoomWithMessagesAsync("one");
        await Hs.Client.DeleteAsync("/_solti/testing/v1/counters", Admin.AccessToken);
        await FailsAsync($"room_id: \"{roomId}\"\npurge_history_before: last tuesday", "purge_history_before must be a timestamp in milliseconds, an ISO-8601 date, a duration");
        await FailsAsync($"room_id: \"{roomId}\"\ndelete_local_events: true", "delete_local_events needs purge_history_before");
        await FailsAsync($"room_id: \"{roomId}\"\nstate: absent\npurge_history_before: 30d", "purge_history_before works with state=present");
        await FailsAsync("room_id: \"!nosuchroom:localhost\"\npurge_history_before: 30d", "does not exist: purge_history_before needs an existing room");
        var unknownEvent = (await RunAsync($"room_id: \"{roomId}\"\npurge_history_before: \"$nosuchevent\"\ndelete_local_events: true")).Task("room");
        Assert.True(unknownEvent["failed"]!.GetValue<bool>());
        Assert.Equal("M_NOT_FOUND", unknownEvent["errcode"]!.GetValue<string>());
        Assert.Equal(1, (await Hs.Client.GetAsync("/_solti/testing/v1/counters", Admin.AccessToken)).Object["writes"]!.GetValue<int>()); // only the refused purge
        Assert.Equal(["one"], await BodiesAsync(roomId));
    }
}

/// <summary>The same purge playbook tests against the oldest Synapse we support (1.67's behaviour).</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class SynapseRoomPurgePlaybookTestsOnSynapse167(InstalledCollection collection) : SynapseRoomPurgePlaybookTests(collection)
{
    protected override Compatibility? Profile => Compatibility.Synapse167;
}

/// <summary>The same tests on a homeserver that delegates authentication to MAS: what they manage is Synapse's there too,
/// through the Synapse admin token.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class SynapseRoomPurgePlaybookTestsOnMas(InstalledCollection collection) : SynapseRoomPurgePlaybookTests(collection)
{
    protected override bool OnMas => true;
}
