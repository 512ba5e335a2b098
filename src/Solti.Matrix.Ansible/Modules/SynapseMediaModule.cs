using Solti.Matrix.Errors;
using Solti.Matrix.Media;

namespace Solti.Matrix.Ansible.Modules;

/// <summary><c>synapse_media</c>: quarantine, protect or delete one medium (<c>media_id</c>), a room's (<c>room_id</c>) or
/// a user's (<c>user_id</c>) media; with no selector, delete local media by age and size and purge the remote media
/// cache. The state is read first (one medium's info, the user's media list, the room's list) so a second run changes
/// nothing; where the server cannot tell (one medium on Synapse before 1.140 without its uploader, the remote cache) the
/// module acts, reports <c>changed</c> and says why in <c>note</c>.</summary>
public sealed class SynapseMediaModule : IModule
{
    public string Name => "synapse_media";

    public ArgumentSpec Spec { get; } = new(new Dictionary<string, OptionSpec>(ConnectionOptions.SharedAdmin)
    {
        ["media_id"] = new(),
        ["room_id"] = new(),
        ["user_id"] = new(),
        ["state"] = new() { Default = "present", Choices = ["present", "absent"] },
        ["quarantined"] = new(OptionType.Bool),
        ["protected"] = new(OptionType.Bool),
        ["older_than"] = new(),
        ["larger_than"] = new(),
        ["keep_profiles"] = new(OptionType.Bool) { Default = true },
        ["purge_remote_before"] = new(),
    })
    {
        MutuallyExclusive = [["media_id", "room_id"], ["room_id", "user_id"]],
    };

    private const string UnknownState = "this Synapse cannot report one medium's state (it needs Synapse 1.140 or later): the change was made without "
        + "comparing, so changed is true; give user_id (the uploader) to read the state from the user's media list";

    public async Task<JsonObject> RunAsync(AnsibleModule module, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        var medium = module.Str("media_id") is { } given ? Medium(given, "media_id") : default(MediumRef?);
        var roomId = module.Str("room_id") is { } room ? MatrixId.Require(MatrixIdKind.Room, room, "room_id") : null;
        var userId = module.Str("user_id") is { } user ? MatrixId.Require(MatrixIdKind.User, user, "user_id") : null;
        var absent = module.Str("state") == "absent";
        var (quarantined, @protected) = (Flag(module, "quarantined"), Flag(module, "protected"));
        var olderThan = Moment(module, "older_than", now);
        var largerThan = module.Str("larger_than") is { } size ? AdminArguments.Bytes(size, out var sizeProblem) ?? throw new ModuleFailedException("larger_than: " + sizeProblem) : (long?)null;
        var purgeBefore = Moment(module, "purge_remote_before", now);
        if (purgeBefore is not null && (medium is not null || roomId is not null || userId is not null))
        {
            throw new ModuleFailedException("purge_remote_before purges the whole remote media cache: it takes no media_id, room_id or user_id");
        }

        if (absent && (quarantined is not null || @protected is not null))
        {
            throw new ModuleFailedException("state=absent deletes media: quarantined and protected do not apply to it");
        }

        if ((olderThan ?? largerThan) is not null && (!absent || medium is not null || roomId is not null))
        {
            throw new ModuleFailedException("older_than and larger_than select media to delete: they need state=absent, with user_id or no selector");
        }

        if (absent && medium is null && roomId is null && userId is null && olderThan is null && largerThan is null)
        {
            throw new ModuleFailedException("state=absent with no media_id, room_id or user_id deletes local media by age and size: give older_than and/or larger_than");
        }

        if (medium is null && roomId is null && userId is null && (quarantined ?? @protected) is not null)
        {
            throw new ModuleFailedException("quarantined and protected need media_id, room_id or user_id");
        }

        var (client, admin) = ConnectionOptions.AdminClient(module);
        using var _ = client;
        var result = new JsonObject { ["changed"] = false };
        if (medium is not null)
        {
            await OneAsync(module, admin, medium, userId, absent, quarantined, @protected, result, cancellationToken);
        }
        else if (roomId is not null)
        {
            await RoomAsync(module, admin, roomId, absent, quarantined, @protected, result, cancellationToken);
        }
        else if (userId is not null)
        {
            var filter = absent ? (olderThan ?? long.MaxValue, largerThan ?? -1) : default((long Before, long Size)?);
            await UserAsync(module, admin, userId, filter, quarantined, @protected, result, cancellationToken);
        }
        else
        {
            if (absent)
            {
                var server = MatrixId.Server(await ModuleInputs.OwnUserAsync(client, cancellationToken))!;
                await DeleteOldAsync(module, admin, server, olderThan ?? now.ToUnixTimeMilliseconds(), largerThan ?? 0, module.Bool("keep_profiles"), result, cancellationToken);
            }

            if (purgeBefore is { } before)
            {
                await PurgeRemoteAsync(module, admin, before, result, cancellationToken);
            }
        }

        return result;
    }

