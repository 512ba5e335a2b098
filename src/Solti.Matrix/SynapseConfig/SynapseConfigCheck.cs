using System.Globalization;

namespace Solti.Matrix.SynapseConfig;

/// <summary>One configuration file as Synapse would read it: its path and its parsed top-level mapping (null for an
/// empty file).</summary>
public sealed record ConfigSource(string Path, JsonNode? Content);

/// <summary>What a check found: errors (Synapse would refuse to start, or a setting would silently not apply),
/// warnings, and which file each top-level key finally comes from.</summary>
public sealed record ConfigCheckResult(IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings, IReadOnlyDictionary<string, string> KeySources);

/// <summary>Checks a Synapse configuration made of several files (<c>homeserver.yaml</c> then <c>conf.d/*.yaml</c> in
/// sorted order) before anyone restarts into it: merged as Synapse merges them (top-level keys, a later file's value
/// replacing an earlier one whole), then the settings whose shape is known are checked with Synapse's rules (rate
/// limits, durations, retention bounds, appservice files), and rate-limit keys Synapse does not know (typos Synapse
/// would ignore without a word) are errors. Values are never echoed: configurations hold secrets.</summary>
public static class SynapseConfigCheck
{
    private static readonly HashSet<string> RateLimitKeys =
    [
        "rc_message", "rc_registration", "rc_registration_token_validity", "rc_login", "rc_admin_redaction", "rc_joins",
        "rc_joins_per_room", "rc_3pid_validation", "rc_invites", "rc_third_party_invite", "rc_media_create", "rc_federation",
        "rc_presence", "rc_delayed_event_mgmt", "rc_reports", "rc_room_creation", "rc_user_directory", "rc_send_to_device",
    ];

    private static readonly Dictionary<string, string[]> RateLimitGroups = new(StringComparer.Ordinal)
    {
        ["rc_login"] = ["address", "account", "failed_attempts"],
        ["rc_joins"] = ["local", "remote"],
        ["rc_invites"] = ["per_room", "per_user", "per_issuer"],
        ["rc_presence"] = ["per_user"],
    };

    private static readonly string[] Durations = ["refreshable_access_token_lifetime", "session_lifetime", "nonrefreshable_access_token_lifetime", "refresh_token_lifetime", "redaction_retention_period", "user_ips_max_age"];

    /// <summary>What an appservice's end-to-end encryption needs (matrix-hookshot's <c>encryption</c>): MSC3202's
    /// transaction extensions (device lists and one-time key counts sent to appservices), its device masquerading (since
    /// Synapse 1.141 stable, MSC4326, and the key is ignored there), and to-device messages for appservices (MSC2409's
    /// part that MSC4203 split off, which kept Synapse's key <c>msc2409_to_device_messages_enabled</c>).</summary>
    public static readonly string[] EncryptionFeatures = ["msc3202_device_masquerading", "msc3202_transaction_extensions", "msc2409_to_device_messages_enabled"];

    private static readonly string[] MediaRetentionKeys = ["local_media_lifetime", "remote_media_lifetime"];

    /// <summary>Merges <paramref name="sources"/> in order as Synapse does and checks the result; errors, warnings and
    /// the file each key comes from. With <paramref name="appserviceEncryption"/>, the experimental features an
    /// appservice's encryption needs (<see cref="EncryptionFeatures"/>) must be on.</summary>
    public static ConfigCheckResult Check(IReadOnlyList<ConfigSource> sources, bool appserviceEncryption = false)
    {
        var errors = new List<string>();
        var warnings = new List<string>();
        var merged = new Dictionary<string, (JsonNode? Value, string Source)>(StringComparer.Ordinal);
        foreach (var source in sources)
        {
            switch (source.Content)
            {
                case null:
                    continue;
                case JsonObject mapping:
                    foreach (var (key, value) in mapping)
                    {
                        merged[key] = (value, source.Path);
                    }

                    break;
                default:
                    warnings.Add($"{source.Path}: not a mapping of settings; Synapse ignores this file");
                    break;
            }
        }

        foreach (var (key, (value, source)) in merged)
        {
            CheckKey(key, value, $"{source}: {key}", errors);
        }

        CheckRetention(merged, errors);
        CheckExperimental(merged, appserviceEncryption, errors);
        if (!merged.ContainsKey("server_name"))
        {
            errors.Add("server_name: not set in any file (Synapse needs it)");
        }

        return new ConfigCheckResult(errors, warnings, merged.ToDictionary(kv => kv.Key, kv => kv.Value.Source, StringComparer.Ordinal));
    }

