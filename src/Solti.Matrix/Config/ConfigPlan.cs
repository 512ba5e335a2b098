namespace Solti.Matrix.Config;

/// <summary>One write, in plan order: its typed <see cref="Kind"/>, the user or room it is for, and what the report shows
/// of it. <see cref="Details"/> never holds a secret.</summary>
public sealed class PlanAction(PlanActionKind kind, string target, JsonObject details, Func<SynapseAdminClient, CancellationToken, Task> run)
{
    /// <summary>What the action does.</summary>
    public PlanActionKind Kind { get; } = kind;

    /// <summary>The user id or room (alias or id) the action is about.</summary>
    public string Target { get; } = target;

    /// <summary>The report's fields besides <c>action</c>, <c>target</c> and <c>status</c>.</summary>
    public JsonObject Details { get; } = details;

    /// <summary><c>planned</c>, then <c>applied</c>, <c>failed</c> or <c>not_applied</c>.</summary>
    public string Status { get; set; } = "planned";

    internal Func<SynapseAdminClient, CancellationToken, Task> Run { get; } = run;

    /// <summary>The action as the report lists it: <c>action</c>, <c>target</c> and the details.</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject { ["action"] = Kind.Name, ["target"] = Target };
        foreach (var (key, value) in Details)
        {
            json[key] = value?.DeepClone();
        }

        json["status"] = Status;
        return json;
    }

    /// <summary>The kind and the target, for logs.</summary>
    public override string ToString() => $"{Kind} {Target}";
}

/// <summary>The outcome for one user or room: the upstream <c>action</c>, which fields change, and before/after for the diff.</summary>
public sealed class ItemResult(string key, string name, string action)
{
    /// <summary><c>user</c> for users, <c>alias</c> for rooms (the upstream result keys).</summary>
    public string Key { get; } = key;

    /// <summary>The user id or the room's alias.</summary>
    public string Name { get; } = name;

    /// <summary>The upstream action word: <c>unchanged</c>, <c>created</c>, <c>updated</c>, <c>deactivated</c>,
    /// <c>members_added</c> or <c>deleted</c>.</summary>
    public string Action { get; set; } = action;

    /// <summary>The names of the fields that change.</summary>
    public List<string> Changes { get; } = [];

    /// <summary>The changed fields as the server has them now, for the diff.</summary>
    public JsonObject Before { get; } = [];

    /// <summary>The changed fields as they will be, for the diff.</summary>
    public JsonObject After { get; } = [];

    /// <summary>A room's id: as resolved, or once its planned creation has run.</summary>
    public string? RoomId { get; set; }

    /// <summary>Members joined or invited, when the input manages membership (null otherwise).</summary>
    public List<string>? MembersAdded { get; set; }

    /// <summary>Members kicked, when the input manages membership (null otherwise).</summary>
    public List<string>? MembersRemoved { get; set; }

    /// <summary>The item as the server reported it: as read in the plan phase, then as the server answered its last
    /// write (the account after a create or update, the deletion's status after a room deletion).</summary>
    public JsonObject? Server { get; set; }

    /// <summary>True unless the item is <c>unchanged</c>.</summary>
    public bool Changed => Action != "unchanged";

    /// <summary>The item in the upstream result shape.</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject { [Key] = Name, ["action"] = Action, ["changes"] = Strings(Changes) };
        if (RoomId is not null)
        {
            json["room_id"] = RoomId;
        }

        if (MembersAdded is not null)
        {
            json["members_added"] = Strings(MembersAdded);
        }

        if (MembersRemoved is not null)
        {
            json["members_removed"] = Strings(MembersRemoved);
        }

        return json;
    }

    private static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode)v)]);
}

/// <summary>The plan: ordered writes, per-item results, and problems that only the server's state reveals (they stop
/// the run before any write).</summary>
public sealed class ConfigPlan
{
    /// <summary>The writes, in the order they run.</summary>
    public List<PlanAction> Actions { get; } = [];

    /// <summary>One result per user of the input.</summary>
    public List<ItemResult> Users { get; } = [];

    /// <summary>One result per room of the input.</summary>
    public List<ItemResult> Rooms { get; } = [];

    /// <summary>Problems that stop the run before any write.</summary>
    public List<string> Errors { get; } = [];

    /// <summary>Problems worth telling that do not stop the run.</summary>
    public List<string> Warnings { get; } = [];

    /// <summary>True when the plan has at least one write.</summary>
    public bool Changed => Actions.Count > 0;
}
