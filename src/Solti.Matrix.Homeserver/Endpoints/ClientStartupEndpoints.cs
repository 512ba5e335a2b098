using Solti.Matrix.Homeserver.Rooms;
using Solti.Matrix.Homeserver.Sync;

namespace Solti.Matrix.Homeserver.Endpoints;

/// <summary>What a client (matrix-js-sdk) asks at start-up: capabilities, push rules, TURN servers, third-party
/// protocols, key backup, presence and profiles, answered as Synapse answers with no TURN server, no bridges and no backup.</summary>
public static class ClientStartupEndpoints
{
    private static readonly string[] PresenceStates = ["online", "offline", "unavailable"];

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapClient("GET", "/capabilities", "capabilities", AuthMode.User, scope => Reply.Ok(new JsonObject
        {
            ["capabilities"] = new JsonObject
            {
                ["m.room_versions"] = new JsonObject
                {
                    ["default"] = scope.State.Options.RoomVersion,
                    ["available"] = new JsonObject([.. scope.State.Options.Compatibility.RoomVersions.Select(v => KeyValuePair.Create(v, (JsonNode?)"stable"))]),
                },
                ["m.change_password"] = new JsonObject { ["enabled"] = true },
                ["m.set_displayname"] = new JsonObject { ["enabled"] = true },
                ["m.set_avatar_url"] = new JsonObject { ["enabled"] = true },
                ["m.3pid_changes"] = new JsonObject { ["enabled"] = true },
            },
        }));
        routes.MapClient("GET", "/pushrules/", "pushrules", AuthMode.User, scope => Reply.Ok(PushRules.Defaults(scope.Requester.UserId)));
        routes.MapClient("GET", "/pushrules/global/", "pushrules.global", AuthMode.User, scope => Reply.Ok(PushRules.Defaults(scope.Requester.UserId)["global"]!.DeepClone()));
        routes.MapClient("GET", "/voip/turnServer", "voip.turnServer", AuthMode.User, _ => Reply.Empty()); // no turn_uris configured
        routes.MapClient("GET", "/thirdparty/protocols", "thirdparty.protocols", AuthMode.User, _ => Reply.Empty()); // no bridges
        foreach (var path in new[] { "/room_keys/version", "/room_keys/version/{version}" })
        {
            routes.MapClient("GET", path, "room_keys.version", AuthMode.User, _ => throw Errors.NotFound("No backup found"));
        }

        routes.MapClient("GET", "/presence/{userId}/status", "presence.get", AuthMode.User, GetPresence);
        routes.MapClient("PUT", "/presence/{userId}/status", "presence.put", AuthMode.User, SetPresence);
        routes.MapClient("GET", "/profile/{userId}", "profile", AuthMode.None, scope => Reply.Ok(Profile(scope, "displayname", "avatar_url")));
        routes.MapClient("GET", "/profile/{userId}/displayname", "profile.displayname", AuthMode.None, scope => Reply.Ok(Profile(scope, "displayname")));
        routes.MapClient("GET", "/profile/{userId}/avatar_url", "profile.avatar_url", AuthMode.None, scope => Reply.Ok(Profile(scope, "avatar_url")));
    }

    /// <summary>One's own presence, or that of a user one shares a room with (else 403, as Synapse).</summary>
    private static Reply GetPresence(RequestScope scope)
    {
        var userId = scope.Route("userId");
        if (userId != scope.Requester.UserId && !E2ee.DeviceLists.SharingWith(scope.Server, scope.Requester.UserId, null).Contains(userId))
        {
            throw Errors.Forbidden("You are not allowed to see their presence.");
        }

        if (!scope.State.Data.Presence.TryGetValue(userId, out var presence))
        {
            return Reply.Ok(new JsonObject { ["presence"] = "offline" });
        }

        var reply = new JsonObject { ["presence"] = presence.Presence, ["last_active_ago"] = Math.Max(0, scope.State.NowMs - presence.LastActiveTs) };
        if (presence.StatusMsg is not null)
        {
            reply["status_msg"] = presence.StatusMsg;
        }

        if (presence.Presence == "online")
        {
            reply["currently_active"] = true;
        }

        return Reply.Ok(reply);
    }

    private static Reply SetPresence(RequestScope scope)
    {
        var userId = scope.Route("userId");
        if (userId != scope.Requester.UserId)
        {
            throw Errors.Forbidden("Can only set your own presence state");
        }

        var body = scope.Body;
        if (Json.OptionalString(body, "presence") is not { } presence || !PresenceStates.Contains(presence))
        {
            throw Errors.Unknown(400, "Unable to parse state");
        }

        if (body["status_msg"] is { } message && message.GetValueKind() != System.Text.Json.JsonValueKind.String)
        {
            throw Errors.Unknown(400, "status_msg must be a string.");
        }

        scope.State.Data.Presence[userId] = new PresenceRecord { Presence = presence, StatusMsg = Json.OptionalString(body, "status_msg"), LastActiveTs = scope.State.NowMs };
        return Reply.Empty();
    }

    /// <summary>The profile fields that are set (Synapse leaves out the unset ones); 404 for an unknown user.</summary>
    private static JsonObject Profile(RequestScope scope, params string[] fields)
    {
        var user = scope.State.FindUser(scope.Route("userId")) ?? throw Errors.NotFound("Profile was not found");
        var profile = new JsonObject();
        foreach (var field in fields)
        {
            var value = field == "displayname" ? user.DisplayName : user.AvatarUrl;
            if (value is not null)
            {
                profile[field] = value;
            }
        }

        return profile;
    }
}
