using System.Text.Json.Nodes;
using Solti.Matrix.Config;
using Solti.Matrix.Tests.Support;

namespace Solti.Matrix.Tests;

/// <summary>The room planner on in-memory snapshots: creation in one request, convergence of each managed setting, power
/// levels and members, the refusals, and what its actions send when applied.</summary>
[Trait("tier", "unit")]
public sealed class RoomPlannerTests
{
    private const string Admin = "@admin:example.org";
    private const string Alias = "#ops:example.org";
    private const string RoomId = "!ops:example.org";

    private static JsonObject Json(string text) => JsonNode.Parse(text)!.AsObject();

    private static void AssertJson(string expected, JsonNode? actual) => Assert.Equal(JsonNode.Parse(expected)!.ToJsonString(), actual?.ToJsonString());

    private static DesiredRoom Room(bool present = true) => new("rooms[0]", Alias, present);

    private static DesiredMember Member(string user, string membership = "join", long? powerLevel = null, int index = 0) =>
        new($"rooms[0].members[{index}]", user, powerLevel, membership);

    /// <summary>An existing room with the given state events, given as (type, state key, content).</summary>
    private static RoomSnapshot Existing(params (string Type, string Key, string Content)[] events) =>
        new(RoomId, events.ToDictionary(e => (e.Type, e.Key), e => Json(e.Content)));

    private static (string, string, string) Membership(string user, string membership) => ("m.room.member", user, $$"""{"membership": "{{membership}}"}""");

    private static (ConfigPlan Plan, ItemResult Result, List<PlanAction> Deletions) Plan(DesiredRoom room, RoomSnapshot? current, string? defaultVersion = null)
    {
        var snapshot = new ServerSnapshot(Admin) { DefaultRoomVersion = defaultVersion };
        snapshot.Rooms[room.Key] = current;
        var plan = new ConfigPlan();
        var deletions = new List<PlanAction>();
        RoomPlanner.Plan(room, snapshot, plan, deletions);
        return (plan, Assert.Single(plan.Rooms), deletions);
    }

    [Fact]
    public async Task A_new_room_is_created_with_everything_in_one_request_and_its_members_are_added_to_the_new_id()
    {
        var room = Room() with
        {
            Name = "Ops",
            Topic = "Alerts",
            Encrypted = true,
            JoinRule = "invite",
            HistoryVisibility = "joined",
            Preset = "private_chat",
            Visibility = "private",
            CreationInvites = ["@carol:example.org"],
            ExtraState = [new DesiredStateEvent("rooms[0].extra_state[0]", "m.custom", "k", Json("""{"a": 1}"""))],
            CreationPowerLevels = Json("""{"events_default": 50}"""),
            PowerLevels = Json("""{"users": {"@bot:example.org": 50}}"""),
            Members = [Member(Admin), Member("@bot:example.org", index: 1), Member("@dave:example.org", "invite", powerLevel: 10, index: 2)],
        };
        var (plan, result, deletions) = Plan(room, current: null);

        Assert.Equal(("alias", Alias, "created"), (result.Key, result.Name, result.Action));
        Assert.Equal(["create_room", "join_member", "invite_member"], plan.Actions.Select(a => a.Kind.Name));
        AssertJson("""
            {"request": {"room_alias_name": "ops", "name": "Ops", "topic": "Alerts", "preset": "private_chat", "visibility": "private",
              "invite": ["@carol:example.org"],
              "initial_state": [{"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}},
                                {"type": "m.room.join_rules", "state_key": "", "content": {"join_rule": "invite"}},
                                {"type": "m.room.history_visibility", "state_key": "", "content": {"history_visibility": "joined"}},
                                {"type": "m.custom", "state_key": "k", "content": {"a": 1}}],
              "power_level_content_override": {"events_default": 50, "users": {"@bot:example.org": 50, "@dave:example.org": 10, "@admin:example.org": 100}}}}
            """, plan.Actions[0].Details);
        Assert.Equal(["name", "topic", "encrypted", "join_rule", "history_visibility", "preset", "visibility", "invite", "power_levels", "state m.custom/k", "members"], result.Changes);
        AssertJson("""{"state": "absent", "members": {"@bot:example.org": "none", "@dave:example.org": "none"}}""", result.Before);
        AssertJson("""
            {"state": "present", "name": "Ops", "topic": "Alerts", "encrypted": true, "join_rule": "invite", "history_visibility": "joined",
             "preset": "private_chat", "visibility": "private", "invite": ["@carol:example.org"], "power_levels": {"users": {"@bot:example.org": 50}},
             "state m.custom/k": {"a": 1}, "members": {"@bot:example.org": "join", "@dave:example.org": "invite"}}
            """, result.After);
        Assert.Equal(["@bot:example.org", "@dave:example.org"], result.MembersAdded); // the creator is in the room already
        Assert.Empty(deletions);

        var admin = new RecordingAdmin { CreatedRoomId = "!new:example.org" };
        var outcome = await PlanApplier.ApplyAsync(admin, plan, null, CancellationToken.None);
        Assert.Equal(3, outcome.Applied);
        Assert.Equal(["create_room", "join !new:example.org @bot:example.org", "invite !new:example.org @dave:example.org"], admin.Calls.Select(c => c.Call));
        AssertJson(plan.Actions[0].Details["request"]!.ToJsonString(), admin.Calls[0].Body);
        Assert.Equal("!new:example.org", result.RoomId);
    }