    /// <summary><c>mxc://server/id</c> or <c>server/id</c>, checked before any request.</summary>
    public static MediumRef Medium(string given, string option) =>
        MediaRepository.TryParse(given.StartsWith("mxc://", StringComparison.Ordinal) ? given : "mxc://" + given, out var server, out var id)
            ? new MediumRef(server, id)
            : throw new ModuleFailedException($"{option}: expected mxc://server/media-id or server/media-id (media ids are letters, digits, _ and -), got '{given}'");

    private static long? Moment(AnsibleModule module, string option, DateTimeOffset now) =>
        module.Str(option) is { } text ? AdminArguments.Moment(text, now, out var problem) ?? throw new ModuleFailedException($"{option}: {problem}") : null;

    private static bool? Flag(AnsibleModule module, string option) => module.Params[option] is JsonValue v ? v.GetValueKind() == JsonValueKind.True : null;

    /// <summary>A list entry's or media_info's flag as a bool (Synapse 1.67 on SQLite answers 0/1).</summary>
    private static bool Truthy(JsonNode? node) => node is JsonValue v && (v.GetValueKind() == JsonValueKind.True || (v.GetValueKind() == JsonValueKind.Number && v.GetValue<double>() != 0));

    private static JsonObject Flags(bool? quarantined, bool? @protected) => new() { ["quarantined"] = quarantined, ["protected"] = @protected };

    /// <summary>One medium's info: the query (Synapse 1.140+), else the uploader's media list when given; known false when
    /// neither can tell.</summary>
    public static async Task<MediumRead> ReadOneAsync(SynapseAdminClient admin, MediumRef medium, string? uploader, CancellationToken cancellationToken)
    {
        try
        {
            return new MediumRead(await admin.MediaInfoAsync(medium.Server, medium.Id, cancellationToken), true, null);
        }
        catch (MatrixException e) when (e.IsUnrecognized)
        {
            if (uploader is null)
            {
                return new MediumRead(null, false, UnknownState);
            }

            var entry = MatrixId.Server(uploader) == medium.Server
                ? (await admin.UserMediaAsync(uploader, cancellationToken: cancellationToken)).Media.FirstOrDefault(m => m["media_id"]?.GetValue<string>() == medium.Id)
                : null;
            return new MediumRead(entry, true, $"this Synapse cannot query one medium (it needs Synapse 1.140 or later): its state was read from {uploader}'s media list");
        }
    }

