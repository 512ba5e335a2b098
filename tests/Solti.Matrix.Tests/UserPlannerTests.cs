using System.Text.Json.Nodes;
using Solti.Matrix.Config;
using Solti.Matrix.Tests.Support;

namespace Solti.Matrix.Tests;

/// <summary>The user planner on in-memory snapshots: what it plans for one account, the diff it shows, and what its
/// actions send when applied.</summary>
[Trait("tier", "unit")]
public sealed class UserPlannerTests
{
    private const string Bot = "@bot:example.org";

    private static JsonObject Json(string text) => JsonNode.Parse(text)!.AsObject();

    private static void AssertJson(string expected, JsonNode? actual) => Assert.Equal(JsonNode.Parse(expected)!.ToJsonString(), actual?.ToJsonString());

    private static DesiredUser User(string fields, string? password = null, bool alwaysUpdatePassword = false, bool present = true) =>
        new("users[0]", Bot, present, Json(fields), password, alwaysUpdatePassword);

    private static (ConfigPlan Plan, ItemResult Result, List<PlanAction> Deactivations) Plan(DesiredUser user, JsonObject? current, JsonObject? ratelimit = null)
    {
        var snapshot = new ServerSnapshot("@admin:example.org");
        snapshot.Users[user.UserId] = current is null ? null : Accounts.Account.FromSynapse(current, user.UserId);
        if (ratelimit is not null)
        {
            snapshot.Ratelimits[user.UserId] = ratelimit;
        }

        var plan = new ConfigPlan();
        var deactivations = new List<PlanAction>();
        UserPlanner.Plan(user, snapshot, plan, deactivations);
        return (plan, Assert.Single(plan.Users), deactivations);
    }

    [Fact]
    public async Task An_unknown_account_is_created_with_its_fields_and_password_and_the_plan_never_shows_the_password()
    {
        var (plan, result, deactivations) = Plan(User("""{"displayname": "Bot", "admin": false}""", password: "s3cret-pw"), current: null);

        Assert.Equal(("user", Bot, "created", true), (result.Key, result.Name, result.Action, result.Changed));
        Assert.Equal(["displayname", "admin", "password"], result.Changes);
        AssertJson("""{"state": "absent"}""", result.Before);
        AssertJson("""{"state": "present", "displayname": "Bot", "admin": false, "password": "(set)"}""", result.After);
        var action = Assert.Single(plan.Actions);
        Assert.Same(PlanActionKind.CreateUser, action.Kind);
        AssertJson("""{"action": "create_user", "target": "@bot:example.org", "fields": ["displayname", "admin", "password"], "status": "planned"}""", action.ToJson());
        Assert.Empty(deactivations);
        Assert.DoesNotContain("s3cret-pw", action.ToJson().ToJsonString() + result.Before.ToJsonString() + result.After.ToJsonString(), StringComparison.Ordinal);

        var admin = new RecordingAdmin();
        await PlanApplier.ApplyAsync(admin, plan, null, CancellationToken.None);
        var (call, body) = Assert.Single(admin.Calls);
        Assert.Equal("put_user @bot:example.org", call);
        AssertJson("""{"displayname": "Bot", "admin": false, "password": "s3cret-pw"}""", body);
        AssertJson("""{"displayname": "Bot", "admin": false, "name": "@bot:example.org"}""", result.Server); // as the server answered
    }

    [Fact]
    public void An_account_that_matches_as_the_server_means_it_is_unchanged_and_its_password_is_not_sent_again()
    {
        var current = Json("""{"name": "@bot:example.org", "displayname": "Bot", "admin": true, "deactivated": false, "creation_ts": 1700000000000}""");
        var (plan, result, deactivations) = Plan(User("""{"admin": true, "displayname": "Bot", "user_type": null, "deactivated": false}""", password: "pw"), current);

        Assert.Equal("unchanged", result.Action);
        Assert.False(result.Changed);
        Assert.Empty(result.Changes);
        Assert.Empty(result.Before);
        Assert.Empty(plan.Actions);
        Assert.Empty(deactivations);
        AssertJson(current.ToJsonString(), result.Server); // the account as read
    }

