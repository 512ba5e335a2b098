using Solti.Matrix.Accounts;

namespace Solti.Matrix.Config;

/// <summary>Plans one account, for <c>matrix_config</c> and <c>synapse_user</c> alike: create, update only the fields that
/// differ (compared as the server means it, <see cref="JsonSemantics.Equal"/>), a password only on create or when asked
/// always, converge the rate-limit override, deactivate for <c>state: absent</c>. <see cref="ItemResult.Server"/> holds
/// the account as read, then as the server answers the create or update.</summary>
public static class UserPlanner
{
    /// <summary>Plans what makes the server's account what <paramref name="user"/> says: its result and writes go to
    /// <paramref name="plan"/>, a deactivation to <paramref name="deactivations"/> (they run last).</summary>
    public static void Plan(DesiredUser user, ServerSnapshot snapshot, ConfigPlan plan, List<PlanAction> deactivations)
    {
        var current = snapshot.Users.GetValueOrDefault(user.UserId);
        var result = new ItemResult("user", user.UserId, "unchanged") { Server = current?.ToJson() };
        plan.Users.Add(result);
        if (!user.Present)
        {
            if (current is { Deactivated: false })
            {
                result.Action = "deactivated";
                result.Changes.Add("deactivated");
                result.Before["deactivated"] = false;
                result.After["deactivated"] = true;
                var details = user.Erase ? new JsonObject { ["erase"] = true } : [];
                deactivations.Add(new PlanAction(PlanActionKind.DeactivateUser, user.UserId, details, async (admin, ct) => await (await admin.AccountsAsync(ct)).DeactivateAsync(user.UserId, user.Erase, ct)));
            }

            return;
        }

        if (current is null)
        {
            Create(user, plan, result);
            return;
        }

        var write = new JsonObject();
        foreach (var (field, wanted) in user.Fields)
        {
            if (!JsonSemantics.Equal(current[field], wanted))
            {
                write[field] = wanted?.DeepClone();
                result.Changes.Add(field);
                result.Before[field] = current[field]?.DeepClone();
                result.After[field] = wanted?.DeepClone();
            }
        }

        var sendPassword = user.Password is not null && user.AlwaysUpdatePassword;
        if (sendPassword)
        {
            result.Changes.Add("password");
            result.Before["password"] = "(set)";
            result.After["password"] = "(updated)";
        }

        if (write.Count > 0 || sendPassword)
        {
            var details = new JsonObject { ["fields"] = new JsonArray([.. result.Changes.Select(c => (JsonNode)c)]) };
            if (sendPassword && user.LogoutDevices)
            {
                details["logout_devices"] = true;
            }

            plan.Actions.Add(new PlanAction(PlanActionKind.UpdateUser, user.UserId, details, async (admin, ct) =>
            {
                var accounts = await admin.AccountsAsync(ct);
                var written = new AccountWrite((JsonObject)write.DeepClone(), sendPassword ? user.Password : null, user.LogoutDevices);
                result.Server = (await accounts.PutAsync(user.UserId, written, ct)).ToJson();
            }));
        }

        Ratelimit(user, snapshot.Ratelimits.GetValueOrDefault(user.UserId) ?? [], plan, result);
        ShadowBan(user, current["shadow_banned"] is JsonValue banned && banned.GetValueKind() == JsonValueKind.True, plan, result);
        result.Action = result.Changes.Count > 0 ? "updated" : "unchanged";
    }

    private static void Create(DesiredUser user, ConfigPlan plan, ItemResult result)
    {
        result.Action = "created";
        result.Changes.AddRange(user.Fields.Select(f => f.Key));
        result.Before["state"] = "absent";
        result.After["state"] = "present";
        foreach (var (field, value) in user.Fields)
        {
            result.After[field] = value?.DeepClone();
        }

        if (user.Password is not null)
        {
            result.Changes.Add("password");
            result.After["password"] = "(set)";
        }

        plan.Actions.Add(new PlanAction(PlanActionKind.CreateUser, user.UserId, new JsonObject { ["fields"] = new JsonArray([.. result.Changes.Select(c => (JsonNode)c)]) }, async (admin, ct) =>
        {
            var accounts = await admin.AccountsAsync(ct);
            result.Server = (await accounts.PutAsync(user.UserId, new AccountWrite((JsonObject)user.Fields.DeepClone(), user.Password), ct)).ToJson();
        }));
        Ratelimit(user, [], plan, result);
        ShadowBan(user, false, plan, result);
    }

    /// <summary>Shadow-bans or lifts the ban when <see cref="DesiredUser.ShadowBanned"/> differs from the account's flag
    /// (Synapse reports it on every release we support).</summary>
    private static void ShadowBan(DesiredUser user, bool current, ConfigPlan plan, ItemResult result)
    {
        if (user.ShadowBanned is not { } wanted || wanted == current)
        {
            return;
        }

        result.Changes.Add("shadow_banned");
        result.Before["shadow_banned"] = current;
        result.After["shadow_banned"] = wanted;
        plan.Actions.Add(new PlanAction(PlanActionKind.SetShadowBan, user.UserId, new JsonObject { ["shadow_banned"] = wanted }, async (admin, ct) =>
        {
            await admin.SetShadowBanAsync(user.UserId, wanted, ct);
            if (result.Server is JsonObject server)
            {
                server["shadow_banned"] = wanted;
            }
        }));
    }

    private static void Ratelimit(DesiredUser user, JsonObject current, ConfigPlan plan, ItemResult result)
    {
        var normalized = RatelimitOverrides.Normalize(current);
        if (user.RatelimitOverride is not { } wanted || JsonSemantics.Equal(normalized, wanted))
        {
            return;
        }

        result.Changes.Add("ratelimit_override");
        result.Before["ratelimit_override"] = normalized;
        result.After["ratelimit_override"] = wanted.DeepClone();
        plan.Actions.Add(wanted.Count == 0
            ? new PlanAction(PlanActionKind.RemoveRatelimitOverride, user.UserId, [], (admin, ct) => admin.DeleteRatelimitOverrideAsync(user.UserId, ct))
            : new PlanAction(PlanActionKind.SetRatelimitOverride, user.UserId, (JsonObject)wanted.DeepClone(), (admin, ct) =>
                admin.SetRatelimitOverrideAsync(user.UserId, wanted["messages_per_second"]!.GetValue<long>(), wanted["burst_count"]!.GetValue<long>(), ct)));
    }
}
