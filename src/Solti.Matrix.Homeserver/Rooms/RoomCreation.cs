namespace Solti.Matrix.Homeserver.Rooms;

/// <summary><c>createRoom</c>: the state events Synapse sends for a new room, in Synapse's order.</summary>
public sealed class RoomCreation(ServerState state, RoomEvents events, Memberships memberships, RoomAliases aliases)
{
    public const string DefaultRoomVersion = "10";

    public static readonly string[] KnownVersions = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"];

    public (RoomRecord Room, string? Alias) Create(Requester requester, JsonObject body)
    {
        var request = CreateRoomRequest.Parse(body, state.ServerName);
        if (request.RoomVersion is { } version && !KnownVersions.Contains(version))
        {
            throw new HomeserverErrorException(400, "M_UNSUPPORTED_ROOM_VERSION", "Your homeserver does not support this room version");
        }

        if (request.Alias is { } alias)
        {
            aliases.Validate(alias);
            if (state.Data.Aliases.ContainsKey(alias))
            {
                throw new HomeserverErrorException(400, "M_ROOM_IN_USE", "Room alias already taken");
            }
        }

        var creator = requester.UserId;
        var room = new RoomRecord
        {
            RoomId = Identifiers.RoomId(state.ServerName),
            Version = request.RoomVersion ?? DefaultRoomVersion,
            Creator = creator,
            Public = request.Visibility == "public",
        };
        state.Data.Rooms[room.RoomId] = room;

        var create = request.CreationContent ?? [];
        create["creator"] = creator;
        create["room_version"] = room.Version;
        events.Append(room, "m.room.create", creator, create, "");
        memberships.SetMembership(room, creator, creator, "join", reason: null);

        var initial = request.InitialState.ToDictionary(s => (s.Type, s.StateKey), s => s.Content);
        Send(room, creator, "m.room.power_levels", PowerLevelContent(request, creator), initial);
        if (request.Alias is { } roomAlias)
        {
            aliases.Create(roomAlias, room.RoomId, creator);
            Send(room, creator, "m.room.canonical_alias", new JsonObject { ["alias"] = roomAlias }, initial);
        }

        var preset = request.Preset;
        Send(room, creator, "m.room.join_rules", new JsonObject { ["join_rule"] = preset == "public_chat" ? "public" : "invite" }, initial);
        Send(room, creator, "m.room.history_visibility", new JsonObject { ["history_visibility"] = "shared" }, initial);
        if (preset != "public_chat")
        {
            Send(room, creator, "m.room.guest_access", new JsonObject { ["guest_access"] = "can_join" }, initial);
        }

        foreach (var ((type, key), content) in initial)
        {
            events.Append(room, type, creator, content, key);
        }

        if (request.Name is not null)
        {
            events.Append(room, "m.room.name", creator, new JsonObject { ["name"] = request.Name }, "");
        }

        if (request.Topic is not null)
        {
            events.Append(room, "m.room.topic", creator, new JsonObject { ["topic"] = request.Topic }, "");
        }

        foreach (var invitee in request.Invite)
        {
            memberships.SetMembership(room, creator, invitee, "invite", reason: null);
        }

        return (room, request.Alias);
    }

    /// <summary>Sends a default state event unless initial_state replaces it (then the replacement goes here, in order).</summary>
    private void Send(RoomRecord room, string creator, string type, JsonObject content, Dictionary<(string, string), JsonObject> initial)
    {
        if (initial.Remove((type, ""), out var replacement))
        {
            content = replacement;
        }

        events.Append(room, type, creator, content, "");
    }

    private static JsonObject PowerLevelContent(CreateRoomRequest request, string creator)
    {
        var users = new JsonObject { [creator] = 100 };
        if (request.Preset == "trusted_private_chat")
        {
            foreach (var invitee in request.Invite)
            {
                users[invitee] = 100;
            }
        }

        var content = new JsonObject
        {
            ["users"] = users,
            ["users_default"] = 0,
            ["events"] = new JsonObject
            {
                ["m.room.name"] = 50,
                ["m.room.power_levels"] = 100,
                ["m.room.history_visibility"] = 100,
                ["m.room.canonical_alias"] = 50,
                ["m.room.avatar"] = 50,
                ["m.room.tombstone"] = 100,
                ["m.room.server_acl"] = 100,
                ["m.room.encryption"] = 100,
            },
            ["events_default"] = 0,
            ["state_default"] = 50,
            ["ban"] = 50,
            ["kick"] = 50,
            ["redact"] = 50,
            ["invite"] = 50,
            ["historical"] = 100,
        };
        if (request.PowerLevelContentOverride is { } overrides)
        {
            foreach (var (key, value) in overrides)
            {
                content[key] = value?.DeepClone();
            }
        }

        return content;
    }
}