    [Fact]
    public async Task Only_the_fields_that_differ_are_written_with_their_before_and_after()
    {
        var current = Json("""{"name": "@bot:example.org", "displayname": "Old", "admin": false, "user_type": null, "avatar_url": "mxc://x/y"}""");
        var (plan, result, _) = Plan(User("""{"displayname": "New", "admin": false, "user_type": "bot", "avatar_url": "mxc://x/y"}"""), current);

        Assert.Equal("updated", result.Action);
        Assert.Equal(["displayname", "user_type"], result.Changes);
        AssertJson("""{"displayname": "Old", "user_type": null}""", result.Before);
        AssertJson("""{"displayname": "New", "user_type": "bot"}""", result.After);
        var action = Assert.Single(plan.Actions);
        Assert.Same(PlanActionKind.UpdateUser, action.Kind);
        AssertJson("""{"fields": ["displayname", "user_type"]}""", action.Details);

        var admin = new RecordingAdmin();
        await PlanApplier.ApplyAsync(admin, plan, null, CancellationToken.None);
        AssertJson("""{"displayname": "New", "user_type": "bot"}""", Assert.Single(admin.Calls).Body);
    }

    [Fact]
    public async Task A_password_goes_to_an_existing_account_only_when_always_updated_and_can_log_out_its_devices()
    {
        var current = Json("""{"name": "@bot:example.org", "displayname": "Bot"}""");
        var (plan, result, _) = Plan(User("""{"displayname": "Bot"}""", password: "new-pw", alwaysUpdatePassword: true) with { LogoutDevices = true }, current);

        Assert.Equal("updated", result.Action);
        Assert.Equal(["password"], result.Changes);
        AssertJson("""{"password": "(set)"}""", result.Before);
        AssertJson("""{"password": "(updated)"}""", result.After);
        AssertJson("""{"fields": ["password"], "logout_devices": true}""", Assert.Single(plan.Actions).Details);
        var admin = new RecordingAdmin();
        await PlanApplier.ApplyAsync(admin, plan, null, CancellationToken.None);
        AssertJson("""{"password": "new-pw", "logout_devices": true}""", Assert.Single(admin.Calls).Body);

        var (keep, _, _) = Plan(User("""{"displayname": "Bot"}""", password: "new-pw", alwaysUpdatePassword: true), current);
        AssertJson("""{"fields": ["password"]}""", Assert.Single(keep.Actions).Details);
        var other = new RecordingAdmin();
        await PlanApplier.ApplyAsync(other, keep, null, CancellationToken.None);
        AssertJson("""{"password": "new-pw", "logout_devices": false}""", Assert.Single(other.Calls).Body);
    }

    [Fact]
    public async Task State_absent_deactivates_an_active_account_in_the_list_that_runs_last_and_can_erase_it()
    {
        var (plan, result, deactivations) = Plan(User("{}", present: false) with { Erase = true }, Json("""{"name": "@bot:example.org", "deactivated": false}"""));

        Assert.Equal("deactivated", result.Action);
        Assert.Equal(["deactivated"], result.Changes);
        AssertJson("""{"deactivated": false}""", result.Before);
        AssertJson("""{"deactivated": true}""", result.After);
        Assert.Empty(plan.Actions);
        var action = Assert.Single(deactivations);
        AssertJson("""{"action": "deactivate_user", "target": "@bot:example.org", "erase": true, "status": "planned"}""", action.ToJson());

        var admin = new RecordingAdmin();
        await action.Run(admin, CancellationToken.None);
        Assert.Equal("deactivate @bot:example.org erase=True", Assert.Single(admin.Calls).Call);

        var (_, _, keep) = Plan(User("{}", present: false), Json("""{"deactivated": false}"""));
        Assert.Empty(Assert.Single(keep).Details); // no erase unless asked
    }

    [Fact]
    public void State_absent_leaves_an_unknown_or_already_deactivated_account_alone()
    {
        foreach (var current in new[] { null, Json("""{"name": "@bot:example.org", "deactivated": true}""") })
        {
            var (plan, result, deactivations) = Plan(User("{}", present: false), current);
            Assert.Equal("unchanged", result.Action);
            Assert.Empty(result.Changes);
            Assert.Empty(plan.Actions);
            Assert.Empty(deactivations);
        }
    }