    [Fact]
    public void An_existing_room_that_matches_as_the_server_means_it_plans_nothing()
    {
        var current = Existing(
            ("m.room.name", "", """{"name": "Ops"}"""),
            ("m.room.topic", "", """{"topic": "Alerts"}"""),
            ("m.room.encryption", "", """{"algorithm": "m.megolm.v1.aes-sha2", "rotation_period_ms": 604800000}"""),
            ("m.room.retention", "", """{"max_lifetime": 86400000.0, "min_lifetime": 1000}"""),
            ("m.room.join_rules", "", """{"join_rule": "invite"}"""),
            ("m.room.power_levels", "", """{"users": {"@admin:example.org": 100, "@bot:example.org": 50.0}, "kick": 50}"""),
            ("m.custom", "k", """{"a": [1, {"b": 2.0}]}"""),
            Membership(Admin, "join"),
            Membership("@bot:example.org", "join"),
            Membership("@carol:example.org", "join"));
        current.Visibility = "private";
        var room = Room() with
        {
            Name = "Ops",
            Topic = "Alerts",
            Encrypted = true,
            Retention = Json("""{"min_lifetime": 1000, "max_lifetime": 86400000}"""),
            JoinRule = "invite",
            Preset = "public_chat", // used only on creation
            Visibility = "private",
            PowerLevels = Json("""{"kick": 50}"""),
            ExtraState = [new DesiredStateEvent("rooms[0].extra_state[0]", "m.custom", "k", Json("""{"a": [1, {"b": 2}]}"""))],
            Members = [Member("@bot:example.org", powerLevel: 50), Member("@carol:example.org", "invite", index: 1)], // a join satisfies an invite
        };

        var (plan, result, _) = Plan(room, current);

        Assert.Equal("unchanged", result.Action);
        Assert.Empty(result.Changes);
        Assert.Empty(plan.Actions);
        Assert.Empty(plan.Errors);
        Assert.Equal(RoomId, result.RoomId);
        Assert.Empty(result.MembersAdded!);
    }

    [Fact]
    public async Task A_changed_setting_is_one_state_write_each_in_table_order_keeping_the_other_keys_of_its_content()
    {
        var current = Existing(
            ("m.room.name", "", """{"name": "Old"}"""),
            ("m.room.join_rules", "", """{"join_rule": "restricted", "allow": [{"type": "m.room_membership", "room_id": "!space:example.org"}]}"""));
        var (plan, result, _) = Plan(Room() with { JoinRule = "invite", Topic = "New topic", Name = "New" }, current);

        Assert.Equal("updated", result.Action);
        Assert.Equal(["name", "topic", "join_rule"], result.Changes);
        AssertJson("""{"name": "Old", "topic": null, "join_rule": "restricted"}""", result.Before);
        AssertJson("""{"name": "New", "topic": "New topic", "join_rule": "invite"}""", result.After);
        Assert.All(plan.Actions, a => Assert.Same(PlanActionKind.SetState, a.Kind));
        AssertJson("""{"room_id": "!ops:example.org", "event_type": "m.room.name", "state_key": "", "field": "name"}""", plan.Actions[0].Details);

        var admin = new RecordingAdmin();
        await PlanApplier.ApplyAsync(admin, plan, null, CancellationToken.None);
        Assert.Equal(["put_state !ops:example.org m.room.name/", "put_state !ops:example.org m.room.topic/", "put_state !ops:example.org m.room.join_rules/"], admin.Calls.Select(c => c.Call));
        AssertJson("""{"name": "New"}""", admin.Calls[0].Body);
        AssertJson("""{"topic": "New topic"}""", admin.Calls[1].Body);
        AssertJson("""{"join_rule": "invite", "allow": [{"type": "m.room_membership", "room_id": "!space:example.org"}]}""", admin.Calls[2].Body);
    }

