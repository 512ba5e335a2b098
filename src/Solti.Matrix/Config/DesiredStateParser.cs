using Solti.Matrix.Identifiers;

namespace Solti.Matrix.Config;

/// <summary>Turns <c>matrix_config</c> input (module parameters or a YAML file, as JSON) into a <see cref="DesiredState"/>,
/// or fails with every problem at once, each naming its path. Nothing is read from the server here.</summary>
public static class DesiredStateParser
{
    /// <summary>The keys allowed at the top of the input.</summary>
    public static readonly string[] TopKeys = ["domain", "users", "rooms", "exclusive_members", "tokens", "update_password"];

    /// <summary>The keys allowed in one user of the input.</summary>
    public static readonly string[] UserKeys =
        ["user_id", "displayname", "password", "update_password", "admin", "user_type", "deactivated", "ratelimit_override", "shadow_banned", "state", "avatar_url"];

    /// <summary>The keys allowed in one room of the input.</summary>
    public static readonly string[] RoomKeys =
    [
        "alias", "name", "topic", "encrypted", "retention", "preset", "join_rule", "history_visibility", "guest_access", "visibility",
        "members", "power_levels", "extra_state", "state", "auto_join", "exclusive_members", "room_version", "additional_creators",
    ];

    private static readonly string[] MemberKeys = ["user_id", "power_level", "membership"];
    private static readonly string[] RetentionKeys = ["max_lifetime_days", "min_lifetime_days"];
    private static readonly string[] StateEventKeys = ["type", "state_key", "content"];
    private static readonly string[] PowerLevelScalars = ["ban", "kick", "invite", "redact", "state_default", "events_default", "users_default"];
    private static readonly string[] PowerLevelKeys = [.. PowerLevelScalars, "users", "events", "notifications"];
    private const long DayMs = 86_400_000;

    /// <summary>Checks and parses the whole input; every problem found is reported at once in a
    /// <see cref="ConfigInputException"/>.</summary>
    public static DesiredState Parse(JsonObject input)
    {
        var reader = new InputReader();
        reader.Mapping(input, "", TopKeys);
        var domain = reader.Str(input, "domain", "")?.Trim();
        if (string.IsNullOrEmpty(domain))
        {
            reader.Error("domain", "required: the server name that short ids get (example.com)");
            domain = null;
        }
        else if (MatrixId.Problem(MatrixIdKind.ServerName, domain) is { } problem)
        {
            reader.Error("domain", $"expected {MatrixId.Describe(MatrixIdKind.ServerName)}: {problem}, got '{domain}'");
            domain = null;
        }

        var exclusive = reader.Bool(input, "exclusive_members", "") ?? false;
        var alwaysUpdatePassword = (reader.Choice(input, "update_password", "", "on_create", "always") ?? "on_create") == "always";
        var users = Unique(reader, input, "users", "user_id", (item, path) => ParseUser(reader, item, path, domain, alwaysUpdatePassword), u => (u.UserId, u.Path));
        var rooms = Unique(reader, input, "rooms", "alias", (item, path) => ParseRoom(reader, item, path, domain, exclusive), r => (r.Alias, r.Path));
        var tokens = reader.Bool(input, "tokens", "") ?? false;
        if (reader.Errors.Count > 0)
        {
            throw new ConfigInputException(reader.Errors);
        }

        return new DesiredState(domain!, users, rooms, tokens);
    }

    /// <summary>Parses each item of a list; an item whose id was already listed is an error naming the first place.</summary>
    private static List<T> Unique<T>(InputReader reader, JsonObject input, string key, string idKey, Func<JsonNode?, string, T?> parse, Func<T, (string Id, string Path)> identity)
        where T : class
    {
        var items = new List<T>();
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        var list = reader.List(input, key, "") ?? [];
        for (var index = 0; index < list.Count; index++)
        {
            if (parse(list[index], $"{key}[{index}]") is not { } item)
            {
                continue;
            }

            var (id, path) = identity(item);
            if (seen.TryGetValue(id, out var first))
            {
                reader.Error($"{path}.{idKey}", $"{id} is already listed at {first}");
                continue;
            }

            seen[id] = path;
            items.Add(item);
        }

        return items;
    }

