using System.Text.Json;
using System.Text.Json.Nodes;

namespace Solti.Matrix.Config;

/// <summary>Plans one account: create, update only the fields that differ (a password only on create or when asked
/// always), converge the rate-limit override, deactivate for <c>state: absent</c>.</summary>
public static class UserPlanner
{
    public static void Plan(DesiredUser user, ServerSnapshot snapshot, ConfigPlan plan, List<PlanAction> deactivations)
    {
        var current = snapshot.Users.GetValueOrDefault(user.UserId);
        var result = new ItemResult("user", user.UserId, "unchanged");
        plan.Users.Add(result);
        if (!user.Present)
        {
            if (current is not null && current["deactivated"] is JsonValue d && d.GetValueKind() == JsonValueKind.False)
            {
                result.Action = "deactivated";
                result.Changes.Add("deactivated");
                result.Before["deactivated"] = false;
                result.After["deactivated"] = true;
                deactivations.Add(new PlanAction("deactivate_user", user.UserId, [], (admin, ct) => admin.DeactivateUserAsync(user.UserId, erase: false, ct)));
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

        if (user.Password is not null && user.AlwaysUpdatePassword)
        {
            result.Changes.Add("password");
            result.Before["password"] = "(set)";
            result.After["password"] = "(updated)";
        }

        if (write.Count > 0 || result.Changes.Contains("password"))
        {
            var fields = new JsonArray([.. result.Changes.Select(c => (JsonNode)c)]);
            plan.Actions.Add(new PlanAction("update_user", user.UserId, new JsonObject { ["fields"] = fields }, (admin, ct) =>
            {
                var body = (JsonObject)write.DeepClone();
                if (user.Password is not null && user.AlwaysUpdatePassword)
                {
                    body["password"] = user.Password;
                    body["logout_devices"] = false;
                }

                return admin.PutUserAsync(user.UserId, body, ct);
            }));
        }

        Ratelimit(user, snapshot.Ratelimits.GetValueOrDefault(user.UserId) ?? [], plan, result);
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

        plan.Actions.Add(new PlanAction("create_user", user.UserId, new JsonObject { ["fields"] = new JsonArray([.. result.Changes.Select(c => (JsonNode)c)]) }, (admin, ct) =>
        {
            var body = (JsonObject)user.Fields.DeepClone();
            if (user.Password is not null)
            {
                body["password"] = user.Password;
            }

            return admin.PutUserAsync(user.UserId, body, ct);
        }));
        Ratelimit(user, [], plan, result);
    }

    private static void Ratelimit(DesiredUser user, JsonObject current, ConfigPlan plan, ItemResult result)
    {
        if (user.RatelimitOverride is not { } wanted || JsonSemantics.Equal(Normalize(current), wanted))
        {
            return;
        }

        result.Changes.Add("ratelimit_override");
        result.Before["ratelimit_override"] = Normalize(current);
        result.After["ratelimit_override"] = wanted.DeepClone();
        plan.Actions.Add(wanted.Count == 0
            ? new PlanAction("remove_ratelimit_override", user.UserId, [], (admin, ct) => admin.DeleteRatelimitOverrideAsync(user.UserId, ct))
            : new PlanAction("set_ratelimit_override", user.UserId, (JsonObject)wanted.DeepClone(), (admin, ct) =>
                admin.SetRatelimitOverrideAsync(user.UserId, wanted["messages_per_second"]!.GetValue<long>(), wanted["burst_count"]!.GetValue<long>(), ct)));
    }

    /// <summary>The server answers <c>{}</c> when no override is set; otherwise both numbers.</summary>
    private static JsonObject Normalize(JsonObject current) => current.Count == 0
        ? []
        : new JsonObject { ["messages_per_second"] = current["messages_per_second"]?.DeepClone() ?? 0, ["burst_count"] = current["burst_count"]?.DeepClone() ?? 0 };
}
