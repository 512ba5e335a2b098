namespace Solti.Matrix.Homeserver.Rooms;

/// <summary>The event authorization rules for local rooms: membership, send levels and power-level changes.</summary>
public sealed class RoomAuthorizer(RoomEvents events)
{
    public PowerLevels PowerLevels(RoomRecord room) =>
        new(events.StateEvent(room, "m.room.power_levels", "")?.Content);

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