    /// <summary><c>@bot</c>, <c>bot</c> → <c>@bot:domain</c>; <c>@bot:server</c> as given.</summary>
    public static string FullUserId(string value, string domain) => MatrixId.Qualify('@', value.Trim(), domain);

    private static DesiredUser? ParseUser(InputReader reader, JsonNode? node, string path, string? domain, bool alwaysUpdatePassword)
    {
        if (reader.Mapping(node, path, UserKeys) is not { } obj)
        {
            return null;
        }

        var userId = UserId(reader, obj, path, domain, localOnly: true);
        var present = (reader.Choice(obj, "state", path, "present", "absent") ?? "present") == "present";
        var fields = new JsonObject();
        if (reader.Str(obj, "displayname", path) is { } displayname)
        {
            fields["displayname"] = displayname;
        }

        if (reader.Str(obj, "avatar_url", path) is { } avatar)
        {
            if (!avatar.StartsWith("mxc://", StringComparison.Ordinal))
            {
                reader.Error(path + ".avatar_url", $"expected an mxc:// URL, got '{avatar}'");
            }

            fields["avatar_url"] = avatar;
        }

        if (reader.Bool(obj, "admin", path) is { } admin)
        {
            fields["admin"] = admin;
        }

        if (obj.ContainsKey("user_type"))
        {
            var text = reader.Str(obj, "user_type", path);
            if (UserTypes.TryParse(text, out var type))
            {
                fields["user_type"] = type;
            }
            else
            {
                reader.Error(path + ".user_type", $"expected {UserTypes.Expected}, got '{text}'");
            }
        }

        if (reader.Bool(obj, "deactivated", path) is { } deactivated)
        {
            if (!present && !deactivated)
            {
                reader.Error(path + ".deactivated", "false conflicts with state: absent (absent deactivates the account)");
            }

            fields["deactivated"] = deactivated;
        }

        var password = reader.Str(obj, "password", path);
        var update = reader.Choice(obj, "update_password", path, "on_create", "always") is { } u ? u == "always" : alwaysUpdatePassword;
        var ratelimit = RatelimitOverrides.Parse(obj["ratelimit_override"], path + ".ratelimit_override", reader.Errors);
        var shadowBanned = reader.Bool(obj, "shadow_banned", path);
        if (shadowBanned is not null && !present)
        {
            reader.Error(path + ".shadow_banned", "needs state: present (an absent account is deactivated, not shadow-banned)");
        }

        return userId is null ? null : new DesiredUser(path, userId, present, fields, string.IsNullOrEmpty(password) ? null : password, update) { RatelimitOverride = ratelimit, ShadowBanned = shadowBanned };
    }

    private static DesiredRoom? ParseRoom(InputReader reader, JsonNode? node, string path, string? domain, bool exclusiveDefault)
    {
        if (reader.Mapping(node, path, RoomKeys) is not { } obj)
        {
            return null;
        }

        var alias = Alias(reader, obj, path, domain);
        var present = (reader.Choice(obj, "state", path, "present", "absent") ?? "present") == "present";
        var autoJoin = reader.Bool(obj, "auto_join", path) ?? true;
        var room = new DesiredRoom(path, alias ?? "", present)
        {
            Name = reader.Str(obj, "name", path),
            Topic = reader.Str(obj, "topic", path),
            Encrypted = reader.Bool(obj, "encrypted", path),
            Retention = Retention(reader, obj, path),
            Preset = reader.Choice(obj, "preset", path, [.. ManagedRoomState.Presets]),
            JoinRule = reader.Choice(obj, "join_rule", path, [.. ManagedRoomState.ChoicesOf("join_rule")]),
            HistoryVisibility = reader.Choice(obj, "history_visibility", path, [.. ManagedRoomState.ChoicesOf("history_visibility")]),
            GuestAccess = reader.Choice(obj, "guest_access", path, [.. ManagedRoomState.ChoicesOf("guest_access")]),
            Visibility = reader.Choice(obj, "visibility", path, [.. ManagedRoomState.Visibilities]),
            Members = Members(reader, obj, path, domain, autoJoin),
            PowerLevels = PowerLevels(reader, obj, path, domain),
            ExtraState = ExtraState(reader, obj, path),
            ExclusiveMembers = reader.Bool(obj, "exclusive_members", path) ?? exclusiveDefault,
            RoomVersion = RoomVersion(reader, reader.Str(obj, "room_version", path), path + ".room_version"),
            AdditionalCreators = AdditionalCreators(reader, obj, path, domain),
        };
        return alias is null ? null : room;
    }

