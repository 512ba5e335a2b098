namespace Solti.Matrix.Homeserver.Rooms;

/// <summary>The event authorization rules for local rooms: membership, send levels and power-level changes.</summary>
public sealed class RoomAuthorizer(RoomEvents events)
{
    public PowerLevels PowerLevels(RoomRecord room) =>
        new(events.StateEvent(room, "m.room.power_levels", "")?.Content, Creators(room));

    /// <summary>The users with unlimited power in a room whose version privileges its creators (MSC4289): the create
    /// event's sender and its <c>additional_creators</c>; none in other rooms.</summary>
    public IReadOnlyCollection<string> Creators(RoomRecord room)
    {
        if (!RoomVersionRules.PrivilegedCreators(room.Version))
        {
            return [];
        }

        var creators = new List<string> { room.Creator };
        if (events.StateEvent(room, "m.room.create", "")?.Content["additional_creators"] is JsonArray additional)
        {
            creators.AddRange(additional.Select(u => u is JsonValue v && v.TryGetValue<string>(out var id) ? id : null).OfType<string>());
        }

        return creators;
    }

    /// <summary>MSC4289: a power-levels content naming a creator in <c>users</c> is refused, as Synapse's auth rules refuse
    /// it (<c>400 M_UNKNOWN</c>, for <c>createRoom</c>'s levels and a later <c>PUT state</c> alike).</summary>
    public static void RequireCreatorsUnlisted(JsonObject content, IReadOnlyList<string> creators)
    {
        if (creators.Count == 0 || content["users"] is not JsonObject users)
        {
            return;
        }

        if (users.ContainsKey(creators[0]))
        {
            throw new HomeserverErrorException(400, "M_UNKNOWN", $"Creator user {creators[0]} must not appear in content.users");
        }

        if (creators.Skip(1).Any(users.ContainsKey))
        {
            throw new HomeserverErrorException(400, "M_UNKNOWN", "Additional creators users must not appear in content.users");
        }
    }

    public string? Membership(RoomRecord room, string userId) =>
        events.StateEvent(room, "m.room.member", userId)?.Content["membership"]?.GetValue<string>();

    public string JoinRule(RoomRecord room) =>
        events.StateEvent(room, "m.room.join_rules", "")?.Content["join_rule"]?.GetValue<string>() ?? "invite";

    public int UserLevel(RoomRecord room, string userId) => PowerLevels(room).UserLevel(userId, room.Creator);

    public void RequireJoined(RoomRecord room, string userId)
    {
        if (Membership(room, userId) != "join")
        {
            throw Errors.Forbidden($"User {userId} not in room {room.RoomId}");
        }
    }

    /// <summary>Checks a non-membership event from <paramref name="sender"/>.</summary>
    public void AuthorizeEvent(RoomRecord room, string sender, string type, string? stateKey, JsonObject content)
    {
        RequireJoined(room, sender);
        if (type == "m.room.create")
        {
            throw Errors.Forbidden("You cannot send a second m.room.create event");
        }

        var levels = PowerLevels(room);
        var userLevel = levels.UserLevel(sender, room.Creator);
        var required = levels.EventLevel(type, stateKey is not null);
        if (userLevel < required)
        {
            throw Errors.Forbidden($"You don't have permission to post that to the room. user_level ({userLevel}) < send_level ({required})");
        }

        if (stateKey is not null && stateKey.StartsWith('@') && stateKey != sender)
        {
            throw Errors.Forbidden("You are not allowed to set others state");
        }

        if (type == "m.room.power_levels" && stateKey == "")
        {
            RequireCreatorsUnlisted(content, [.. Creators(room)]);
            AuthorizePowerLevelsChange(levels, new PowerLevels(content), sender, userLevel);
        }
    }

    /// <summary>The spec's rule: every level that changes must be at most the sender's, before and after,
    /// and users at or above the sender's level cannot be changed by them.</summary>
    private static void AuthorizePowerLevelsChange(PowerLevels before, PowerLevels after, string sender, int senderLevel)
    {
        if (!before.Exists)
        {
            return;
        }

        string[] fields = ["users_default", "events_default", "state_default", "ban", "redact", "kick", "invite"];
        foreach (var field in fields)
        {
            var old = Field(before, field);
            var updated = Field(after, field);
            if (old != updated && (old > senderLevel || updated > senderLevel))
            {
                throw Errors.Forbidden($"You don't have permission to change '{field}' from {old} to {updated}");
            }
        }

        var oldEvents = before.Events();
        var newEvents = after.Events();
        foreach (var type in oldEvents.Keys.Union(newEvents.Keys))
        {
            var hadLevel = oldEvents.TryGetValue(type, out var old);
            var hasLevel = newEvents.TryGetValue(type, out var updated);
            if ((hadLevel != hasLevel || old != updated) && ((hadLevel && old > senderLevel) || (hasLevel && updated > senderLevel)))
            {
                throw Errors.Forbidden($"You don't have permission to change the level of '{type}'");
            }
        }

        var oldUsers = before.Users();
        var newUsers = after.Users();
        foreach (var user in oldUsers.Keys.Union(newUsers.Keys))
        {
            var hadLevel = oldUsers.TryGetValue(user, out var old);
            var hasLevel = newUsers.TryGetValue(user, out var updated);
            if (hadLevel == hasLevel && old == updated)
            {
                continue;
            }

            if (user != sender && hadLevel && old >= senderLevel)
            {
                throw Errors.Forbidden($"You don't have permission to change the level of {user}");
            }

            if ((hadLevel && old > senderLevel) || (hasLevel && updated > senderLevel))
            {
                throw Errors.Forbidden($"You don't have permission to raise {user} above your own level");
            }
        }
    }

    private static int Field(PowerLevels levels, string field) => field switch
    {
        "users_default" => levels.UsersDefault,
        "events_default" => levels.EventsDefault,
        "state_default" => levels.StateDefault,
        "ban" => levels.Ban,
        "redact" => levels.Redact,
        "kick" => levels.Kick,
        _ => levels.Invite,
    };
}
