namespace Solti.Matrix.Homeserver.Rooms;

/// <summary>Join, leave, invite, kick, ban and unban, with the membership auth rules.</summary>
public sealed class Memberships(ServerState state, RoomEvents events, RoomAuthorizer auth)
{
    public EventRecord Join(RoomRecord room, string userId, bool force = false)
    {
        if (room.Blocked)
        {
            throw Errors.Forbidden("This room has been blocked on this server");
        }

        var current = auth.Membership(room, userId);
        if (current == "ban")
        {
            throw Errors.Forbidden("You are banned from this room");
        }

        if (!force && current is not ("join" or "invite") && auth.JoinRule(room) != "public")
        {
            throw Errors.Forbidden("You are not invited to this room.");
        }

        return SetMembership(room, userId, userId, "join", reason: null);
    }

    public EventRecord Leave(RoomRecord room, string userId)
    {
        if (auth.Membership(room, userId) is not ("join" or "invite" or "knock"))
        {
            throw Errors.Forbidden($"User {userId} not in room {room.RoomId}");
        }

        return SetMembership(room, userId, userId, "leave", reason: null);
    }

    public EventRecord Invite(RoomRecord room, string sender, string target, string? reason)
    {
        auth.RequireJoined(room, sender);
        switch (auth.Membership(room, target))
        {
            case "ban":
                throw Errors.Forbidden($"{target} is banned from the room");
            case "join":
                throw Errors.Forbidden($"{target} is already in the room.");
        }

        var levels = auth.PowerLevels(room);
        if (levels.UserLevel(sender, room.Creator) < levels.Invite)
        {
            throw Errors.Forbidden("You don't have permission to invite users");
        }

        if (state.IsLocal(target) && state.FindUser(target) is null)
        {
            throw Errors.NotFound("Unknown user");
        }

        return SetMembership(room, sender, target, "invite", reason);
    }

    public EventRecord Kick(RoomRecord room, string sender, string target, string? reason)
    {
        if (auth.Membership(room, target) is not ("join" or "invite" or "knock"))
        {
            throw Errors.Forbidden("The target user is not in the room");
        }

        RequireOutranks(room, sender, target, p => p.Kick, "kick");
        return SetMembership(room, sender, target, "leave", reason);
    }

    public EventRecord Ban(RoomRecord room, string sender, string target, string? reason)
    {
        RequireOutranks(room, sender, target, p => p.Ban, "ban");
        return SetMembership(room, sender, target, "ban", reason);
    }

    public EventRecord Unban(RoomRecord room, string sender, string target, string? reason)
    {
        if (auth.Membership(room, target) != "ban")
        {
            throw Errors.Forbidden($"{target} is not banned from the room");
        }

        RequireOutranks(room, sender, target, p => p.Ban, "unban");
        return SetMembership(room, sender, target, "leave", reason);
    }

    public IEnumerable<string> Members(RoomRecord room, string membership) =>
        room.CurrentState.Keys
            .Where(k => k.StartsWith("m.room.member\u001f", StringComparison.Ordinal))
            .Select(k => k["m.room.member\u001f".Length..])
            .Where(user => auth.Membership(room, user) == membership);

    /// <summary>Sends the member event without rule checks (room creation, admin actions).</summary>
    public EventRecord SetMembership(RoomRecord room, string sender, string target, string membership, string? reason)
    {
        var content = new JsonObject { ["membership"] = membership };
        if (membership is "join" or "invite" && state.FindUser(target) is { } profile)
        {
            content["displayname"] = profile.DisplayName;
            if (profile.AvatarUrl is not null)
            {
                content["avatar_url"] = profile.AvatarUrl;
            }
        }

        if (reason is not null)
        {
            content["reason"] = reason;
        }

        return events.Append(room, "m.room.member", sender, content, target);
    }

    private void RequireOutranks(RoomRecord room, string sender, string target, Func<PowerLevels, int> required, string action)
    {
        auth.RequireJoined(room, sender);
        var levels = auth.PowerLevels(room);
        var senderLevel = levels.UserLevel(sender, room.Creator);
        if (senderLevel < required(levels) || (target != sender && senderLevel <= levels.UserLevel(target, room.Creator)))
        {
            throw Errors.Forbidden($"You don't have permission to {action} this user");
        }
    }
}