    private static string? RoomVersion(InputReader reader, string? value, string where)
    {
        if (value is not null && RoomVersions.Problem(value) is { } problem)
        {
            reader.Error(where, problem);
            return null;
        }

        return value;
    }

    /// <summary>Users (short ids take the domain) who are creators of a new room too, in a version that privileges them.</summary>
    private static List<string> AdditionalCreators(InputReader reader, JsonObject obj, string path, string? domain)
    {
        var creators = new List<string>();
        if (reader.List(obj, "additional_creators", path) is not { } list || domain is null)
        {
            return creators;
        }

        for (var i = 0; i < list.Count; i++)
        {
            var where = $"{path}.additional_creators[{i}]";
            if (reader.Str(list[i], where) is not { } value)
            {
                continue;
            }

            var id = FullUserId(value, domain);
            if (MatrixId.Problem(MatrixIdKind.User, id) is { } problem)
            {
                reader.Error(where, $"'{value}' is not a valid user id: {problem}");
            }
            else if (!creators.Contains(id))
            {
                creators.Add(id);
            }
        }

        return creators;
    }

    /// <summary><c>ops</c>, <c>#ops</c> → <c>#ops:domain</c>; an alias on another server is an error.</summary>
    private static string? Alias(InputReader reader, JsonObject obj, string path, string? domain)
    {
        var value = reader.Str(obj, "alias", path)?.Trim();
        if (string.IsNullOrEmpty(value))
        {
            reader.Error(path + ".alias", "required: the room's alias (ops or #ops:example.com)");
            return null;
        }

        if (domain is null)
        {
            return null;
        }

        var alias = MatrixId.Qualify('#', value, domain);
        if (MatrixId.Problem(MatrixIdKind.Alias, alias) is { } problem)
        {
            reader.Error(path + ".alias", $"'{value}' is not a valid alias: {problem}");
            return null;
        }

        if (MatrixId.Server(alias) != domain)
        {
            reader.Error(path + ".alias", $"'{value}' is on another server; rooms are managed on {domain} only");
            return null;
        }

        return alias;
    }

    private static string? UserId(InputReader reader, JsonObject obj, string path, string? domain, bool localOnly)
    {
        var value = reader.Str(obj, "user_id", path);
        if (string.IsNullOrWhiteSpace(value))
        {
            reader.Error(path + ".user_id", "required: a user id (@bot or @bot:example.com)");
            return null;
        }

        if (domain is null)
        {
            return null;
        }

        var id = FullUserId(value, domain);
        if (MatrixId.Problem(MatrixIdKind.User, id) is { } problem)
        {
            reader.Error(path + ".user_id", $"'{value}' is not a valid user id: {problem}");
            return null;
        }

        if (localOnly && MatrixId.Server(id) != domain)
        {
            reader.Error(path + ".user_id", $"'{value}' is on another server; accounts are managed on {domain} only");
            return null;
        }

        if (localOnly && !MatrixId.IsConformingUserLocalpart(MatrixId.Localpart(id)))
        {
            reader.Error(path + ".user_id", $"'{value}' is not a valid user id for a new account (local part: a-z, 0-9, . _ = - / +)");
            return null;
        }

        return id;
    }

    private static JsonObject? Retention(InputReader reader, JsonObject obj, string path)
    {
        if (InputReader.IsNull(obj["retention"]))
        {
            return null;
        }

        var where = path + ".retention";
        if (reader.Mapping(obj["retention"], where, RetentionKeys) is not { } retention)
        {
            return null;
        }

        var max = reader.Int(retention, "max_lifetime_days", where, 1, 36500);
        var min = reader.Int(retention, "min_lifetime_days", where, 0, 36500);
        if (max is { } a && min is { } b && b > a)
        {
            reader.Error(where, $"min_lifetime_days ({b}) is longer than max_lifetime_days ({a})");
        }

        var content = new JsonObject();
        if (max is { } maxDays)
        {
            content["max_lifetime"] = maxDays * DayMs;
        }

        if (min is { } minDays)
        {
            content["min_lifetime"] = minDays * DayMs;
        }

        return content;
    }

