namespace Solti.Matrix.Config;

/// <summary>The one power-level merge: what the input sets laid over a base content, for a new room and an existing one.</summary>
public static class PowerLevels
{
    /// <summary><paramref name="baseContent"/> with <paramref name="patch"/> laid over it (a mapping such as <c>users</c> or
    /// <c>events</c> is merged entry by entry, a number replaces) and then each member's <c>power_level</c> in <c>users</c>.
    /// The base is not changed.</summary>
    public static JsonObject Merge(JsonObject baseContent, JsonObject? patch, IEnumerable<DesiredMember> members)
    {
        var merged = (JsonObject)baseContent.DeepClone();
        foreach (var (key, value) in patch ?? [])
        {
            if (value is JsonObject map)
            {
                var entries = merged[key] as JsonObject ?? [];
                foreach (var (entry, level) in map)
                {
                    entries[entry] = level?.DeepClone();
                }

                merged[key] = entries.DeepClone();
            }
            else
            {
                merged[key] = value?.DeepClone();
            }
        }

        var memberLevels = members.Where(m => m.PowerLevel is not null).ToList();
        if (memberLevels.Count > 0)
        {
            var users = merged["users"] as JsonObject ?? [];
            foreach (var member in memberLevels)
            {
                users[member.UserId] = member.PowerLevel;
            }

            merged["users"] = users.DeepClone();
        }

        return merged;
    }

    /// <summary>Whether the room's input sets any power level (its own keys or a member's level).</summary>
    public static bool Managed(DesiredRoom room) => room.PowerLevels is not null || (room.Members ?? []).Any(m => m.PowerLevel is not null);

    /// <summary>Whether what the input sets for a new room depends on its version's creator rules.</summary>
    public static bool TouchesCreators(DesiredRoom room) => Managed(room) || room.CreationPowerLevels is not null || room.AdditionalCreators.Count > 0;

    /// <summary>The <c>power_level_content_override</c> of a new room, or null when the input sets none. An override's
    /// <c>users</c> replaces the whole map, so the creator keeps 100 unless the input gives it another level; in a version
    /// that privileges its creators (<paramref name="creators"/> not empty) the creators are left out instead
    /// (<see cref="LeaveOutCreators"/>).</summary>
    public static JsonObject? ForCreation(DesiredRoom room, string creator, IReadOnlyList<string> creators, string version, List<string> errors)
    {
        if (room.CreationPowerLevels is null && !Managed(room))
        {
            return null;
        }

        var levels = Merge(Merge([], room.CreationPowerLevels, []), room.PowerLevels, room.Members ?? []);
        if (creators.Count > 0)
        {
            LeaveOutCreators(levels, room, creators, version, errors);
        }
        else if (levels["users"] is JsonObject { Count: > 0 } users && creator.Length > 0)
        {
            users[creator] ??= 100;
        }

        return levels;
    }

    /// <summary>Takes the room's creators out of <c>users</c> (their version gives them unlimited power and refuses a
    /// power-levels event that lists them). A creator wanted at <see cref="RoomVersions.AdminLevel"/> or more is satisfied
    /// by being a creator; a lower level would demote them, which cannot be done: an error naming the user and the rule.</summary>
    public static void LeaveOutCreators(JsonObject levels, DesiredRoom room, IReadOnlyList<string> creators, string version, List<string> errors)
    {
        if (levels["users"] is not JsonObject users)
        {
            return;
        }

        foreach (var creator in creators)
        {
            if (!users.TryGetPropertyValue(creator, out var node))
            {
                continue;
            }

            users.Remove(creator);
            var text = node?.ToJsonString().Trim('"') ?? "";
            if (!decimal.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var level) || level < RoomVersions.AdminLevel)
            {
                var where = (room.Members ?? []).FirstOrDefault(m => m.UserId == creator && m.PowerLevel is not null)?.Path + ".power_level";
                where = where == ".power_level" ? room.Path + ".power_levels.users" : where;
                errors.Add($"{where}: {creator} is a creator of {room.Key} (room version {version}), and a creator has unlimited power that no power level can lower: "
                    + $"cannot set {text}; leave {creator} out of the levels or give {RoomVersions.AdminLevel}");
            }
        }
    }
}