    [Fact]
    public void Encryption_can_be_turned_on_but_never_off()
    {
        var (on, onResult, _) = Plan(Room() with { Encrypted = true }, Existing());
        AssertJson("""{"encrypted": false}""", onResult.Before);
        AssertJson("""{"encrypted": true}""", onResult.After);
        AssertJson("""{"room_id": "!ops:example.org", "event_type": "m.room.encryption", "state_key": "", "field": "encrypted"}""", Assert.Single(on.Actions).Details);

        var (off, offResult, _) = Plan(Room() with { Encrypted = false, Name = "Ops" }, Existing(("m.room.encryption", "", """{"algorithm": "m.megolm.v1.aes-sha2"}""")));
        Assert.Equal(
            ["rooms[0].encrypted: #ops:example.org is encrypted, and encryption cannot be turned off once enabled (Matrix forbids it); remove encrypted or set it to true"],
            off.Errors);
        Assert.Equal(["name"], offResult.Changes); // the rest of the room is still planned; the error stops the run
        Assert.Equal("m.room.name", Assert.Single(off.Actions).Details["event_type"]!.GetValue<string>());

        var (plain, _, _) = Plan(Room() with { Encrypted = false }, Existing());
        Assert.Empty(plain.Actions);
        Assert.Empty(plain.Errors);
    }

    [Fact]
    public async Task Power_levels_merge_into_the_current_content_and_the_diff_shows_only_what_changes()
    {
        var current = Existing(
            ("m.room.power_levels", "", """{"users": {"@admin:example.org": 100, "@old:example.org": 50}, "events": {"m.room.name": 50}, "kick": 50, "ban": 50}"""),
            Membership("@bot:example.org", "join"));
        var room = Room() with { PowerLevels = Json("""{"events": {"m.room.topic": 50}, "kick": 75, "ban": 50.0}"""), Members = [Member("@bot:example.org", powerLevel: 50)] };

        var (plan, result, _) = Plan(room, current);

        Assert.Equal(["power_levels"], result.Changes);
        AssertJson("""{"power_levels": {"users": {"@bot:example.org": null}, "events": {"m.room.topic": null}, "kick": 50}}""", result.Before);
        AssertJson("""{"power_levels": {"users": {"@bot:example.org": 50}, "events": {"m.room.topic": 50}, "kick": 75}}""", result.After);
        var admin = new RecordingAdmin();
        await PlanApplier.ApplyAsync(admin, plan, null, CancellationToken.None);
        var (call, body) = Assert.Single(admin.Calls);
        Assert.Equal("put_state !ops:example.org m.room.power_levels/", call);
        AssertJson(
            """{"users": {"@admin:example.org": 100, "@old:example.org": 50, "@bot:example.org": 50}, "events": {"m.room.name": 50, "m.room.topic": 50}, "kick": 75, "ban": 50.0}""",
            body); // merged: nobody loses a level the input does not mention
    }

    [Fact]
    public async Task The_directory_visibility_is_set_only_when_it_differs()
    {
        var current = Existing();
        current.Visibility = "private";
        var (plan, result, _) = Plan(Room() with { Visibility = "public" }, current);

        AssertJson("""{"action": "set_visibility", "target": "#ops:example.org", "room_id": "!ops:example.org", "visibility": "public", "status": "planned"}""", Assert.Single(plan.Actions).ToJson());
        AssertJson("""{"visibility": "private"}""", result.Before);
        AssertJson("""{"visibility": "public"}""", result.After);
        var admin = new RecordingAdmin();
        await PlanApplier.ApplyAsync(admin, plan, null, CancellationToken.None);
        Assert.Equal("visibility !ops:example.org public", Assert.Single(admin.Calls).Call);

        var (same, _, _) = Plan(Room() with { Visibility = "private" }, current);
        Assert.Empty(same.Actions);
    }

