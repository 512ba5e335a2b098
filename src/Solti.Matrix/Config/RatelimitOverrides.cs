namespace Solti.Matrix.Config;

/// <summary>The one reading of a per-user rate-limit override, shared by <c>matrix_config</c> and <c>synapse_user</c>, and
/// the one normal form that the planner compares: <c>{messages_per_second, burst_count}</c> as integers, or <c>{}</c>
/// for "no override".</summary>
public static class RatelimitOverrides
{
    private static readonly string[] Keys = ["messages_per_second", "burst_count"];

    /// <summary>Null when not managed (null input); <c>{}</c> for <c>{}</c>, <c>absent</c> or both numbers null (remove an
    /// override); else both numbers as non-negative integers (a missing one is 0, <c>"5"</c> and <c>5.0</c> are 5).
    /// Problems are added to <paramref name="errors"/> as <c>path: message</c>.</summary>
    public static JsonObject? Parse(JsonNode? node, string path, List<string> errors)
    {
        if (InputReader.IsNull(node))
        {
            return null; // not managed: only {} or 'absent' removes an override
        }

        if (node is JsonValue v && v.ToJsonString() == "\"absent\"")
        {
            return [];
        }

        var reader = new InputReader();
        JsonObject? wanted = null;
        if (reader.Mapping(node, path, Keys) is { } limits)
        {
            var perSecond = reader.Int(limits, "messages_per_second", path, 0);
            var burst = reader.Int(limits, "burst_count", path, 0);
            wanted = perSecond is null && burst is null ? [] : new JsonObject { ["messages_per_second"] = perSecond ?? 0, ["burst_count"] = burst ?? 0 };
        }

        errors.AddRange(reader.Errors);
        return reader.Errors.Count == 0 ? wanted : null;
    }

    /// <summary>The server's answer in the same form: <c>{}</c> when no override is set, else both numbers.</summary>
    public static JsonObject Normalize(JsonObject current) => current.Count == 0
        ? []
        : new JsonObject { ["messages_per_second"] = current["messages_per_second"]?.DeepClone() ?? 0, ["burst_count"] = current["burst_count"]?.DeepClone() ?? 0 };
}
