namespace Solti.Matrix.Config;

/// <summary>The result in the upstream shape (<c>users</c>, <c>rooms</c>, <c>summary</c>) plus <c>plan</c> and, when asked, a
/// per-item YAML <c>diff</c> (a list, which Ansible shows one after another).</summary>
public static class ConfigReport
{
    /// <summary>The whole result: <c>changed</c> (from <paramref name="outcome"/> once applied, else from the plan),
    /// <c>users</c>, <c>rooms</c>, <c>summary</c>, <c>plan</c> and, with <paramref name="withDiff"/>,
    /// <c>diff</c>.</summary>
    public static JsonObject Build(ConfigPlan plan, ApplyOutcome? outcome, bool withDiff)
    {
        var result = new JsonObject
        {
            ["changed"] = outcome is null ? plan.Changed : outcome.Applied > 0,
            ["users"] = new JsonArray([.. plan.Users.Select(u => (JsonNode)u.ToJson())]),
            ["rooms"] = new JsonArray([.. plan.Rooms.Select(r => (JsonNode)r.ToJson())]),
            ["summary"] = Summary(plan),
            ["plan"] = new JsonArray([.. plan.Actions.Select(a => (JsonNode)a.ToJson())]),
        };
        if (withDiff)
        {
            result["diff"] = new JsonArray([.. plan.Users.Concat(plan.Rooms).Where(i => i.Changed).Select(i => (JsonNode)Diff(i))]);
        }

        return result;
    }

    /// <summary>How many users and rooms each action word applies to, the members added and removed, and the number of
    /// writes.</summary>
    public static JsonObject Summary(ConfigPlan plan)
    {
        int Users(string action) => plan.Users.Count(u => u.Action == action);
        int Rooms(string action) => plan.Rooms.Count(r => r.Action == action);
        return new JsonObject
        {
            ["users_created"] = Users("created"),
            ["users_updated"] = Users("updated"),
            ["users_unchanged"] = Users("unchanged"),
            ["users_deactivated"] = Users("deactivated"),
            ["rooms_created"] = Rooms("created"),
            ["rooms_updated"] = Rooms("updated"),
            ["rooms_members_added"] = Rooms("members_added"),
            ["rooms_unchanged"] = Rooms("unchanged"),
            ["rooms_deleted"] = Rooms("deleted"),
            ["members_added"] = plan.Rooms.Sum(r => r.MembersAdded?.Count ?? 0),
            ["members_removed"] = plan.Rooms.Sum(r => r.MembersRemoved?.Count ?? 0),
            ["actions"] = plan.Actions.Count,
        };
    }

    private static JsonObject Diff(ItemResult item)
    {
        var header = (item.Key == "user" ? "user " : "room ") + item.Name;
        return new JsonObject
        {
            ["before_header"] = header,
            ["after_header"] = $"{header} ({item.Action})",
            ["before"] = YamlText.Write(item.Before),
            ["after"] = YamlText.Write(item.After),
        };
    }
}