    [Fact]
    public async Task Members_not_there_yet_are_joined_or_invited_and_the_room_is_members_added()
    {
        var current = Existing(Membership(Admin, "join"), Membership("@bot:example.org", "join"), Membership("@dave:example.org", "leave"), Membership("@zed:example.org", "join"));
        var room = Room() with { Members = [Member("@bot:example.org"), Member("@dave:example.org", index: 1), Member("@erin:example.org", "invite", index: 2)] };

        var (plan, result, _) = Plan(room, current);

        Assert.Equal("members_added", result.Action);
        Assert.Equal(["members"], result.Changes);
        Assert.Equal(["@dave:example.org", "@erin:example.org"], result.MembersAdded);
        Assert.Empty(result.MembersRemoved!); // not exclusive: @zed stays
        AssertJson("""{"members": {"@dave:example.org": "leave", "@erin:example.org": "none"}}""", result.Before);
        AssertJson("""{"members": {"@dave:example.org": "join", "@erin:example.org": "invite"}}""", result.After);
        AssertJson("""{"room_id": "!ops:example.org", "user_id": "@dave:example.org"}""", plan.Actions[0].Details);
        var admin = new RecordingAdmin();
        await PlanApplier.ApplyAsync(admin, plan, null, CancellationToken.None);
        Assert.Equal(["join !ops:example.org @dave:example.org", "invite !ops:example.org @erin:example.org"], admin.Calls.Select(c => c.Call));
    }

    [Fact]
    public void A_banned_member_is_refused_the_configuration_never_lifts_a_ban()
    {
        var current = Existing(Membership("@frank:example.org", "ban"));
        var (plan, result, _) = Plan(Room() with { Members = [Member("@frank:example.org", "invite")] }, current);

        Assert.Equal(["rooms[0].members[0]: @frank:example.org is banned from #ops:example.org; unban them first (the configuration never lifts a ban)"], plan.Errors);
        Assert.Empty(plan.Actions);
        Assert.Empty(result.MembersAdded!);
        Assert.Equal("unchanged", result.Action);
    }

    [Fact]
    public async Task Exclusive_members_kick_everyone_else_joined_or_invited_but_never_the_acting_admin()
    {
        var current = Existing(
            Membership(Admin, "join"),
            Membership("@bot:example.org", "join"),
            Membership("@gail:example.org", "invite"),
            Membership("@fred:example.org", "join"),
            Membership("@hank:example.org", "leave"),
            Membership("@ivan:example.org", "ban"));
        var (plan, result, _) = Plan(Room() with { Members = [Member("@bot:example.org")], ExclusiveMembers = true }, current);

        Assert.Equal("updated", result.Action); // a removal is more than members_added
        Assert.Equal(["@fred:example.org", "@gail:example.org"], result.MembersRemoved);
        Assert.Empty(result.MembersAdded!);
        AssertJson("""{"members": {"@fred:example.org": "join", "@gail:example.org": "invite"}}""", result.Before);
        AssertJson("""{"members": {"@fred:example.org": "none", "@gail:example.org": "none"}}""", result.After);
        Assert.All(plan.Actions, a => Assert.Same(PlanActionKind.KickMember, a.Kind));
        var admin = new RecordingAdmin();
        await PlanApplier.ApplyAsync(admin, plan, null, CancellationToken.None);
        Assert.Equal(["kick !ops:example.org @fred:example.org", "kick !ops:example.org @gail:example.org"], admin.Calls.Select(c => c.Call));
    }

    [Fact]
    public void Writes_to_an_existing_room_run_settings_then_extra_state_power_levels_visibility_joins_and_kicks()
    {
        var current = Existing(Membership(Admin, "join"), Membership("@old:example.org", "join"));
        current.Visibility = "private";
        var room = Room() with
        {
            Name = "Ops",
            ExtraState = [new DesiredStateEvent("rooms[0].extra_state[0]", "m.custom", "", [])], // no event yet: even {} is written
            Visibility = "public",
            Members = [Member("@bot:example.org", powerLevel: 50)],
            ExclusiveMembers = true,
        };

        var (plan, result, _) = Plan(room, current);

        Assert.Equal(["set_state", "set_state", "set_state", "set_visibility", "join_member", "kick_member"], plan.Actions.Select(a => a.Kind.Name));
        Assert.Equal(["m.room.name", "m.custom", "m.room.power_levels"], plan.Actions.Take(3).Select(a => a.Details["event_type"]!.GetValue<string>()));
        Assert.Equal(["name", "state m.custom", "power_levels", "visibility", "members"], result.Changes);
        Assert.Equal("updated", result.Action);
    }

