using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Tests.Support;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests;

/// <summary><c>matrix_config</c> from playbooks against the homeserver: create from empty, a second run with no write,
/// each kind of change exactly in the diff, check mode writing nothing, absent, tokens, bad input before any write.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public class MatrixConfigPlaybookTests(InstalledCollection collection) : ModulePlaybookTest(collection, "matrix_config", "config")
{
    private const string AlicePassword = "alice-secret-pw-7f3";

    private const string Base = $$"""
        domain: localhost
        users:
          - user_id: "@alice"
            displayname: Alice
            password: {{AlicePassword}}
          - user_id: carol
            user_type: bot
            ratelimit_override: {messages_per_second: 0, burst_count: 0}
        rooms:
          - alias: ops
            name: Operations
            topic: alerts
            encrypted: true
            retention: {max_lifetime_days: 30}
            members:
              - "@alice"
              - {user_id: "@carol", power_level: 50}
            power_levels:
              events: {m.room.topic: 50}
          - alias: "#lobby:localhost"
            name: Lobby
            preset: public_chat
            visibility: public
        """;

    private static string[] Strings(JsonNode? array) => [.. array!.AsArray().Select(c => c!.GetValue<string>())];

    private async Task<long> WritesAsync() =>
        (await Hs.Client.GetAsync("/_solti/testing/v1/counters", Admin.AccessToken)).Object["writes"]!.GetValue<long>();

    private Task ResetCountersAsync() => Hs.Client.DeleteAsync("/_solti/testing/v1/counters", Admin.AccessToken);

    private async Task<string?> RoomIdAsync(string alias)
    {
        var response = await Hs.Client.GetAsync("/_matrix/client/v3/directory/room/" + MatrixTestClient.Enc(alias));
        return response.Code == 200 ? response.Object["room_id"]!.GetValue<string>() : null;
    }

    private async Task<JsonObject?> StateAsync(string roomId, string type, string key = "")
    {
        var response = await Hs.Client.GetAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/state/{type}/{MatrixTestClient.Enc(key)}", Admin.AccessToken);
        return response.Code == 200 ? response.Object : null;
    }

    private async Task<string?> MembershipAsync(string roomId, string userId) =>
        (await StateAsync(roomId, "m.room.member", userId))?["membership"]?.GetValue<string>();

    [Fact]
    public async Task Create_from_empty_then_a_second_run_sends_no_write()
    {
        var check = await RunAsync(Base, "--check");
        var planned = check.Task("config");
        Assert.True(planned["changed"]!.GetValue<bool>(), check.ToString());
        Assert.Equal(["create_user", "create_user", "set_ratelimit_override", "create_room", "join_member", "join_member", "create_room"],
            planned["plan"]!.AsArray().Select(a => a!["action"]!.GetValue<string>()));
        Assert.All(planned["plan"]!.AsArray(), a => Assert.Equal("planned", a!["status"]!.GetValue<string>()));
        Assert.Null(await AccountAsync("@alice:localhost"));
        Assert.Null(await RoomIdAsync("#ops:localhost"));
        Assert.DoesNotContain(AlicePassword, check.Stdout, StringComparison.Ordinal);

        var run = await RunAsync(Base);
        var created = run.Task("config");
        Assert.True(created["changed"]!.GetValue<bool>(), run.ToString());
        Assert.Equal(2, created["summary"]!["users_created"]!.GetValue<int>());
        Assert.Equal(2, created["summary"]!["rooms_created"]!.GetValue<int>());
        Assert.All(created["plan"]!.AsArray(), a => Assert.Equal("applied", a!["status"]!.GetValue<string>()));
        Assert.DoesNotContain(AlicePassword, run.Stdout + run.Stderr, StringComparison.Ordinal);
        Assert.Equal("VALUE_SPECIFIED_IN_NO_LOG_PARAMETER", created["invocation"]!["module_args"]!["users"]![0]!["password"]!.GetValue<string>());

        Assert.Equal("Alice", (await AccountAsync("@alice:localhost"))!["displayname"]!.GetValue<string>());
        Assert.Equal("bot", (await AccountAsync("@carol:localhost"))!["user_type"]!.GetValue<string>());
        var ops = (await RoomIdAsync("#ops:localhost"))!;
        Assert.Equal("Operations", (await StateAsync(ops, "m.room.name"))!["name"]!.GetValue<string>());
        Assert.Equal("m.megolm.v1.aes-sha2", (await StateAsync(ops, "m.room.encryption"))!["algorithm"]!.GetValue<string>());
        Assert.Equal(30L * 86_400_000, (await StateAsync(ops, "m.room.retention"))!["max_lifetime"]!.GetValue<long>());
        Assert.Equal("join", await MembershipAsync(ops, "@alice:localhost"));
        Assert.Equal("join", await MembershipAsync(ops, "@carol:localhost"));
        var levels = (await StateAsync(ops, "m.room.power_levels"))!;
        Assert.Equal(50, levels["users"]!["@carol:localhost"]!.GetValue<int>());
        Assert.Equal(100, levels["users"]![Hs.AdminId]!.GetValue<int>());
        Assert.Equal(50, levels["events"]!["m.room.topic"]!.GetValue<int>());
        Assert.Equal("public", (await StateAsync((await RoomIdAsync("#lobby:localhost"))!, "m.room.join_rules"))!["join_rule"]!.GetValue<string>());

        await ResetCountersAsync();
        var again = (await RunAsync(Base, "--diff")).Task("config");
        Assert.False(again["changed"]!.GetValue<bool>(), again.ToJsonString());
        Assert.Empty(again["plan"]!.AsArray());
        Assert.Empty(again["diff"]!.AsArray());
        Assert.Equal(2, again["summary"]!["users_unchanged"]!.GetValue<int>());
        Assert.Equal(2, again["summary"]!["rooms_unchanged"]!.GetValue<int>());
        Assert.Equal(0, await WritesAsync());
    }

    [Fact]
    public async Task Each_change_is_exactly_that_change_in_the_diff_and_check_mode_writes_nothing()
    {
        Assert.True((await RunAsync(Base)).Task("config")["changed"]!.GetValue<bool>());
        var ops = (await RoomIdAsync("#ops:localhost"))!;
        await Hs.Client.PostAsync($"/_synapse/admin/v1/join/{MatrixTestClient.Enc(ops)}", new JsonObject { ["user_id"] = Hs.BotId }, Admin.AccessToken);

        (string Edited, string Field, Func<Task<string?>> Observe, string Before, string After)[] cases =
        [
            (Base.Replace("topic: alerts", "topic: deploys", StringComparison.Ordinal), "topic",
                async () => (await StateAsync(ops, "m.room.topic"))!["topic"]!.GetValue<string>(), "alerts", "deploys"),
            (Base.Replace("{user_id: \"@carol\", power_level: 50}", "{user_id: \"@carol\", power_level: 75}", StringComparison.Ordinal), "power_levels",
                async () => (await StateAsync(ops, "m.room.power_levels"))!["users"]!["@carol:localhost"]!.ToJsonString(), "50", "75"),
            (Base.Replace("max_lifetime_days: 30", "max_lifetime_days: 7", StringComparison.Ordinal), "retention",
                async () => (await StateAsync(ops, "m.room.retention"))!["max_lifetime"]!.ToJsonString(), "2592000000", "604800000"),
            (Base.Replace("visibility: public", "visibility: private", StringComparison.Ordinal), "visibility",
                async () => (await Hs.Client.GetAsync("/_matrix/client/v3/directory/list/room/" + MatrixTestClient.Enc((await RoomIdAsync("#lobby:localhost"))!))).Object["visibility"]!.GetValue<string>(), "public", "private"),
            (Base.Replace("displayname: Alice", "displayname: Alice Ops", StringComparison.Ordinal), "displayname",
                async () => (await AccountAsync("@alice:localhost"))!["displayname"]!.GetValue<string>(), "Alice", "Alice Ops"),
        ];
        foreach (var (edited, field, observe, before, after) in cases)
        {
            await ResetCountersAsync();
            var check = (await RunAsync(edited, "--check", "--diff")).Task("config");
            Assert.True(check["changed"]!.GetValue<bool>(), field + ": " + check.ToJsonString());
            Assert.Equal(0, await WritesAsync());
            Assert.Equal(before, await observe());
            var item = check["users"]!.AsArray().Concat(check["rooms"]!.AsArray()).Single(i => i!["action"]!.GetValue<string>() != "unchanged")!;
            Assert.Equal([field], Strings(item["changes"]));
            var diff = Assert.Single(check["diff"]!.AsArray())!;
            Assert.Contains(before, diff["before"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Contains(after, diff["after"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.StartsWith(field + ":", diff["after"]!.GetValue<string>(), StringComparison.Ordinal);

            var applied = (await RunAsync(edited, "--diff")).Task("config");
            Assert.Single(applied["plan"]!.AsArray());
            Assert.Equal(after, await observe());
            Assert.False((await RunAsync(edited)).Task("config")["changed"]!.GetValue<bool>(), field + ": not idempotent");
            Assert.True((await RunAsync(Base)).Task("config")["changed"]!.GetValue<bool>());
        }

        // The admin right (MAS's on MAS): granted exactly, kept while omitted, taken back.
        var admin = Base.Replace("displayname: Alice", "displayname: Alice\n    admin: true", StringComparison.Ordinal);
        await ResetCountersAsync();
        var grant = (await RunAsync(admin, "--check")).Task("config");
        Assert.Equal(0, await WritesAsync());
        Assert.Equal(["admin"], Strings(grant["users"]![0]!["changes"]));
        Assert.True((await RunAsync(admin)).Task("config")["changed"]!.GetValue<bool>());
        Assert.True(MatrixTestClient.Flag((await AccountAsync("@alice:localhost"))!["admin"]));
        Assert.False((await RunAsync(Base)).Task("config")["changed"]!.GetValue<bool>(), "an omitted admin keeps the right");
        Assert.True((await RunAsync(admin.Replace("admin: true", "admin: false", StringComparison.Ordinal))).Task("config")["changed"]!.GetValue<bool>());
        Assert.False(MatrixTestClient.Flag((await AccountAsync("@alice:localhost"))!["admin"]));

        // Members: add one (dave is created first), and with exclusive_members remove the one not listed (bot).
        var withDave = Base.Replace("  - user_id: carol", "  - user_id: dave\n  - user_id: carol", StringComparison.Ordinal)
            .Replace("      - \"@alice\"", "      - \"@alice\"\n      - \"@dave\"", StringComparison.Ordinal) + "\nexclusive_members: true";
        await ResetCountersAsync();
        var checkMembers = (await RunAsync(withDave, "--check", "--diff")).Task("config");
        Assert.Equal(0, await WritesAsync());
        Assert.Equal("join", await MembershipAsync(ops, Hs.BotId));
        var opsResult = checkMembers["rooms"]![0]!;
        Assert.Equal(["members"], Strings(opsResult["changes"]));
        Assert.Equal(["@dave:localhost"], Strings(opsResult["members_added"]));
        Assert.Equal([Hs.BotId], Strings(opsResult["members_removed"]));
        Assert.Equal(["create_user", "join_member", "kick_member"], checkMembers["plan"]!.AsArray().Select(a => a!["action"]!.GetValue<string>()));
        Assert.Contains(checkMembers["diff"]!.AsArray(), d => d!["after"]!.GetValue<string>().Contains("\"@dave:localhost\": join", StringComparison.Ordinal));

        var members = (await RunAsync(withDave, "--diff")).Task("config");
        Assert.True(members["changed"]!.GetValue<bool>(), members.ToJsonString());
        Assert.Equal("join", await MembershipAsync(ops, "@dave:localhost"));
        Assert.Equal("leave", await MembershipAsync(ops, Hs.BotId));
        Assert.Equal("join", await MembershipAsync(ops, Hs.AdminId));
        await ResetCountersAsync();
        Assert.False((await RunAsync(withDave)).Task("config")["changed"]!.GetValue<bool>());
        Assert.Equal(0, await WritesAsync());
    }

    [Fact]
    public async Task State_absent_deactivates_a_user_and_deletes_a_room()
    {
        Assert.True((await RunAsync(Base)).Task("config")["changed"]!.GetValue<bool>());
        const string Gone = "domain: localhost\nusers:\n  - {user_id: carol, state: absent}\nrooms:\n  - {alias: lobby, state: absent}";
        var check = (await RunAsync(Gone, "--check")).Task("config");
        Assert.Equal(["delete_room", "deactivate_user"], check["plan"]!.AsArray().Select(a => a!["action"]!.GetValue<string>()));
        Assert.False(MatrixTestClient.Flag((await AccountAsync("@carol:localhost"))!["deactivated"]));
        Assert.NotNull(await RoomIdAsync("#lobby:localhost"));

        var gone = (await RunAsync(Gone, "--diff")).Task("config");
        Assert.Equal(1, gone["summary"]!["users_deactivated"]!.GetValue<int>());
        Assert.Equal(1, gone["summary"]!["rooms_deleted"]!.GetValue<int>());
        Assert.True(MatrixTestClient.Flag((await AccountAsync("@carol:localhost"))!["deactivated"]));
        Assert.Null(await RoomIdAsync("#lobby:localhost"));
        Assert.NotNull(await RoomIdAsync("#ops:localhost"));
        Assert.False((await RunAsync(Gone)).Task("config")["changed"]!.GetValue<bool>());

        // Omitting `deactivated` never reactivates, and a missing user under absent is no change.
        Assert.False((await RunAsync("domain: localhost\nusers:\n  - {user_id: carol, displayname: carol}\n  - {user_id: nobody, state: absent}")).Task("config")["changed"]!.GetValue<bool>());
        Assert.True(MatrixTestClient.Flag((await AccountAsync("@carol:localhost"))!["deactivated"]));
    }

    [Fact]
    public async Task A_shadow_ban_is_planned_like_any_field_and_a_second_run_sends_nothing()
    {
        const string Ban = "domain: localhost\nusers:\n  - {user_id: bot, shadow_banned: true}";
        var check = (await RunAsync(Ban, "--check")).Task("config");
        Assert.Equal(["set_shadow_ban"], check["plan"]!.AsArray().Select(a => a!["action"]!.GetValue<string>()));
        Assert.False(MatrixTestClient.Flag((await AccountAsync(Hs.BotId))!["shadow_banned"]));

        Assert.True((await RunAsync(Ban)).Task("config")["changed"]!.GetValue<bool>());
        Assert.True(MatrixTestClient.Flag((await AccountAsync(Hs.BotId))!["shadow_banned"]));
        Assert.False((await RunAsync(Ban)).Task("config")["changed"]!.GetValue<bool>());

        Assert.True((await RunAsync("domain: localhost\nusers:\n  - {user_id: bot, shadow_banned: false}")).Task("config")["changed"]!.GetValue<bool>());
        Assert.False(MatrixTestClient.Flag((await AccountAsync(Hs.BotId))!["shadow_banned"]));
    }

    [Fact]
    public async Task Tokens_work_and_come_from_the_same_device_every_run()
    {
        var config = $"domain: localhost\nusers:\n  - {{user_id: alice, password: {AlicePassword}}}\n  - {{user_id: nopass}}\ntokens: true";
        var check = (await RunAsync(config, "--check")).Task("config");
        Assert.Null(check["tokens"]);
        var first = (await RunAsync(config)).Task("config");
        var second = (await RunAsync(config)).Task("config");
        Assert.False(second["changed"]!.GetValue<bool>());
        var devices = new List<string>();
        foreach (var result in new[] { first, second })
        {
            var tokens = result["tokens"]!.AsObject();
            Assert.Equal(["@alice:localhost"], tokens.Select(t => t.Key));
            var whoami = await Hs.Client.GetAsync("/_matrix/client/v3/account/whoami", tokens["@alice:localhost"]!.GetValue<string>());
            Assert.Equal(200, whoami.Code);
            Assert.Equal("@alice:localhost", whoami.Object["user_id"]!.GetValue<string>());
            devices.Add(whoami.Object["device_id"]!.GetValue<string>());
        }

        Assert.Equal(devices[0], devices[1]);
        var listed = await Hs.Client.GetAsync("/_synapse/admin/v2/users/" + MatrixTestClient.Enc("@alice:localhost") + "/devices", Admin.AccessToken);
        Assert.Equal(1, listed.Object["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task Bad_input_fails_before_any_write_naming_the_path()
    {
        (string Config, string Expected)[] cases =
        [
            ("domain: localhost\nrooms:\n  - alias: ops\n    members:\n      - {user_id: \"\"}", "rooms[0].members[0].user_id"),
            ("domain: localhost\nrooms:\n  - {alias: \"#ops:elsewhere.org\"}", "rooms[0].alias: '#ops:elsewhere.org' is on another server"),
            ("domain: localhost\nusers:\n  - {user_id: alice, colour: blue}", "users[0].colour: unsupported key"),
            ("domain: localhost\nusers:\n  - {user_id: alice, admin: maybe}", "users[0].admin: expected a boolean"),
            ("domain: localhost\nusers:\n  - {user_id: alice, state: absent, deactivated: false}", "users[0].deactivated"),
            ("domain: localhost\nusers:\n  - {user_id: alice, state: absent, shadow_banned: true}", "users[0].shadow_banned: needs state: present"),
            ("domain: localhost\nrooms:\n  - {alias: ops, retention: {max_lifetime_days: 1, min_lifetime_days: 5}}", "rooms[0].retention"),
            ("domain: localhost\nrooms:\n  - alias: ops\n    members: [\"@remote:other.org\", {user_id: \"@x:other.org\", membership: join}]", "rooms[0].members[1].membership"),
        ];
        await ResetCountersAsync();
        foreach (var (config, expected) in cases)
        {
            var failed = (await RunAsync(config)).Task("config");
            Assert.True(failed["failed"]!.GetValue<bool>(), config);
            Assert.Contains(expected, failed["msg"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.NotEmpty(failed["errors"]!.AsArray());
        }

        Assert.Equal(0, await WritesAsync());
        Assert.Null(await AccountAsync("@alice:localhost"));

        // A problem only the server reveals also stops the run before any write.
        Assert.True((await RunAsync(Base)).Task("config")["changed"]!.GetValue<bool>());
        await ResetCountersAsync();
        var off = (await RunAsync(Base.Replace("encrypted: true", "encrypted: false", StringComparison.Ordinal).Replace("topic: alerts", "topic: new", StringComparison.Ordinal))).Task("config");
        Assert.True(off["failed"]!.GetValue<bool>());
        Assert.Contains("rooms[0].encrypted", off["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("cannot be turned off", off["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0, await WritesAsync());
    }

    [Fact]
    public async Task A_failure_part_way_reports_what_was_applied_and_a_rerun_finishes()
    {
        await Hs.Client.PostAsync("/_solti/testing/v1/faults", new JsonObject { ["endpoint"] = "createRoom", ["status"] = 500, ["count"] = 1 }, Admin.AccessToken);
        var failed = (await RunAsync(Base)).Task("config");
        Assert.True(failed["failed"]!.GetValue<bool>());
        Assert.True(failed["changed"]!.GetValue<bool>());
        Assert.Contains("applied 3 of 7 actions", failed["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(["applied", "applied", "applied", "failed", "not_applied", "not_applied", "not_applied"],
            failed["plan"]!.AsArray().Select(a => a!["status"]!.GetValue<string>()));
        Assert.NotNull(await AccountAsync("@alice:localhost"));
        Assert.Null(await RoomIdAsync("#ops:localhost"));

        var rerun = (await RunAsync(Base)).Task("config");
        Assert.True(rerun["changed"]!.GetValue<bool>());
        Assert.Equal(2, rerun["summary"]!["rooms_created"]!.GetValue<int>());
        Assert.Equal(2, rerun["summary"]!["users_unchanged"]!.GetValue<int>());
        Assert.False((await RunAsync(Base)).Task("config")["changed"]!.GetValue<bool>());
    }
}

/// <summary>The same <c>matrix_config</c> playbook tests against the oldest Synapse we support (1.67's behaviour).</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class MatrixConfigPlaybookTestsOnSynapse167(InstalledCollection collection) : MatrixConfigPlaybookTests(collection)
{
    protected override Compatibility? Profile => Compatibility.Synapse167;
}

/// <summary>The same <c>matrix_config</c> playbook tests on a homeserver that delegates authentication to MAS, given MAS's
/// admin client: the accounts' existence, passwords, admin rights and deactivation go to MAS, the rest to Synapse.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class MatrixConfigPlaybookTestsOnMas(InstalledCollection collection) : MatrixConfigPlaybookTests(collection)
{
    protected override bool OnMas => true;
}