    [Fact]
    public async Task A_rate_limit_override_is_compared_in_its_normal_form_then_set_or_removed()
    {
        var current = Json("""{"name": "@bot:example.org"}""");
        var limits = Json("""{"messages_per_second": 0, "burst_count": 0}""");

        var (same, sameResult, _) = Plan(User("{}") with { RatelimitOverride = Json("""{"messages_per_second": 5, "burst_count": 10}""") }, current, Json("""{"burst_count": 10, "messages_per_second": 5}"""));
        Assert.Empty(same.Actions);
        Assert.Equal("unchanged", sameResult.Action);

        var (unmanaged, _, _) = Plan(User("{}"), current, Json("""{"messages_per_second": 5, "burst_count": 10}"""));
        Assert.Empty(unmanaged.Actions); // null: not managed, whatever the server has

        var (set, setResult, _) = Plan(User("{}") with { RatelimitOverride = limits }, current, []);
        var setAction = Assert.Single(set.Actions);
        Assert.Same(PlanActionKind.SetRatelimitOverride, setAction.Kind);
        AssertJson("""{"messages_per_second": 0, "burst_count": 0}""", setAction.Details);
        Assert.Equal(("updated", "ratelimit_override"), (setResult.Action, Assert.Single(setResult.Changes)));
        AssertJson("""{"ratelimit_override": {}}""", setResult.Before);
        AssertJson("""{"ratelimit_override": {"messages_per_second": 0, "burst_count": 0}}""", setResult.After);

        var (remove, removeResult, _) = Plan(User("{}") with { RatelimitOverride = [] }, current, Json("""{"messages_per_second": 5}"""));
        Assert.Same(PlanActionKind.RemoveRatelimitOverride, Assert.Single(remove.Actions).Kind);
        AssertJson("""{"ratelimit_override": {"messages_per_second": 5, "burst_count": 0}}""", removeResult.Before); // a missing number is 0

        var admin = new RecordingAdmin();
        await PlanApplier.ApplyAsync(admin, set, null, CancellationToken.None);
        await PlanApplier.ApplyAsync(admin, remove, null, CancellationToken.None);
        Assert.Equal(["set_ratelimit @bot:example.org 0/0", "delete_ratelimit @bot:example.org"], admin.Calls.Select(c => c.Call));
    }

    [Fact]
    public void The_account_is_written_before_its_rate_limit_override_whether_created_or_updated()
    {
        var limits = Json("""{"messages_per_second": 1, "burst_count": 2}""");

        var (created, createdResult, _) = Plan(User("""{"displayname": "Bot"}""") with { RatelimitOverride = limits }, current: null);
        Assert.Equal(["create_user", "set_ratelimit_override"], created.Actions.Select(a => a.Kind.Name));
        Assert.Equal(("created", "ratelimit_override"), (createdResult.Action, createdResult.Changes[^1]));

        var (updated, updatedResult, _) = Plan(User("""{"displayname": "Bot"}""") with { RatelimitOverride = limits }, Json("""{"displayname": "Old"}"""), []);
        Assert.Equal(["update_user", "set_ratelimit_override"], updated.Actions.Select(a => a.Kind.Name));
        Assert.Equal(["displayname", "ratelimit_override"], updatedResult.Changes);
        Assert.All(updated.Actions, a => Assert.Equal(Bot, a.Target));
    }

    [Fact]
    public async Task Shadow_banned_is_compared_with_the_accounts_flag_1_67s_0_1_included_and_set_through_its_own_endpoint()
    {
        var wanted = User("{}") with { ShadowBanned = true };
        var (_, same, _) = Plan(wanted, Json("""{"name": "@bot:example.org", "shadow_banned": 1}"""));
        Assert.Equal("unchanged", same.Action);

        var (plan, result, _) = Plan(wanted, Json("""{"name": "@bot:example.org", "shadow_banned": false}"""));
        Assert.Equal("updated", result.Action);
        Assert.Equal(["shadow_banned"], result.Changes);
        AssertJson("""{"shadow_banned": false}""", result.Before);
        AssertJson("""{"shadow_banned": true}""", result.After);
        var action = Assert.Single(plan.Actions);
        Assert.Same(PlanActionKind.SetShadowBan, action.Kind);
        var admin = new RecordingAdmin();
        await PlanApplier.ApplyAsync(admin, plan, null, CancellationToken.None);
        Assert.Equal("shadow_ban @bot:example.org on", Assert.Single(admin.Calls).Call);
        Assert.True(result.Server!["shadow_banned"]!.GetValue<bool>());

        var (created, createdResult, _) = Plan(User("""{"displayname": "Bot"}""") with { ShadowBanned = true }, current: null);
        Assert.Equal(["displayname", "shadow_banned"], createdResult.Changes);
        Assert.Equal([PlanActionKind.CreateUser, PlanActionKind.SetShadowBan], created.Actions.Select(a => a.Kind));
        Assert.DoesNotContain(Plan(User("{}") with { ShadowBanned = false }, current: null).Plan.Actions, a => a.Kind == PlanActionKind.SetShadowBan);
    }
}
