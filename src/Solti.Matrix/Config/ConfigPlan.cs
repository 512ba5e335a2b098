using System.Text.Json.Nodes;

namespace Solti.Matrix.Config;

/// <summary>One write, in plan order. <see cref="Details"/> never holds a secret.</summary>
public sealed class PlanAction(string kind, string target, JsonObject details, Func<SynapseAdminClient, CancellationToken, Task> run)
{
    public string Kind { get; } = kind;

    public string Target { get; } = target;

    public JsonObject Details { get; } = details;

    /// <summary><c>planned</c>, then <c>applied</c>, <c>failed</c> or <c>not_applied</c>.</summary>
    public string Status { get; set; } = "planned";

    internal Func<SynapseAdminClient, CancellationToken, Task> Run { get; } = run;

    public JsonObject ToJson()
    {
        var json = new JsonObject { ["action"] = Kind, ["target"] = Target };
        foreach (var (key, value) in Details)
        {
            json[key] = value?.DeepClone();
        }

        json["status"] = Status;
        return json;
    }

    public override string ToString() => Details["summary"] is JsonValue summary ? $"{Kind} {Target}: {summary}" : $"{Kind} {Target}";
}

/// <summary>The outcome for one user or room: the upstream <c>action</c>, which fields change, and before/after for the diff.</summary>
public sealed class ItemResult(string key, string name, string action)
{
    /// <summary><c>user</c> for users, <c>alias</c> for rooms (the upstream result keys).</summary>
    public string Key { get; } = key;

    public string Name { get; } = name;

    public string Action { get; set; } = action;

    public List<string> Changes { get; } = [];

    public JsonObject Before { get; } = [];

    public JsonObject After { get; } = [];

    /// <summary>More result keys (room_id, members_added, members_removed).</summary>
    public JsonObject Extra { get; } = [];

    public bool Changed => Action != "unchanged";

    public JsonObject ToJson()
    {
        var json = new JsonObject { [Key] = Name, ["action"] = Action, ["changes"] = new JsonArray([.. Changes.Select(c => (JsonNode)c)]) };
        foreach (var (key, value) in Extra)
        {
            json[key] = value?.DeepClone();
        }

        return json;
    }
}

/// <summary>The plan: ordered writes, per-item results, and problems that only the server's state reveals (they stop
/// the run before any write).</summary>
public sealed class ConfigPlan
{
    public List<PlanAction> Actions { get; } = [];

    public List<ItemResult> Users { get; } = [];

    public List<ItemResult> Rooms { get; } = [];

    public List<string> Errors { get; } = [];

    public List<string> Warnings { get; } = [];

    public bool Changed => Actions.Count > 0;
}