    private static async Task OneAsync(AnsibleModule module, SynapseAdminClient admin, MediumRef medium, string? uploader, bool absent, bool? quarantined, bool? @protected, JsonObject result, CancellationToken cancellationToken)
    {
        var mxc = $"mxc://{medium.Server}/{medium.Id}";
        result["media_id"] = mxc;
        if (absent && !module.CheckMode)
        {
            // The deletion is its own check: 404 is "already gone"; Synapse refuses remote media (400).
            result["deleted_media"] = new JsonArray();
            result["total"] = 0;
            try
            {
                var answer = await admin.DeleteMediaAsync(medium.Server, medium.Id, cancellationToken);
                Deleted(result, [.. (answer["deleted_media"] as JsonArray ?? []).Select(m => m!.GetValue<string>())]);
            }
            catch (MatrixException e) when (e.IsAbsent)
            {
            }

            return;
        }

        var (info, known, note) = await ReadOneAsync(admin, medium, uploader, cancellationToken);
        result["note"] = note;
        if (known && info is null && !absent)
        {
            throw new MatrixException(404, MatrixErrorCodes.NotFound, $"unknown media {mxc}" + (uploader is null ? "" : $" (not among {uploader}'s media)"));
        }

        if (absent)
        {
            Deleted(result, known && info is null ? [] : [medium.Id]);
            return;
        }

        bool? isQuarantined = known ? info!["quarantined_by"] is JsonValue : null;
        bool? isProtected = known ? Truthy(info!["safe_from_quarantine"]) : null;
        var changes = new List<string>();
        var steps = Plan(isQuarantined, isProtected, quarantined, @protected, changes);
        if (!known && steps.Count == 0)
        {
            result["note"] = "this Synapse cannot report one medium's state (it needs Synapse 1.140 or later): give user_id (the uploader) to read it from the user's media list";
        }

        if (!module.CheckMode)
        {
            foreach (var step in steps)
            {
                await (step.Quarantine is { } q ? admin.SetQuarantineAsync(medium.Server, medium.Id, q, cancellationToken) : admin.SetProtectedAsync(medium.Id, step.Protect!.Value, cancellationToken));
            }
        }

        var after = module.CheckMode || steps.Count == 0 || !known ? info : (await ReadOneAsync(admin, medium, uploader, cancellationToken)).Info;
        result["changed"] = steps.Count > 0;
        result["changes"] = new JsonArray([.. changes.Select(c => (JsonNode)c)]);
        result["media"] = after?.DeepClone();
        if (module.DiffMode && steps.Count > 0)
        {
            result["diff"] = new JsonObject
            {
                ["before"] = Flags(isQuarantined, isProtected),
                ["after"] = Flags(quarantined ?? isQuarantined, @protected ?? isProtected),
            };
        }
    }

    private sealed class Step(bool? quarantine, bool? protect)
    {
        public bool? Quarantine => quarantine;

        public bool? Protect => protect;
    }

    /// <summary>The writes that take one medium from its flags (null: unknown) to the wanted ones: unprotect first (a
    /// protected medium cannot be quarantined, so it is unprotected for the quarantine and protected again after when it
    /// stays protected), then (un)quarantine, then protect.</summary>
    private static List<Step> Plan(bool? isQuarantined, bool? isProtected, bool? quarantined, bool? @protected, List<string> changes)
    {
        var steps = new List<Step>();
        var quarantine = quarantined is { } q && isQuarantined != q;
        var lift = quarantine && quarantined == true && isProtected == true;
        if ((@protected == false && isProtected != false) || lift)
        {
            steps.Add(new Step(null, false));
        }

        if (quarantine)
        {
            steps.Add(new Step(quarantined, null));
            changes.Add("quarantined");
        }

        var protect = @protected ?? (lift ? true : null);
        if (protect == true && (isProtected != true || lift))
        {
            steps.Add(new Step(null, true));
        }

        if (@protected is { } p && isProtected != p)
        {
            changes.Add("protected");
        }

        return steps;
    }

    private static void Deleted(JsonObject result, IReadOnlyList<string> mediaIds)
    {
        result["deleted_media"] = new JsonArray([.. mediaIds.Select(m => (JsonNode)m)]);
        result["total"] = mediaIds.Count;
        result["changed"] = mediaIds.Count > 0;
    }

