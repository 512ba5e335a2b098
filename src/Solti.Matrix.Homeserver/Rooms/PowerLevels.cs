namespace Solti.Matrix.Homeserver.Rooms;

/// <summary>Reads an <c>m.room.power_levels</c> content with the spec's defaults; in a room whose version privileges its
/// creators (version 12, MSC4289) <paramref name="creators"/> have unlimited power.</summary>
public sealed class PowerLevels(JsonObject? content, IReadOnlyCollection<string>? creators = null)
{
    /// <summary>A creator's level in a version 12 room: above every other.</summary>
    public const int CreatorLevel = int.MaxValue;

    private readonly JsonObject _content = content ?? [];

    /// <summary>Without a power-levels event the creator has 100 and everyone else 0.</summary>
    public bool Exists => content is not null;

    public int UsersDefault => Level(_content["users_default"], 0);

    public int EventsDefault => Level(_content["events_default"], 0);

    public int StateDefault => Level(_content["state_default"], Exists ? 50 : 0);

    public int Invite => Level(_content["invite"], 0);

    public int Kick => Level(_content["kick"], 50);

    public int Ban => Level(_content["ban"], 50);

    public int Redact => Level(_content["redact"], 50);

    public int UserLevel(string userId, string creator)
    {
        if (creators is not null && creators.Contains(userId))
        {
            return CreatorLevel;
        }

        if (!Exists)
        {
            return userId == creator ? 100 : 0;
        }

        return _content["users"] is JsonObject users && users[userId] is { } level ? Level(level, UsersDefault) : UsersDefault;
    }

    public Dictionary<string, int> Users() =>
        _content["users"] is JsonObject users ? users.ToDictionary(p => p.Key, p => Level(p.Value, UsersDefault)) : [];

    public Dictionary<string, int> Events() =>
        _content["events"] is JsonObject events ? events.ToDictionary(p => p.Key, p => Level(p.Value, 0)) : [];

    public int EventLevel(string type, bool isState) =>
        _content["events"] is JsonObject events && events[type] is { } level
            ? Level(level, 0)
            : isState ? StateDefault : EventsDefault;

    /// <summary>Power levels may be integers or, in old rooms, strings of integers.</summary>
    public static int Level(JsonNode? node, int fallback)
    {
        if (Http.Json.TryGetInteger(node, out var number))
        {
            return (int)Math.Clamp(number, int.MinValue, int.MaxValue);
        }

        return node is JsonValue v && v.TryGetValue<string>(out var s) && int.TryParse(s, out var parsed) ? parsed : fallback;
    }
}
