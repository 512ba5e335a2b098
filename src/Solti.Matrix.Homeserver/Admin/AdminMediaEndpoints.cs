using System.Globalization;
using Solti.Matrix.Homeserver.Admin.Users;
using Solti.Matrix.Homeserver.Media;

namespace Solti.Matrix.Homeserver.Admin;

/// <summary>The media admin API as Synapse's <c>synapse/rest/admin/media.py</c>: quarantine (by id, room, user) and its
/// reverse, protection, one medium's info (<see cref="Configuration.Compatibility.MediaQueryById"/>), a user's and a room's
/// media, deletion of one medium or by age and size, and the remote media cache's purge (this server caches no remote
/// media: it deletes nothing). Quarantine, like Synapse, answers <c>{}</c> for media it does not know and leaves protected
/// media alone; a room's media are those its events' <c>url</c> (and <c>info.thumbnail_url</c>) name, so encrypted
/// events' media are not listed.</summary>
public static class AdminMediaEndpoints
{
    private const string V1 = "/_synapse/admin/v1";

    private static readonly string[] OrderColumns =
        ["media_id", "upload_name", "created_ts", "last_access_ts", "media_length", "media_type", "quarantined_by", "safe_from_quarantine"];

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.Map("POST", V1 + "/media/quarantine/{serverName}/{mediaId}", "admin.media.quarantine", AuthMode.Admin, scope => Quarantine(scope, quarantine: true));
        routes.Map("POST", V1 + "/media/unquarantine/{serverName}/{mediaId}", "admin.media.unquarantine", AuthMode.Admin, scope => Quarantine(scope, quarantine: false));
        routes.Map("POST", V1 + "/room/{roomId}/media/quarantine", "admin.media.quarantine_room", AuthMode.Admin, QuarantineRoom);
        routes.Map("POST", V1 + "/quarantine_media/{roomId}", "admin.media.quarantine_room_legacy", AuthMode.Admin, QuarantineRoom);
        routes.Map("POST", V1 + "/user/{userId}/media/quarantine", "admin.media.quarantine_user", AuthMode.Admin, QuarantineUser);
        routes.Map("POST", V1 + "/media/protect/{mediaId}", "admin.media.protect", AuthMode.Admin, scope => Protect(scope, safe: true));
        routes.Map("POST", V1 + "/media/unprotect/{mediaId}", "admin.media.unprotect", AuthMode.Admin, scope => Protect(scope, safe: false));
        routes.Map("GET", V1 + "/room/{roomId}/media", "admin.media.room_list", AuthMode.Admin, ListRoom);
        routes.Map("GET", V1 + "/users/{userId}/media", "admin.media.user_list", AuthMode.Admin, ListUser);
        routes.Map("GET", V1 + "/media/{serverName}/{mediaId}", "admin.media.get", AuthMode.Admin, Get);
        routes.Map("DELETE", V1 + "/media/{serverName}/{mediaId}", "admin.media.delete", AuthMode.Admin, DeleteOne);
        routes.Map("POST", V1 + "/media/delete", "admin.media.delete_old", AuthMode.Admin, scope =>
        {
            if (!scope.State.Options.Compatibility.MediaDeleteWithoutServerName)
            {
                throw Errors.Unrecognized(scope.State.Options.Compatibility.UnrecognizedStatus(404));
            }

            return DeleteOld(scope, serverName: null);
        });
        routes.Map("POST", V1 + "/media/{serverName}/delete", "admin.media.delete_old_legacy", AuthMode.Admin, scope => DeleteOld(scope, scope.Route("serverName")));
        routes.Map("POST", V1 + "/purge_media_cache", "admin.media.purge_cache", AuthMode.Admin, scope =>
        {
            BeforeTs(scope);
            return Reply.Ok(new JsonObject { ["deleted"] = 0 }); // no remote media is ever cached here
        });
    }

    private static MediaRecord? Local(RequestScope scope, string serverName, string mediaId) =>
        serverName == scope.State.ServerName ? scope.State.Data.Media.GetValueOrDefault(mediaId) : null;

    private static Reply Quarantine(RequestScope scope, bool quarantine)
    {
        if (Local(scope, scope.Route("serverName"), scope.Route("mediaId")) is { } media)
        {
            Mark(media, quarantine ? scope.Requester.UserId : null);
        }

        return Reply.Empty();
    }

    /// <summary>Synapse's <c>_quarantine_media_txn</c>: quarantine skips protected media; the count is of the rows set.</summary>
    private static int Mark(MediaRecord media, string? by)
    {
        if (by is not null && media.SafeFromQuarantine)
        {
            return 0;
        }

        media.QuarantinedBy = by;
        return 1;
    }

    private static Reply QuarantineRoom(RequestScope scope)
    {
        var count = RoomMedia(scope.State, scope.Route("roomId")).Local
            .Select(id => scope.State.Data.Media.GetValueOrDefault(id))
            .Sum(m => m is null ? 0 : Mark(m, scope.Requester.UserId));
        return Reply.Ok(new JsonObject { ["num_quarantined"] = count });
    }

    private static Reply QuarantineUser(RequestScope scope)
    {
        var userId = scope.Route("userId");
        var count = scope.State.Data.Media.Values
            .Where(m => m.UserId == userId && m.QuarantinedBy is null)
            .Sum(m => Mark(m, scope.Requester.UserId));
        return Reply.Ok(new JsonObject { ["num_quarantined"] = count });
    }

    private static Reply Protect(RequestScope scope, bool safe)
    {
        if (scope.State.Data.Media.GetValueOrDefault(scope.Route("mediaId")) is { } media)
        {
            media.SafeFromQuarantine = safe;
        }

        return Reply.Empty();
    }

    private static Reply ListRoom(RequestScope scope)
    {
        var (local, remote) = RoomMedia(scope.State, scope.Route("roomId"));
        return Reply.Ok(new JsonObject
        {
            ["local"] = new JsonArray([.. local.Select(id => (JsonNode)$"mxc://{scope.State.ServerName}/{id}")]),
            ["remote"] = new JsonArray([.. remote.Select(mxc => (JsonNode)mxc)]),
        });
    }

    /// <summary>Synapse's <c>_get_media_mxcs_in_room_txn</c>: the events whose content has a string <c>url</c>
    /// (<c>contains_url</c>), newest first, their <c>url</c> and <c>info.thumbnail_url</c> when they are mxc URIs.</summary>
    private static (List<string> Local, List<string> Remote) RoomMedia(ServerState state, string roomId)
    {
        var (local, remote) = (new List<string>(), new List<string>());
        if (state.Data.Rooms.GetValueOrDefault(roomId) is not { } room)
        {
            return (local, remote);
        }

        for (var i = room.Timeline.Count - 1; i >= 0; i--)
        {
            if (state.Data.Events.GetValueOrDefault(room.Timeline[i]) is not { } e || Text(e.Content["url"]) is null)
            {
                continue;
            }

            foreach (var url in new[] { e.Content["url"], e.Content["info"]?["thumbnail_url"] })
            {
                if (url is JsonValue v && v.TryGetValue<string>(out var mxc) && mxc.StartsWith("mxc://", StringComparison.Ordinal)
                    && mxc[6..].Split('/') is [{ Length: > 0 } server, { Length: > 0 } id])
                {
                    if (server == state.ServerName)
                    {
                        local.Add(id);
                    }
                    else
                    {
                        remote.Add(mxc);
                    }
                }
            }
        }

        return (local, remote);
    }

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var text) ? text : null;

    private static Reply ListUser(RequestScope scope)
    {
        var user = AdminTargets.LocalUser(scope, "Can only look up local users", "Unknown user");
        var from = NonNegative(scope, "from", 0);
        var limit = NonNegative(scope, "limit", 100);
        var ordered = scope.Query("order_by") is null && scope.Query("dir") is null;
        var orderBy = scope.Query("order_by") ?? "created_ts";
        if (!OrderColumns.Contains(orderBy))
        {
            throw Errors.InvalidParam($"Query parameter \"order_by\" must be one of [{string.Join(", ", OrderColumns.Select(c => $"\"{c}\""))}]");
        }

        var dir = scope.Query("dir") ?? "f";
        if (dir is not ("f" or "b"))
        {
            throw Errors.InvalidParam("Query parameter \"dir\" must be one of [\"b\", \"f\"]");
        }

        var backwards = ordered || dir == "b"; // neither given: newest first, as Synapse keeps for old clients
        var media = scope.State.Data.Media.Values.Where(m => m.UserId == user.UserId).ToList();
        media.Sort((a, b) =>
        {
            var primary = Compare(orderBy, a, b);
            return primary != 0 ? (backwards ? -primary : primary) : string.CompareOrdinal(a.MediaId, b.MediaId);
        });
        var page = media.Skip(from).Take(limit).ToList();
        var legacy = scope.State.Options.Compatibility.LegacyMediaResponses;
        var reply = new JsonObject { ["media"] = new JsonArray([.. page.Select(m => (JsonNode)Render(m, legacy))]), ["total"] = media.Count };
        if (from + limit < media.Count)
        {
            reply["next_token"] = from + page.Count;
        }

        return Reply.Ok(reply);
    }

    private static int Compare(string column, MediaRecord a, MediaRecord b) => column switch
    {
        "media_id" => string.CompareOrdinal(a.MediaId, b.MediaId),
        "upload_name" => string.CompareOrdinal(a.UploadName, b.UploadName),
        "last_access_ts" => Nullable.Compare(a.LastAccessTs, b.LastAccessTs),
        "media_length" => a.Length.CompareTo(b.Length),
        "media_type" => string.CompareOrdinal(a.ContentType, b.ContentType),
        "quarantined_by" => string.CompareOrdinal(a.QuarantinedBy, b.QuarantinedBy),
        "safe_from_quarantine" => a.SafeFromQuarantine.CompareTo(b.SafeFromQuarantine),
        _ => a.CreatedTs.CompareTo(b.CreatedTs),
    };

    /// <summary>A user's medium as the list shows it: Synapse 1.67 selects eight columns; current Synapse lists the whole
    /// <c>LocalMedia</c> row.</summary>
    private static JsonObject Render(MediaRecord media, bool legacy)
    {
        var entry = new JsonObject
        {
            ["media_id"] = media.MediaId,
            ["media_type"] = media.ContentType,
            ["media_length"] = media.Length,
            ["upload_name"] = media.UploadName,
            ["created_ts"] = media.CreatedTs,
            ["last_access_ts"] = media.LastAccessTs,
            ["quarantined_by"] = media.QuarantinedBy,
            ["safe_from_quarantine"] = media.SafeFromQuarantine,
        };
        if (!legacy)
        {
            entry["url_cache"] = null;
            entry["user_id"] = media.UserId;
            entry["authenticated"] = media.Authenticated;
            entry["sha256"] = media.Sha256;
        }

        return entry;
    }

    private static Reply Get(RequestScope scope)
    {
        var compatibility = scope.State.Options.Compatibility;
        if (!compatibility.MediaQueryById)
        {
            throw Errors.Unrecognized(compatibility.UnrecognizedStatus(405)); // 1.67: the path answers DELETE only
        }

        var media = Local(scope, scope.Route("serverName"), scope.Route("mediaId")) ?? throw Errors.NotFound("Unknown media");
        return Reply.Ok(new JsonObject
        {
            ["media_info"] = new JsonObject
            {
                ["media_origin"] = null,
                ["user_id"] = media.UserId,
                ["media_id"] = media.MediaId,
                ["media_type"] = media.ContentType,
                ["media_length"] = media.Length,
                ["upload_name"] = media.UploadName,
                ["created_ts"] = media.CreatedTs,
                ["filesystem_id"] = null,
                ["url_cache"] = null,
                ["last_access_ts"] = media.LastAccessTs,
                ["quarantined_by"] = media.QuarantinedBy,
                ["authenticated"] = media.Authenticated,
                ["safe_from_quarantine"] = media.SafeFromQuarantine,
                ["sha256"] = media.Sha256,
            },
        });
    }

    private static Reply DeleteOne(RequestScope scope)
    {
        if (scope.Route("serverName") != scope.State.ServerName)
        {
            throw Errors.Unknown(400, "Can only delete local media");
        }

        var mediaId = scope.Route("mediaId");
        if (!scope.State.Data.Media.ContainsKey(mediaId))
        {
            throw Errors.NotFound("Unknown media");
        }

        return Deleted(scope, [mediaId]);
    }

    /// <summary>Synapse's <c>delete_old_local_media</c>: last accessed (or, never accessed, created) before
    /// <c>before_ts</c>, larger than <c>size_gt</c>, neither quarantined nor protected, and with <c>keep_profiles</c>
    /// (the default) not a user's or a room's avatar.</summary>
    private static Reply DeleteOld(RequestScope scope, string? serverName)
    {
        var before = BeforeTs(scope);
        var sizeGt = scope.Query("size_gt") is null ? 0 : Integer(scope, "size_gt");
        if (sizeGt < 0)
        {
            throw Errors.InvalidParam("Query parameter size_gt must be a string representing a positive integer.");
        }

        var keepProfiles = scope.QueryBool("keep_profiles") ?? true;
        if (serverName is not null && serverName != scope.State.ServerName)
        {
            throw Errors.Unknown(400, "Can only delete local media");
        }

        var avatars = keepProfiles ? Avatars(scope.Server) : [];
        var old = scope.State.Data.Media.Values
            .Where(m => (m.LastAccessTs ?? m.CreatedTs) < before && m.Length > sizeGt && m.QuarantinedBy is null && !m.SafeFromQuarantine)
            .Where(m => !avatars.Contains($"mxc://{scope.State.ServerName}/{m.MediaId}"))
            .Select(m => m.MediaId)
            .ToList();
        return Deleted(scope, old);
    }

    /// <summary>The mxc URIs in use as avatars: users' profiles, room members' per-room profiles, rooms' avatars.</summary>
    private static HashSet<string> Avatars(ServerContext server)
    {
        var state = server.State;
        var avatars = new HashSet<string>(state.Data.Users.Values.Select(u => u.AvatarUrl).OfType<string>(), StringComparer.Ordinal);
        foreach (var room in state.Data.Rooms.Values)
        {
            foreach (var (key, eventId) in room.CurrentState)
            {
                if (state.Data.Events.GetValueOrDefault(eventId) is not { } e)
                {
                    continue;
                }

                var url = key.StartsWith("m.room.member\u001f", StringComparison.Ordinal) ? Text(e.Content["avatar_url"])
                    : key.StartsWith("m.room.avatar\u001f", StringComparison.Ordinal) ? Text(e.Content["url"]) : null;
                if (url is not null)
                {
                    avatars.Add(url);
                }
            }
        }

        return avatars;
    }

    private static Reply Deleted(RequestScope scope, List<string> mediaIds)
    {
        foreach (var id in mediaIds)
        {
            scope.State.Data.Media.Remove(id);
            scope.Server.MediaFiles.Delete(id);
        }

        return Reply.Ok(new JsonObject { ["deleted_media"] = new JsonArray([.. mediaIds.Select(id => (JsonNode)id)]), ["total"] = mediaIds.Count });
    }

    /// <summary>The required <c>before_ts</c> in milliseconds, refused as Synapse does when negative or before 1971 (a
    /// timestamp in seconds, most likely).</summary>
    private static long BeforeTs(RequestScope scope)
    {
        if (scope.Query("before_ts") is null)
        {
            throw new HomeserverErrorException(400, "M_MISSING_PARAM", "Missing required integer query parameter before_ts");
        }

        var before = Integer(scope, "before_ts");
        if (before < 0)
        {
            throw Errors.InvalidParam("Query parameter before_ts must be a positive integer.");
        }

        return before < 30_000_000_000
            ? throw Errors.InvalidParam("Query parameter before_ts you provided is from the year 1970. Double check that you are providing a timestamp in milliseconds.")
            : before;
    }

    private static long Integer(RequestScope scope, string name) =>
        long.TryParse(scope.Query(name), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Errors.InvalidParam($"Query parameter {name} must be an integer");

    private static int NonNegative(RequestScope scope, string name, int fallback)
    {
        if (scope.Query(name) is null)
        {
            return fallback;
        }

        var value = Integer(scope, name);
        return value is >= 0 and <= int.MaxValue ? (int)value : throw Errors.InvalidParam($"Query parameter {name} must be a positive integer.");
    }
}