    private static async Task RoomAsync(AnsibleModule module, SynapseAdminClient admin, string roomId, bool absent, bool? quarantined, bool? @protected, JsonObject result, CancellationToken cancellationToken)
    {
        var (local, remote) = await admin.RoomMediaAsync(roomId, cancellationToken);
        result["local"] = new JsonArray([.. local.Select(m => (JsonNode)m)]);
        result["remote"] = new JsonArray([.. remote.Select(m => (JsonNode)m)]);
        result["note"] = "Synapse lists a room's media from its unencrypted events: media sent in encrypted events are not included";
        var media = local.Distinct(StringComparer.Ordinal).Select(m => Medium(m, "room media")).ToList();
        if (absent)
        {
            var gone = new List<string>();
            foreach (var medium in media)
            {
                if (module.CheckMode)
                {
                    gone.Add(medium.Id);
                    continue;
                }

                try
                {
                    gone.AddRange((await admin.DeleteMediaAsync(medium.Server, medium.Id, cancellationToken))["deleted_media"] is JsonArray d ? d.Select(m => m!.GetValue<string>()) : []);
                }
                catch (MatrixException e) when (e.IsAbsent)
                {
                    // listed by an event, already deleted
                }
            }

            Deleted(result, gone);
            return;
        }

        var states = new List<MediumState>();
        var unknown = false;
        foreach (var medium in media.Concat(remote.Distinct(StringComparer.Ordinal).Select(m => Medium(m, "room media"))))
        {
            var (info, known, _) = await ReadOneAsync(admin, medium, null, cancellationToken);
            unknown |= !known;
            if (known && info is null)
            {
                continue; // named by an event but not (or no longer) on the server
            }

            states.Add(new MediumState(medium.Server, medium.Id, known ? info!["quarantined_by"] is JsonValue : null, known ? Truthy(info!["safe_from_quarantine"]) : null));
        }

        var own = media.Count > 0 ? media[0].Server : null;
        var applied = 0;
        if (@protected == false)
        {
            applied += await EachAsync(module, admin, own, states, null, false, cancellationToken); // so the quarantine reaches them
        }

        if (quarantined == true && states.Any(s => s.Quarantined != true && (s.Protected != true || @protected == false)))
        {
            result["num_quarantined"] = module.CheckMode ? states.Count(s => s.Quarantined != true && (s.Protected != true || @protected == false)) : await admin.QuarantineRoomMediaAsync(roomId, cancellationToken);
            applied++;
        }

        applied += await EachAsync(module, admin, own, states, quarantined == false ? false : null, @protected == true ? true : null, cancellationToken);
        result["changed"] = applied > 0;
        if (unknown)
        {
            result["note"] += "; " + UnknownState.Replace("; give user_id (the uploader) to read the state from the user's media list", "", StringComparison.Ordinal);
        }
    }

    /// <summary>Per medium: unquarantine (<paramref name="quarantined"/> false) and (un)protect (media of the
    /// <paramref name="local"/> server only) where the state differs or is unknown; the number of writes.</summary>
    private static async Task<int> EachAsync(AnsibleModule module, SynapseAdminClient admin, string? local, List<MediumState> media, bool? quarantined, bool? @protected, CancellationToken cancellationToken)
    {
        var writes = 0;
        foreach (var (server, id, isQuarantined, isProtected) in media)
        {
            if (quarantined == false && isQuarantined != false)
            {
                writes++;
                if (!module.CheckMode)
                {
                    await admin.SetQuarantineAsync(server, id, false, cancellationToken);
                }
            }

            if (@protected is { } p && isProtected != p && server == local) // only local media can be protected
            {
                writes++;
                if (!module.CheckMode)
                {
                    await admin.SetProtectedAsync(id, p, cancellationToken);
                }
            }
        }

        return writes;
    }

    private static async Task UserAsync(AnsibleModule module, SynapseAdminClient admin, string userId, (long Before, long Size)? delete, bool? quarantined, bool? @protected, JsonObject result, CancellationToken cancellationToken)
    {
        var (media, _) = await admin.UserMediaAsync(userId, cancellationToken: cancellationToken);
        var server = MatrixId.Server(userId)!;
        if (delete is { } filter)
        {
            var chosen = media.Where(m => Used(m) < filter.Before && SynapseNumber(m["media_length"]) > filter.Size).Select(m => m["media_id"]!.GetValue<string>()).ToList();
            var gone = new List<string>();
            foreach (var id in chosen)
            {
                if (module.CheckMode)
                {
                    gone.Add(id);
                    continue;
                }

                try
                {
                    gone.AddRange((await admin.DeleteMediaAsync(server, id, cancellationToken))["deleted_media"] is JsonArray d ? d.Select(m => m!.GetValue<string>()) : []);
                }
                catch (MatrixException e) when (e.IsAbsent)
                {
                    // deleted meanwhile
                }
            }

            Deleted(result, gone);
            return;
        }

        var states = media.Select(m => new MediumState(server, m["media_id"]!.GetValue<string>(), m["quarantined_by"] is JsonValue, Truthy(m["safe_from_quarantine"]))).ToList();
        var applied = 0;
        if (@protected == false)
        {
            applied += await EachAsync(module, admin, server, states, null, false, cancellationToken); // so the quarantine reaches them
        }

        if (quarantined == true && states.Any(s => s.Quarantined != true && (s.Protected != true || @protected == false)))
        {
            result["num_quarantined"] = module.CheckMode ? states.Count(s => s.Quarantined != true && (s.Protected != true || @protected == false)) : await admin.QuarantineUserMediaAsync(userId, cancellationToken);
            applied++;
        }

        applied += await EachAsync(module, admin, server, states, quarantined == false ? false : null, @protected == true ? true : null, cancellationToken);
        result["changed"] = applied > 0;
        result["media"] = new JsonArray([.. (module.CheckMode || applied == 0 ? media : (await admin.UserMediaAsync(userId, cancellationToken: cancellationToken)).Media).Select(m => (JsonNode)m)]);
    }

