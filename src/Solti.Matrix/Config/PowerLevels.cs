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

    /// <summary>The <c>power_level_content_override</c> of a new room, or null when the input sets none. An override's
    /// <c>users</c> replaces the whole map, so the creator keeps 100 unless the input gives it another level.</summary>
    public static JsonObject? ForCreation(DesiredRoom room, string creator)
    {
        if (room.CreationPowerLevels is null && !Managed(room))
        {
            return null;
        }

        var levels = Merge(Merge([], room.CreationPowerLevels, []), room.PowerLevels, room.Members ?? []);
        if (levels["users"] is JsonObject { Count: > 0 } users && creator.Length > 0)
        {
            users[creator] ??= 100;
        }

        return levels;
    }
}