    private static List<DesiredMember>? Members(InputReader reader, JsonObject obj, string path, string? domain, bool autoJoin)
    {
        if (reader.List(obj, "members", path) is not { } list)
        {
            return null;
        }

        var members = new List<DesiredMember>();
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < list.Count; i++)
        {
            var where = $"{path}.members[{i}]";
            var entry = list[i] is JsonValue ? new JsonObject { ["user_id"] = list[i]!.DeepClone() } : reader.Mapping(list[i], where, MemberKeys);
            if (entry is null || UserId(reader, entry, where, domain, localOnly: false) is not { } userId)
            {
                continue;
            }

            var local = userId.EndsWith(":" + domain, StringComparison.Ordinal);
            var membership = reader.Choice(entry, "membership", where, "join", "invite") ?? (autoJoin && local ? "join" : "invite");
            if (membership == "join" && !local)
            {
                reader.Error(where + ".membership", $"{userId} is on another server; only local users can be joined through the admin API (use membership: invite)");
            }

            var level = reader.Int(entry, "power_level", where, -9_007_199_254_740_991, 9_007_199_254_740_991);
            if (seen.TryGetValue(userId, out var first))
            {
                reader.Error(where + ".user_id", $"{userId} is already listed at {first}");
                continue;
            }

            seen[userId] = where;
            members.Add(new DesiredMember(where, userId, level, membership));
        }

        return members;
    }

    private static JsonObject? PowerLevels(InputReader reader, JsonObject obj, string path, string? domain)
    {
        if (InputReader.IsNull(obj["power_levels"]))
        {
            return null;
        }

        var where = path + ".power_levels";
        if (reader.Mapping(obj["power_levels"], where, PowerLevelKeys) is not { } levels)
        {
            return null;
        }

        var patch = new JsonObject();
        foreach (var key in PowerLevelScalars)
        {
            if (reader.Int(levels, key, where) is { } level)
            {
                patch[key] = level;
            }
        }

        foreach (var key in new[] { "users", "events", "notifications" })
        {
            if (InputReader.IsNull(levels[key]))
            {
                continue;
            }

            if (levels[key] is not JsonObject map)
            {
                reader.Error($"{where}.{key}", $"expected a mapping of {(key == "users" ? "user id" : key == "events" ? "event type" : "notification kind")} to power level, got {InputReader.Describe(levels[key])}");
                continue;
            }

            var entries = new JsonObject();
            foreach (var (name, value) in map)
            {
                var id = key == "users" && domain is not null ? FullUserId(name, domain) : name;
                if (reader.Int(value, $"{where}.{key}.{name}") is { } level)
                {
                    entries[id] = level;
                }
            }

            patch[key] = entries;
        }

        return patch;
    }

    private static List<DesiredStateEvent> ExtraState(InputReader reader, JsonObject obj, string path)
    {
        var events = new List<DesiredStateEvent>();
        var list = reader.List(obj, "extra_state", path) ?? [];
        for (var i = 0; i < list.Count; i++)
        {
            var where = $"{path}.extra_state[{i}]";
            if (reader.Mapping(list[i], where, StateEventKeys) is not { } entry)
            {
                continue;
            }

            var type = reader.Str(entry, "type", where);
            var key = reader.Str(entry, "state_key", where) ?? "";
            if (string.IsNullOrEmpty(type))
            {
                reader.Error(where + ".type", "required: the state event type (m.room.avatar)");
                continue;
            }

            if (MatrixId.Problem(MatrixIdKind.EventType, type) is { } problem)
            {
                reader.Error(where + ".type", $"'{type}' is not a valid event type: {problem}");
                continue;
            }

            if (ManagedRoomState.ManagedBy(type) is { } managedBy && (key.Length == 0 || type == "m.room.member"))
            {
                reader.Error(where + ".type", $"{type} is managed by its own key ({managedBy}); set it there");
                continue;
            }

            if (entry["content"] is not JsonObject content)
            {
                reader.Error(where + ".content", $"expected a mapping, got {InputReader.Describe(entry["content"])}");
                continue;
            }

            events.Add(new DesiredStateEvent(where, type, key, (JsonObject)content.DeepClone()));
        }

        return events;
    }
}