    /// <summary>When a medium was last used, as Synapse's delete-by-age compares: its last access, else its creation.</summary>
    private static long Used(JsonObject medium) => medium["last_access_ts"] is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<long>() : SynapseNumber(medium["created_ts"]);

    private static long SynapseNumber(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<long>() : 0;

    private static async Task DeleteOldAsync(AnsibleModule module, SynapseAdminClient admin, string server, long before, long size, bool keepProfiles, JsonObject result, CancellationToken cancellationToken)
    {
        result["before_ts"] = before;
        if (!module.CheckMode)
        {
            var answer = await admin.DeleteOldMediaAsync(server, before, size, keepProfiles, cancellationToken);
            Deleted(result, [.. (answer["deleted_media"] as JsonArray ?? []).Select(m => m!.GetValue<string>())]);
            return;
        }

        // Check mode: what Synapse would choose, from every local user's media list (avatars of rooms and per-room
        // profiles are not looked at here: Synapse keeps those too with keep_profiles).
        var accounts = await (await admin.AccountsAsync(cancellationToken)).ListAsync(new Accounts.AccountQuery(Deactivated: true), cancellationToken);
        var avatars = keepProfiles ? accounts.Accounts.Select(a => a["avatar_url"]?.GetValue<string>()).OfType<string>().ToHashSet(StringComparer.Ordinal) : [];
        var chosen = new List<string>();
        foreach (var account in accounts.Accounts.Where(a => MatrixId.Server(a.UserId) == server))
        {
            chosen.AddRange((await admin.UserMediaAsync(account.UserId, cancellationToken: cancellationToken)).Media
                .Where(m => Used(m) < before && SynapseNumber(m["media_length"]) > size && m["quarantined_by"] is not JsonValue && !Truthy(m["safe_from_quarantine"]))
                .Select(m => m["media_id"]!.GetValue<string>())
                .Where(id => !avatars.Contains($"mxc://{server}/{id}")));
        }

        Deleted(result, chosen);
        result["note"] = "check mode: listed from every local user's media list (media no local user uploaded, and avatars of rooms, are not seen)";
    }

    private static async Task PurgeRemoteAsync(AnsibleModule module, SynapseAdminClient admin, long before, JsonObject result, CancellationToken cancellationToken)
    {
        result["purge_remote_before_ts"] = before;
        if (module.CheckMode)
        {
            result["changed"] = true;
            result["note"] = "check mode: the server cannot tell which cached remote media would be purged, so changed is true";
            return;
        }

        var deleted = await admin.PurgeRemoteMediaAsync(before, cancellationToken);
        result["deleted"] = deleted;
        result["changed"] = result["changed"]!.GetValue<bool>() || deleted > 0;
    }
}

/// <summary>One medium: its server and id.</summary>
public sealed class MediumRef(string server, string id)
{
    public string Server => server;

    public string Id => id;
}

/// <summary>What could be read of one medium: its info (null: unknown to the server), whether the server could tell at
/// all, and a note saying how or why not.</summary>
public sealed class MediumRead(JsonObject? info, bool known, string? note)
{
    public JsonObject? Info => info;

    public void Deconstruct(out JsonObject? info2, out bool known2, out string? note2) => (info2, known2, note2) = (info, known, note);
}

/// <summary>A medium's flags as read (null: unknown).</summary>
internal sealed class MediumState(string server, string id, bool? quarantined, bool? @protected)
{
    public string Server => server;

    public string Id => id;

    public bool? Quarantined => quarantined;

    public bool? Protected => @protected;

    public void Deconstruct(out string server2, out string id2, out bool? quarantined2, out bool? protected2) =>
        (server2, id2, quarantined2, protected2) = (server, id, quarantined, @protected);
}