    [Fact]
    public async Task State_absent_deletes_an_existing_room_in_the_list_that_runs_last_and_leaves_an_unknown_one_alone()
    {
        var room = Room(present: false) with { DeleteOptions = Json("""{"purge": true, "block": true, "message": "moved to #new"}""") };
        var (plan, result, deletions) = Plan(room, Existing());

        Assert.Equal(("deleted", RoomId), (result.Action, result.RoomId));
        AssertJson("""{"state": "present"}""", result.Before);
        AssertJson("""{"state": "absent"}""", result.After);
        Assert.Empty(plan.Actions);
        var action = Assert.Single(deletions);
        AssertJson("""{"action": "delete_room", "target": "#ops:example.org", "room_id": "!ops:example.org", "purge": true, "block": true, "status": "planned"}""", action.ToJson());

        var admin = new RecordingAdmin();
        await action.Run(admin, CancellationToken.None);
        var (call, body) = Assert.Single(admin.Calls);
        Assert.Equal("delete_room !ops:example.org", call);
        AssertJson("""{"purge": true, "block": true, "message": "moved to #new"}""", body);
        AssertJson("""{"status": "complete"}""", result.Server);

        var (unknown, unknownResult, none) = Plan(room, current: null);
        Assert.Equal("unchanged", unknownResult.Action);
        Assert.Empty(unknown.Actions);
        Assert.Empty(none);
    }

    /// <summary>An existing room of version 12 created by the admin (with <paramref name="additional"/> as creators too) whose
    /// levels list no creator, as that version requires.</summary>
    private static RoomSnapshot Version12(string levels = """{"users": {"@old:example.org": 50}}""", string additional = "[]") =>
        new(RoomId, new Dictionary<(string, string), JsonObject>
        {
            [("m.room.create", "")] = Json($$"""{"room_version": "12", "additional_creators": {{additional}}}"""),
            [("m.room.power_levels", "")] = Json(levels),
            [("m.room.member", Admin)] = Json("""{"membership": "join"}"""),
        }) { CreateSender = Admin };

    [Theory]
    [InlineData("12", true)]
    [InlineData("11", false)]
    [InlineData("1", false)]
    [InlineData("org.matrix.hydra.11", true)]
    [InlineData("13", true)] // later spec versions build on 12
    [InlineData("org.example.custom", false)]
    public void The_version_table_says_which_versions_privilege_their_creators(string version, bool privileged) =>
        Assert.Equal(privileged, RoomVersions.CreatorsPrivileged(version));

    [Fact]
    public void A_new_version_12_room_leaves_its_creators_out_of_the_levels_and_an_admin_creator_is_satisfied()
    {
        var room = Room() with
        {
            AdditionalCreators = ["@carol:example.org"],
            PowerLevels = Json("""{"users": {"@carol:example.org": 100}}"""),
            Members = [Member(Admin, powerLevel: 100), Member("@bob:example.org", powerLevel: 50, index: 1)],
        };

        var (plan, result, _) = Plan(room, current: null, defaultVersion: "12");

        Assert.Empty(plan.Errors);
        AssertJson("""
            {"request": {"room_alias_name": "ops", "creation_content": {"additional_creators": ["@carol:example.org"]},
              "power_level_content_override": {"users": {"@bob:example.org": 50}}}}
            """, plan.Actions[0].Details);
        Assert.Equal(["additional_creators", "power_levels", "members"], result.Changes);
    }

