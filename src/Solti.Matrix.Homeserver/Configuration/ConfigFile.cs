using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Solti.Matrix.Homeserver.Configuration;

/// <summary>Reads a YAML config with Synapse's key names (<c>server_name</c>, <c>rc_message</c>, <c>rc_login</c>, …)
/// plus our behaviour switches under <c>solti_homeserver</c>. Unknown keys under our section are errors.</summary>
public static class ConfigFile
{
    private static readonly string[] BehaviourKeys =
        ["compat", "txn_scope", "retry_after_header", "bare_429", "legacy_admin_user_format", "room_deletion_step_ms", "seed_users"];

    public static HomeserverOptions Apply(HomeserverOptions options, string yaml, string source) =>
        Parse(yaml, source) is { } root ? Apply(options, root, source) : options;

    /// <summary>Several files as Synapse reads them (<c>-c homeserver.yaml -c conf.d/</c>): each is checked on its own
    /// (so an error names its file), then their top-level keys are merged in order, a later file's key replacing an
    /// earlier one's whole value, and the result applied.</summary>
    public static HomeserverOptions Apply(HomeserverOptions options, IReadOnlyList<(string Source, string Yaml)> files)
    {
        var merged = new YamlMappingNode();
        foreach (var (source, yaml) in files)
        {
            if (Parse(yaml, source) is not { } root)
            {
                continue;
            }

            Apply(options, root, source);
            foreach (var (key, value) in root.Children)
            {
                merged.Children[key] = value;
            }
        }

        return Apply(options, merged, string.Join(" + ", files.Select(f => f.Source)));
    }

    /// <summary>The top-level mapping, or null for an empty file.</summary>
    private static YamlMappingNode? Parse(string yaml, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new ConfigurationException($"{source}: not valid YAML: {e.Message}");
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            return null;
        }

