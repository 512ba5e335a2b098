using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Solti.Matrix.Homeserver.Configuration;

/// <summary>Reads a YAML config with Synapse's key names (<c>server_name</c>, <c>rc_message</c>, <c>rc_login</c>, …)
/// plus our behaviour switches under <c>solti_homeserver</c>. Unknown keys under our section are errors.</summary>
public static class ConfigFile
{
    private static readonly string[] BehaviourKeys =
        ["compat", "txn_scope", "retry_after_header", "bare_429", "legacy_admin_user_format", "room_deletion_step_ms", "seed_users", "mas"];

    /// <summary>Synapse's <c>matrix_authentication_service</c> keys (its <c>MasConfigModel</c>).</summary>
    private static readonly string[] MasServiceKeys = ["enabled", "endpoint", "secret", "secret_path", "force_http2"];

    /// <summary>Our MAS emulation's settings under <c>solti_homeserver.mas</c>.</summary>
    private static readonly string[] MasKeys = ["issuer", "passwords_enabled", "clients", "admin_clients", "compat_token_ttl", "access_token_ttl"];

    private static readonly string[] MasClientKeys = ["client_id", "client_secret", "client_auth_method"];

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
            ServerNotices = reader.Mapping(root, "server_notices") is { } notices ? ReadServerNotices(notices, reader) : options.ServerNotices,
            AccountValidity = reader.Mapping(root, "account_validity") is { } validity ? ReadAccountValidity(validity, reader) : options.AccountValidity,
            SyncResponseCacheDuration = reader.Mapping(root, "caches") is { } caches
                ? reader.Duration(caches, "sync_response_cache_duration", "caches.") ?? options.SyncResponseCacheDuration
                : options.SyncResponseCacheDuration,
        };
        var enabled = reader.Mapping(root, "matrix_authentication_service") is { } service ? ReadMasService(service, reader) : (bool?)null;
        var behaviour = reader.Mapping(root, "solti_homeserver");
        options = behaviour is null ? options : ApplyBehaviour(options, behaviour, reader);
        if (reader.String(root, "default_room_version") is { } roomVersion)
        {
            // As Synapse refuses to start: "Unknown default_room_version".
            options = options.Compatibility.RoomVersions.Contains(roomVersion)
                ? options with { DefaultRoomVersion = roomVersion }
                : throw new ConfigurationException($"{source}: Unknown default_room_version: {roomVersion}, known room versions: {string.Join(", ", options.Compatibility.RoomVersions)}");
        }

        var emulation = behaviour is not null && reader.Mapping(behaviour, "mas") is { } mas ? ReadMas(mas, reader) : null;
        return enabled switch
        {
            true => options with { AuthenticationService = emulation ?? options.AuthenticationService ?? new DelegatedAuthentication() },
            false => options with { AuthenticationService = null },
            null => options,
        };
    }

    /// <summary>Whether <c>matrix_authentication_service</c> enables delegation. <c>endpoint</c> and the secret are
    /// accepted (the emulated MAS is in-process); as in Synapse, an enabled section needs exactly one of <c>secret</c> and
    /// <c>secret_path</c>.</summary>
    private static bool ReadMasService(YamlMappingNode node, Reader reader)
    {
        reader.OnlyKeys(node, "matrix_authentication_service", MasServiceKeys);
        var enabled = reader.Bool(node, "enabled") ?? false;
        reader.Bool(node, "force_http2");
        if (enabled && (reader.String(node, "secret") is null) == (reader.String(node, "secret_path") is null))
        {
            throw new ConfigurationException($"{reader.Source}: matrix_authentication_service needs exactly one of 'secret' and 'secret_path' when enabled");
        }

        if (reader.String(node, "endpoint") is { } endpoint && !Uri.TryCreate(endpoint, UriKind.Absolute, out _))
        {
            throw new ConfigurationException($"{reader.Source}: matrix_authentication_service.endpoint must be an absolute URL, got '{endpoint}'");
        }

        return enabled;
    }

    /// <summary><c>solti_homeserver.mas</c>: the emulated MAS (used when <c>matrix_authentication_service.enabled</c>).</summary>
    private static DelegatedAuthentication ReadMas(YamlMappingNode node, Reader reader)
    {
        const string Path = "solti_homeserver.mas.";
        reader.OnlyKeys(node, "solti_homeserver.mas", MasKeys);
        Uri? issuer = null;
        if (reader.String(node, "issuer") is { } raw && (!Uri.TryCreate(raw, UriKind.Absolute, out issuer) || !raw.EndsWith('/')))
        {
            throw new ConfigurationException($"{reader.Source}: {Path}issuer must be an absolute URL ending in '/', got '{raw}'");
        }

        var clients = new List<MasClient>();
        foreach (var item in reader.Sequence(node, "clients", Path))
        {
            if (item is not YamlMappingNode client)
            {
                throw new ConfigurationException($"{reader.Source}: {Path}clients entries must be mappings");
            }

            reader.OnlyKeys(client, Path + "clients[]", MasClientKeys);
            var id = reader.String(client, "client_id") ?? throw new ConfigurationException($"{reader.Source}: {Path}clients[].client_id is required");
            if (!Mas.Ulid.IsValid(id))
            {
                throw new ConfigurationException($"{reader.Source}: {Path}clients[].client_id must be a ULID, got '{id}'");
            }

            var method = reader.String(client, "client_auth_method") ?? MasClient.SecretBasic;
            if (method is not (MasClient.SecretBasic or MasClient.SecretPost))
            {
                throw new ConfigurationException($"{reader.Source}: {Path}clients[].client_auth_method must be client_secret_basic or client_secret_post, got '{method}'");
            }

            var secret = reader.String(client, "client_secret") ?? throw new ConfigurationException($"{reader.Source}: {Path}clients[].client_secret is required");
            clients.Add(new MasClient(id, secret, method));
        }

        var defaults = new DelegatedAuthentication();
        return new DelegatedAuthentication(issuer, reader.Bool(node, "passwords_enabled") ?? true)
        {
            Clients = clients,
            AdminClients = [.. reader.Sequence(node, "admin_clients", Path).Select(n => n.ToString())],
            CompatTokenTtl = reader.Duration(node, "compat_token_ttl", Path) ?? defaults.CompatTokenTtl,
            AccessTokenTtl = reader.Duration(node, "access_token_ttl", Path) ?? defaults.AccessTokenTtl,
        };
    }

    /// <summary><c>server_notices</c>: enabled by <c>system_mxid_localpart</c>, as in Synapse (without it the section is off).</summary>
    private static ServerNoticesSettings? ReadServerNotices(YamlMappingNode node, Reader reader)
    {
        if (reader.String(node, "system_mxid_localpart") is not { Length: > 0 } localpart)
        {
            return null;
        }

        var defaults = new ServerNoticesSettings(localpart);
        return defaults with
        {
            SystemMxidDisplayName = reader.String(node, "system_mxid_display_name"),
            SystemMxidAvatarUrl = reader.String(node, "system_mxid_avatar_url"),
            RoomName = reader.String(node, "room_name") ?? defaults.RoomName,
            RoomTopic = reader.String(node, "room_topic"),
            AutoJoin = reader.Bool(node, "auto_join") ?? false,
        };
    }

    /// <summary>Synapse's check: an enabled section needs its <c>period</c>. The email settings are accepted and unused.</summary>
    private static AccountValiditySettings ReadAccountValidity(YamlMappingNode node, Reader reader)
    {
        var settings = new AccountValiditySettings
        {
            Enabled = reader.Bool(node, "enabled") ?? false,
            Period = reader.Duration(node, "period", "account_validity."),
        };
        return settings.Enabled && settings.Period is null
            ? throw new ConfigurationException($"{reader.Source}: 'period' is required when using account validity")
            : settings;
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

        public void OnlyKeys(YamlMappingNode node, string path, string[] allowed)
        {
            foreach (var key in node.Children.Keys.Select(k => k.ToString()))
            {
                if (!allowed.Contains(key))
                {
                    throw new ConfigurationException($"{source}: unknown key {path}.{key} (expected one of {string.Join(", ", allowed)})");
                }
            }
        }

        public IEnumerable<YamlNode> Sequence(YamlMappingNode parent, string key, string path = "") =>
            Get(parent, key) switch
            {
                null => [],
                YamlSequenceNode list => list.Children,
                _ => throw new ConfigurationException($"{source}: {path}{key} must be a list"),
            };

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
