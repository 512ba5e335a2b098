namespace Solti.Matrix.Ansible.Modules;

/// <summary><c>synapse_device_info</c>: audit a user's devices and optionally revoke the matched ones in bulk,
/// never the N most recently seen (<c>keep_latest</c>) and never the device this module itself is using.</summary>
public sealed class SynapseDeviceInfoModule : IModule
{
    public string Name => "synapse_device_info";

    public ArgumentSpec Spec { get; } = new(new Dictionary<string, OptionSpec>(ConnectionOptions.SharedAdmin)
    {
        ["user_id"] = new() { Required = true },
        ["user_agent_filter"] = new(),
        ["display_name_filter"] = new(),
        ["older_than_days"] = new(OptionType.Int),
        ["keep_latest"] = new(OptionType.Int) { Default = 0 },
        ["revoke_matched"] = new(OptionType.Bool) { Default = false },
    });

    public async Task<JsonObject> RunAsync(AnsibleModule module, CancellationToken cancellationToken)
    {
        var userId = MatrixId.Require(MatrixIdKind.User, module.Str("user_id"), "user_id");

        var olderThanDays = (long?)module.Number("older_than_days");
        var keepLatest = (int)(module.Number("keep_latest") ?? 0);
        if (olderThanDays < 0 || keepLatest < 0)
        {
            throw new ModuleFailedException("older_than_days and keep_latest must be zero or more");
        }

        var (client, admin) = ConnectionOptions.AdminClient(module);
        using var _ = client;
        var accounts = await admin.AccountsAsync(cancellationToken);
        var devices = (await accounts.DevicesAsync(userId, cancellationToken)).Select(d => d.ToJson()).ToList();
        var own = await client.WhoAmIAsync(cancellationToken);
        var filter = new DeviceFilter(module.Str("user_agent_filter"), module.Str("display_name_filter"), olderThanDays, DateTimeOffset.UtcNow);
        var matched = devices.Where(filter.Matches).ToList();

        var protectedIds = devices
            .OrderByDescending(d => LastSeen(d) ?? long.MinValue)
            .Take(keepLatest)
            .Select(Id)
            .ToHashSet(StringComparer.Ordinal);
        if (own["user_id"]?.GetValue<string>() == userId && own["device_id"]?.GetValue<string>() is { } ownDevice)
        {
            protectedIds.Add(ownDevice);
        }

        var revocable = matched.Where(d => !protectedIds.Contains(Id(d))).Select(Id).ToList();
        var revoke = module.Bool("revoke_matched") && revocable.Count > 0;
        if (revoke && !module.CheckMode)
        {
            await accounts.DeleteDevicesAsync(userId, revocable, cancellationToken);
        }

        var result = new JsonObject
        {
            ["changed"] = revoke,
            ["devices"] = new JsonArray([.. devices.Select(d => d.DeepClone())]),
            ["total_devices"] = devices.Count,
            ["matched_devices"] = new JsonArray([.. matched.Select(d => d.DeepClone())]),
            ["matched_count"] = matched.Count,
            ["revoked_devices"] = new JsonArray([.. (revoke ? revocable : []).Select(id => (JsonNode)id)]),
            ["protected_devices"] = new JsonArray([.. matched.Select(Id).Where(protectedIds.Contains).Select(id => (JsonNode)id)]),
        };
        if (module.DiffMode && revoke)
        {
            var before = devices.Select(Id).Order(StringComparer.Ordinal).ToList();
            result["diff"] = new JsonObject
            {
                ["before"] = new JsonObject { ["devices"] = new JsonArray([.. before.Select(id => (JsonNode)id)]) },
                ["after"] = new JsonObject { ["devices"] = new JsonArray([.. before.Except(revocable).Select(id => (JsonNode)id)]) },
            };
        }

        return result;
    }

    private static string Id(JsonObject device) => device["device_id"]!.GetValue<string>();

    private static long? LastSeen(JsonObject device) =>
        device["last_seen_ts"] is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? (long)v.GetValue<double>() : null;

    /// <summary>All given filters must match. <c>older_than_days: 0</c> keeps upstream's meaning: never seen.</summary>
    private sealed record DeviceFilter(string? UserAgent, string? DisplayName, long? OlderThanDays, DateTimeOffset Now)
    {
        public bool Matches(JsonObject device)
        {
            if (UserAgent is not null && !Contains(device["last_seen_user_agent"], UserAgent))
            {
                return false;
            }

            if (DisplayName is not null && !Contains(device["display_name"], DisplayName))
            {
                return false;
            }

            if (OlderThanDays is not { } days)
            {
                return true;
            }

            var lastSeen = LastSeen(device);
            return days == 0 ? lastSeen is null : lastSeen is null || lastSeen < Now.AddDays(-days).ToUnixTimeMilliseconds();
        }

        private static bool Contains(JsonNode? value, string part) =>
            value is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>().Contains(part, StringComparison.OrdinalIgnoreCase);
    }
}