        return stream.Documents[0].RootNode as YamlMappingNode ?? throw new ConfigurationException($"{source}: expected a mapping at the top level");
    }

    private static HomeserverOptions Apply(HomeserverOptions options, YamlMappingNode root, string source)
    {
        var reader = new Reader(source);
        var limits = options.RateLimits;
        limits = limits with { Message = reader.Limit(root, "rc_message", limits.Message) };
        if (reader.Mapping(root, "rc_login") is { } login)
        {
            limits = limits with
            {
                LoginAddress = reader.Limit(login, "address", limits.LoginAddress, "rc_login."),
                LoginAccount = reader.Limit(login, "account", limits.LoginAccount, "rc_login."),
                LoginFailedAttempts = reader.Limit(login, "failed_attempts", limits.LoginFailedAttempts, "rc_login."),
            };
        }

        if (reader.Mapping(root, "rc_joins") is { } joins)
        {
            limits = limits with { JoinsLocal = reader.Limit(joins, "local", limits.JoinsLocal, "rc_joins.") };
        }

        if (reader.Mapping(root, "rc_invites") is { } invites)
        {
            limits = limits with
            {
                InvitesPerRoom = reader.Limit(invites, "per_room", limits.InvitesPerRoom, "rc_invites."),
                InvitesPerUser = reader.Limit(invites, "per_user", limits.InvitesPerUser, "rc_invites."),
            };
        }

        options = options with
        {
            ServerName = reader.String(root, "server_name") ?? options.ServerName,
            ServerVersion = reader.String(root, "server_version") ?? options.ServerVersion,
            RegistrationSharedSecret = reader.String(root, "registration_shared_secret") ?? options.RegistrationSharedSecret,
            RefreshableAccessTokenLifetime = reader.Duration(root, "refreshable_access_token_lifetime") ?? options.RefreshableAccessTokenLifetime,
            RateLimits = limits,
            Retention = reader.Mapping(root, "retention") is { } retention ? ReadRetention(retention, reader) : options.Retention,
        };
        return reader.Mapping(root, "solti_homeserver") is { } behaviour ? ApplyBehaviour(options, behaviour, reader) : options;
    }

    /// <summary>Synapse's checks: durations as everywhere, and neither minimum above its maximum.</summary>
    private static RetentionSettings ReadRetention(YamlMappingNode node, Reader reader)
    {
        var policy = reader.Mapping(node, "default_policy");
        var settings = new RetentionSettings
        {
            Enabled = reader.Bool(node, "enabled") ?? false,
            DefaultMinLifetime = policy is null ? null : reader.Duration(policy, "min_lifetime", "retention.default_policy."),
            DefaultMaxLifetime = policy is null ? null : reader.Duration(policy, "max_lifetime", "retention.default_policy."),
            AllowedLifetimeMin = reader.Duration(node, "allowed_lifetime_min", "retention."),
            AllowedLifetimeMax = reader.Duration(node, "allowed_lifetime_max", "retention."),
        };
        if (settings.DefaultMinLifetime > settings.DefaultMaxLifetime)
        {
            throw new ConfigurationException($"{reader.Source}: the default retention policy's 'min_lifetime' can not be greater than its 'max_lifetime'");
        }

        if (settings.AllowedLifetimeMin > settings.AllowedLifetimeMax)
        {
            throw new ConfigurationException($"{reader.Source}: invalid retention policy limits: 'allowed_lifetime_min' can not be greater than 'allowed_lifetime_max'");
        }

        return settings;
    }

    private static HomeserverOptions ApplyBehaviour(HomeserverOptions options, YamlMappingNode node, Reader reader)
    {
        foreach (var key in node.Children.Keys.Select(k => k.ToString()))
        {
            if (!BehaviourKeys.Contains(key))
            {
                throw new ConfigurationException($"{reader.Source}: unknown key solti_homeserver.{key} (expected one of {string.Join(", ", BehaviourKeys)})");
            }
        }

        var compat = reader.String(node, "compat") switch
        {
            null or "current" => options.Compatibility,
            "synapse-1.67" => Compatibility.Synapse167,
            var other => throw new ConfigurationException($"{reader.Source}: solti_homeserver.compat must be 'current' or 'synapse-1.67', got '{other}'"),
        };
        compat = compat with
        {
            TxnScope = reader.String(node, "txn_scope") switch
            {
                null => compat.TxnScope,
                "device" => TxnScope.Device,
                "access_token" => TxnScope.AccessToken,
                var other => throw new ConfigurationException($"{reader.Source}: solti_homeserver.txn_scope must be 'device' or 'access_token', got '{other}'"),
            },
            RetryAfterHeader = reader.Bool(node, "retry_after_header") ?? compat.RetryAfterHeader,
            Bare429 = reader.Bool(node, "bare_429") ?? compat.Bare429,
            LegacyAdminUserFormat = reader.Bool(node, "legacy_admin_user_format") ?? compat.LegacyAdminUserFormat,
        };
        var seeds = node.Children.TryGetValue(new YamlScalarNode("seed_users"), out var seedNode) && seedNode is YamlSequenceNode list
            ? list.Children.Select(n => SeedUser.Parse(n.ToString())).ToList()
            : [];
        var stepMs = reader.Number(node, "room_deletion_step_ms", "solti_homeserver.");
        return options with
        {
            Compatibility = compat,
            SeedUsers = [.. options.SeedUsers, .. seeds],
            RoomDeletionStepDelay = stepMs is { } ms ? TimeSpan.FromMilliseconds(ms) : options.RoomDeletionStepDelay,
        };
    }

    private sealed class Reader(string source)
    {
        public string Source => source;

        public YamlMappingNode? Mapping(YamlMappingNode parent, string key) =>
            Get(parent, key) switch
            {
                null => null,
                YamlMappingNode m => m,
                _ => throw new ConfigurationException($"{source}: {key} must be a mapping"),
            };

        public string? String(YamlMappingNode parent, string key) => Get(parent, key) is YamlScalarNode s ? s.Value : null;

        public bool? Bool(YamlMappingNode parent, string key) => String(parent, key) switch
        {
            null => null,
            "true" or "True" or "yes" => true,
            "false" or "False" or "no" => false,
            var other => throw new ConfigurationException($"{source}: {key} must be true or false, got '{other}'"),
        };

        public double? Number(YamlMappingNode parent, string key, string path = "") => String(parent, key) switch
        {
            null => null,
            var raw when double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0 => value,
            var raw => throw new ConfigurationException($"{source}: {path}{key} must be a non-negative number, got '{raw}'"),
        };

        public RateLimitSetting Limit(YamlMappingNode parent, string key, RateLimitSetting fallback, string path = "")
        {
            if (Mapping(parent, key) is not { } node)
            {
                return fallback;
            }

            return new RateLimitSetting(
                Number(node, "per_second", $"{path}{key}.") ?? fallback.PerSecond,
                Number(node, "burst_count", $"{path}{key}.") ?? fallback.BurstCount);
        }

        /// <summary>Synapse durations (its <c>parse_duration</c>): a whole number of milliseconds, or a whole number
        /// followed by one of s, m, h, d, w or y. Decimals such as <c>1.5h</c> are refused, as Synapse refuses them.</summary>
        public TimeSpan? Duration(YamlMappingNode parent, string key, string path = "")
        {
            var raw = String(parent, key);
            if (raw is null)
            {
                return null;
            }

            var multiplier = raw.Length == 0 ? 1L : raw[^1] switch
            {
                's' => 1000L,
                'm' => 60_000L,
                'h' => 3_600_000L,
                'd' => 86_400_000L,
                'w' => 604_800_000L,
                'y' => 31_536_000_000L,
                _ => 1L,
            };
            var digits = multiplier == 1 ? raw : raw[..^1];
            if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            {
                throw new ConfigurationException($"{source}: {path}{key} must be a duration like 5m, 30s or a whole number of milliseconds, got '{raw}'");
            }

            return TimeSpan.FromMilliseconds(count * (double)multiplier);
        }

        private static YamlNode? Get(YamlMappingNode parent, string key) =>
            parent.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : null;
    }
}
