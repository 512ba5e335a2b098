using System.Security.Cryptography;
using Solti.Matrix.Homeserver.E2ee;

namespace Solti.Matrix.Homeserver.Rooms;

/// <summary><c>createRoom</c>: the state events Synapse sends for a new room, in Synapse's order, by the rules of the room's
/// version (<see cref="RoomVersionRules"/>).</summary>
public sealed class RoomCreation(ServerState state, RoomEvents events, Memberships memberships, RoomAliases aliases)
{
    public (RoomRecord Room, string? Alias) Create(Requester requester, JsonObject body)
    {
        var request = CreateRoomRequest.Parse(body, state.ServerName);
        var version = request.RoomVersion ?? state.Options.RoomVersion;
        if (!state.Options.Compatibility.RoomVersions.Contains(version))
        {
            throw new HomeserverErrorException(400, "M_UNSUPPORTED_ROOM_VERSION", "Your homeserver does not support this room version");
        }

        var creator = requester.UserId;
        var privileged = RoomVersionRules.PrivilegedCreators(version);
        if (!privileged && request.PowerLevelContentOverride?["users"] is JsonObject overrideUsers && !overrideUsers.ContainsKey(creator))
        {
            throw new HomeserverErrorException(400, "M_UNKNOWN", $"Not a valid power_level_content_override: 'users' did not contain {creator}");
        }

        if (request.Alias is { } alias)
        {
            aliases.Validate(alias);
            if (state.Data.Aliases.ContainsKey(alias))
            {
                throw new HomeserverErrorException(400, "M_ROOM_IN_USE", "Room alias already taken");
            }
        }

        var create = request.CreationContent ?? [];
        if (!RoomVersionRules.ImplicitCreator(version))
        {
            create["creator"] = creator;
        }

        create["room_version"] = version;
        List<string> creators = [];
        if (privileged)
        {
            creators = [creator, .. AdditionalCreators(create, request)];
        }

        var initial = request.InitialState.ToDictionary(s => (s.Type, s.StateKey), s => s.Content);
        var levels = initial.GetValueOrDefault(("m.room.power_levels", "")) ?? PowerLevelContent(request, creator, privileged);
        RoomAuthorizer.RequireCreatorsUnlisted(levels, creators);

        var (roomId, createEventId, createTs) = RoomVersionRules.RoomIdIsHash(version) ? HashedRoomId(creator, create) : (Identifiers.RoomId(state.ServerName), null, (long?)null);
        var room = new RoomRecord
        {
            RoomId = roomId,
            Version = version,
            Creator = creator,
            Public = request.Visibility == "public",
        };
        state.Data.Rooms[room.RoomId] = room;
        events.Append(room, "m.room.create", creator, create, "", createEventId, createTs);
        memberships.SetMembership(room, creator, creator, "join", reason: null);

        Send(room, creator, "m.room.power_levels", levels, initial);
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

    /// <summary>A version 12 room's id: <c>!</c> and the reference hash of its create event (SHA-256 of the event's
    /// canonical JSON, which has no <c>room_id</c>), unpadded URL-safe base64; the create event's id is <c>$</c> and the same
    /// hash. Two rooms whose create events would be the same (one user creating two rooms in the same millisecond) are
    /// told apart by moving the event's timestamp, as Synapse does.</summary>
    private (string RoomId, string EventId, long? Ts) HashedRoomId(string creator, JsonObject create)
    {
        var ts = state.NowMs;
        while (true)
        {
            var pdu = new JsonObject
            {
                ["type"] = "m.room.create",
                ["state_key"] = "",
                ["sender"] = creator,
                ["content"] = create.DeepClone(),
                ["origin_server_ts"] = ts,
                ["depth"] = 1,
                ["auth_events"] = new JsonArray(),
                ["prev_events"] = new JsonArray(),
            };
            var hash = Convert.ToBase64String(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(CanonicalJson.Encode(pdu))))
                .TrimEnd('=').Replace('+', '-').Replace('/', '_');
            if (!state.Data.Rooms.ContainsKey("!" + hash))
            {
                return ("!" + hash, "$" + hash, ts);
            }

            ts++;
        }
    }

    /// <summary>MSC4289: <c>creation_content.additional_creators</c> must be a list of valid user ids (else
    /// <c>400 M_FORBIDDEN</c>, as Synapse's auth rules for the create event); a <c>trusted_private_chat</c>'s invitees
    /// are added to it, the creator is the create event's sender.</summary>
    private static List<string> AdditionalCreators(JsonObject create, CreateRoomRequest request)
    {
        var additional = new List<string>();
        if (create["additional_creators"] is { } given)
        {
            if (given is not JsonArray list)
            {
                throw new HomeserverErrorException(400, "M_FORBIDDEN", "additional_creators must be an array");
            }

            foreach (var entry in list)
            {
                if (entry is not JsonValue v || !v.TryGetValue<string>(out var userId))
                {
                    throw new HomeserverErrorException(400, "M_FORBIDDEN", "entry in additional_creators is not a string");
                }

                if (userId.Length < 4 || userId[0] != '@' || userId.IndexOf(':', StringComparison.Ordinal) < 2 || System.Text.Encoding.UTF8.GetByteCount(userId) > 255)
                {
                    throw new HomeserverErrorException(400, "M_FORBIDDEN", "entry in additional_creators is not a valid user ID");
                }

                additional.Add(userId);
            }
        }

        if (request.Preset == "trusted_private_chat" && request.Invite.Count > 0)
        {
            additional = [.. additional.Union(request.Invite)];
            create["additional_creators"] = new JsonArray([.. additional.Select(u => (JsonNode)u)]);
        }

        return additional;
    }

    private static JsonObject PowerLevelContent(CreateRoomRequest request, string creator, bool privileged)
    {
        // In a version 12 room the creators have unlimited power and are not listed; the tombstone needs 150.
        var users = privileged ? new JsonObject() : new JsonObject { [creator] = 100 };
        if (request.Preset == "trusted_private_chat" && !privileged)
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
                ["m.room.tombstone"] = privileged ? 150 : 100,
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