    [Fact]
    public void A_room_version_asked_for_is_sent_and_before_12_the_creator_keeps_100()
    {
        var (plan, _, _) = Plan(Room() with { RoomVersion = "10", Members = [Member("@bob:example.org", powerLevel: 50)] }, current: null, defaultVersion: "12");

        Assert.Empty(plan.Errors);
        AssertJson("""
            {"request": {"room_alias_name": "ops", "room_version": "10", "power_level_content_override": {"users": {"@bob:example.org": 50, "@admin:example.org": 100}}}}
            """, plan.Actions[0].Details);

        var (refused, _, _) = Plan(Room() with { AdditionalCreators = ["@carol:example.org"] }, current: null, defaultVersion: "11");
        Assert.Equal("rooms[0].additional_creators: room version 11 has no additional creators; they need a version whose creators are privileged, such as 12 (room_version: \"12\")", Assert.Single(refused.Errors));
    }

    [Fact]
    public void A_creator_listed_below_100_cannot_be_demoted_and_the_error_names_the_user_and_the_rule()
    {
        var (plan, _, _) = Plan(Room() with { Members = [Member(Admin, powerLevel: 50)] }, current: null, defaultVersion: "12");
        Assert.Equal(
            "rooms[0].members[0].power_level: @admin:example.org is a creator of #ops:example.org (room version 12), and a creator has unlimited power that no power level can lower: cannot set 50; leave @admin:example.org out of the levels or give 100",
            Assert.Single(plan.Errors));

        var (existing, _, _) = Plan(Room() with { PowerLevels = Json("""{"users": {"@carol:example.org": 0}}""") }, Version12(additional: """["@carol:example.org"]"""));
        Assert.StartsWith("rooms[0].power_levels.users: @carol:example.org is a creator of #ops:example.org (room version 12)", Assert.Single(existing.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_existing_version_12_room_converges_without_listing_its_creators()
    {
        var unchanged = Room() with { Members = [Member(Admin, powerLevel: 100), Member("@old:example.org", powerLevel: 50, index: 1)] };
        var (same, sameResult, _) = Plan(unchanged with { Members = [Member(Admin, powerLevel: 100)] }, Version12());
        Assert.Empty(same.Errors);
        Assert.Empty(same.Actions);
        Assert.Equal("unchanged", sameResult.Action);

        var room = Room() with { RoomVersion = "12", Members = [Member(Admin, powerLevel: 100)], PowerLevels = Json("""{"users": {"@old:example.org": 75}}""") };
        var (plan, result, _) = Plan(room, Version12());
        Assert.Empty(plan.Errors);
        Assert.Equal(["power_levels"], result.Changes);
        var admin = new RecordingAdmin();
        await PlanApplier.ApplyAsync(admin, plan, null, CancellationToken.None);
        AssertJson("""{"users": {"@old:example.org": 75}}""", Assert.Single(admin.Calls).Body);
    }

    [Fact]
    public void An_existing_room_of_another_version_or_without_the_creators_asked_for_is_an_error()
    {
        var (plan, _, _) = Plan(Room() with { RoomVersion = "12", Name = "Ops" }, Existing(("m.room.create", "", """{"room_version": "10", "creator": "@admin:example.org"}""")));
        Assert.Equal(
            "rooms[0].room_version: #ops:example.org is a room of version 10, not 12; room upgrades are not done here (upgrade it with /upgrade, or remove room_version)",
            Assert.Single(plan.Errors));
        Assert.Empty(plan.Actions);

        var (creators, _, _) = Plan(Room() with { AdditionalCreators = ["@dave:example.org"] }, Version12());
        Assert.Equal(
            "rooms[0].additional_creators: #ops:example.org (room version 12) does not have @dave:example.org as creators; creators are set only when a room is created",
            Assert.Single(creators.Errors));
    }

    [Fact]
    public void Exclusive_members_never_kick_a_creator_of_a_version_12_room()
    {
        var current = Version12(additional: """["@carol:example.org"]""");
        var state = current.State.ToDictionary(p => p.Key, p => p.Value);
        state[("m.room.member", "@carol:example.org")] = Json("""{"membership": "join"}""");
        state[("m.room.member", "@dave:example.org")] = Json("""{"membership": "join"}""");
        var (plan, result, _) = Plan(Room() with { Members = [], ExclusiveMembers = true }, new RoomSnapshot(RoomId, state) { CreateSender = Admin });

        Assert.Equal(["kick_member"], plan.Actions.Select(a => a.Kind.Name));
        Assert.Equal(["@dave:example.org"], result.MembersRemoved);
    }
}