    private static void CheckKey(string key, JsonNode? value, string at, List<string> errors)
    {
        if (key.StartsWith("rc_", StringComparison.Ordinal))
        {
            if (!RateLimitKeys.Contains(key))
            {
                errors.Add($"{at}: not a rate-limit setting Synapse knows, so it would be ignored{Suggestion(key)}");
            }
            else if (RateLimitGroups.TryGetValue(key, out var parts))
            {
                if (Mapping(value, at, errors) is { } group)
                {
                    foreach (var (part, limit) in group)
                    {
                        if (!parts.Contains(part))
                        {
                            errors.Add($"{at}.{part}: not one of {string.Join(", ", parts)}");
                        }
                        else
                        {
                            CheckLimit(limit, $"{at}.{part}", errors);
                        }
                    }
                }
            }
            else if (key != "rc_federation")
            {
                CheckLimit(value, at, errors);
            }

            return;
        }

        switch (key)
        {
            case "server_name" or "registration_shared_secret" or "public_baseurl" when value is not JsonValue v || v.GetValueKind() != JsonValueKind.String || v.GetValue<string>().Length == 0:
                errors.Add($"{at}: expected a non-empty string");
                break;
            case "enable_registration" or "enable_metrics" or "allow_guest_access" when value is not JsonValue b || b.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False):
                errors.Add($"{at}: expected true or false");
                break;
            case "app_service_config_files" when value is not JsonArray files || files.Any(f => f is not JsonValue s || s.GetValueKind() != JsonValueKind.String):
                errors.Add($"{at}: expected a list of registration file paths");
                break;
            case var duration when Durations.Contains(duration) && value is not null && Duration(value) is null:
                errors.Add($"{at}: expected a duration (milliseconds, or a number with s, m, h, d, w or y)");
                break;
            case "media_retention" when value is not null && Mapping(value, at, errors) is { } retention:
                foreach (var (field, lifetime) in retention)
                {
                    if (!MediaRetentionKeys.Contains(field))
                    {
                        errors.Add($"{at}.{field}: not a media_retention setting Synapse knows ({string.Join(", ", MediaRetentionKeys)}), so it would be ignored");
                    }
                    else if (lifetime is not null && Duration(lifetime) is null)
                    {
                        errors.Add($"{at}.{field}: expected a duration (milliseconds, or a number with s, m, h, d, w or y) or null (never purge)");
                    }
                }

                break;
        }
    }

    /// <summary><c>experimental_features</c>: a mapping whose flags are true or false; with
    /// <paramref name="appserviceEncryption"/>, each of <see cref="EncryptionFeatures"/> true, each missing one named.</summary>
    private static void CheckExperimental(Dictionary<string, (JsonNode? Value, string Source)> merged, bool appserviceEncryption, List<string> errors)
    {
        var (value, source) = merged.TryGetValue("experimental_features", out var entry) ? entry : (null, null);
        var at = $"{source}: experimental_features";
        var features = value is null ? null : Mapping(value, at, errors);
        foreach (var flag in EncryptionFeatures)
        {
            var node = features?[flag];
            if (node is not null && node.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
            {
                errors.Add($"{at}.{flag}: expected true or false");
                continue;
            }

            if (appserviceEncryption && node?.GetValueKind() != JsonValueKind.True)
            {
                errors.Add($"experimental_features.{flag}: must be true for an appservice's encryption (hookshot's encryption), but "
                    + (node is null ? "no file sets it" : $"{source} sets it to false"));
            }
        }
    }

    private static void CheckRetention(Dictionary<string, (JsonNode? Value, string Source)> merged, List<string> errors)
    {
        if (!merged.TryGetValue("retention", out var entry) || entry.Value is null)
        {
            return;
        }

        var at = $"{entry.Source}: retention";
        if (Mapping(entry.Value, at, errors) is not { } retention)
        {
            return;
        }

        TimeSpan? Lifetime(JsonObject parent, string key, string path)
        {
            if (parent[key] is not { } node)
            {
                return null;
            }

            var parsed = Duration(node);
            if (parsed is null)
            {
                errors.Add($"{path}.{key}: expected a duration (milliseconds, or a number with s, m, h, d, w or y)");
            }

            return parsed;
        }

        if (retention["default_policy"] is { } policyNode && Mapping(policyNode, at + ".default_policy", errors) is { } policy)
        {
            var (min, max) = (Lifetime(policy, "min_lifetime", at + ".default_policy"), Lifetime(policy, "max_lifetime", at + ".default_policy"));
            if (min > max)
            {
                errors.Add($"{at}.default_policy: min_lifetime can not be greater than max_lifetime");
            }
        }

        var (lower, upper) = (Lifetime(retention, "allowed_lifetime_min", at), Lifetime(retention, "allowed_lifetime_max", at));
        if (lower > upper)
        {
            errors.Add($"{at}: allowed_lifetime_min can not be greater than allowed_lifetime_max");
        }
    }

    private static void CheckLimit(JsonNode? value, string at, List<string> errors)
    {
        if (Mapping(value, at, errors) is not { } limit)
        {
            return;
        }

        foreach (var (field, number) in limit)
        {
            if (field is not ("per_second" or "burst_count"))
            {
                errors.Add($"{at}.{field}: not per_second or burst_count");
            }
            else if (number is not JsonValue v || v.GetValueKind() != JsonValueKind.Number || double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture) < 0)
            {
                errors.Add($"{at}.{field}: expected a number of 0 or more");
            }
        }
    }

    private static JsonObject? Mapping(JsonNode? value, string at, List<string> errors)
    {
        if (value is JsonObject mapping)
        {
            return mapping;
        }

        errors.Add($"{at}: expected a mapping");
        return null;
    }

    /// <summary>Synapse's durations (<c>parse_duration</c>): an integer of milliseconds, or an integer followed by
    /// s, m, h, d, w or y.</summary>
    public static TimeSpan? Duration(JsonNode value)
    {
        if (value is not JsonValue v)
        {
            return null;
        }

        var text = v.GetValueKind() switch
        {
            JsonValueKind.Number => v.ToJsonString(),
            JsonValueKind.String => v.GetValue<string>(),
            _ => null,
        };
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var unit = text[^1] switch { 's' => 1_000L, 'm' => 60_000L, 'h' => 3_600_000L, 'd' => 86_400_000L, 'w' => 604_800_000L, 'y' => 31_536_000_000L, _ => 1L };
        var digits = unit == 1 ? text : text[..^1];
        return long.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && n >= 0 ? TimeSpan.FromMilliseconds(n * (double)unit) : null;
    }

    private static string Suggestion(string key)
    {
        var best = RateLimitKeys.MinBy(known => Distance(key, known));
        return best is not null && Distance(key, best) <= 2 ? $" (did you mean {best}?)" : "";
    }

    private static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var previous = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var current = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), previous + (a[i - 1] == b[j - 1] ? 0 : 1));
                previous = current;
            }
        }

        return row[b.Length];
    }
}
