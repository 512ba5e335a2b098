namespace Solti.Matrix.Ansible.Modules;

/// <summary><c>synapse_user_info</c>: one account, or a filtered list across every page. Read-only.</summary>
public sealed class SynapseUserInfoModule : IModule
{
    public string Name => "synapse_user_info";

    public ArgumentSpec Spec { get; } = new(new Dictionary<string, OptionSpec>(ConnectionOptions.SharedAdmin)
    {
        ["user_id"] = new(),
        ["name"] = new(),
        ["user_type"] = new(),
        ["admin"] = new(OptionType.Bool),
        ["deactivated"] = new(OptionType.Bool) { Default = false },
        ["limit"] = new(OptionType.Int),
    });

    public async Task<JsonObject> RunAsync(AnsibleModule module, CancellationToken cancellationToken)
    {
        var limit = ModuleInputs.Limit(module);
        var wanted = module.Str("user_id") is { } given ? MatrixId.Require(MatrixIdKind.User, given, "user_id") : null;

        var (client, admin) = ConnectionOptions.AdminClient(module);
        using var _ = client;
        if (wanted is { } userId)
        {
            var user = await admin.GetUserAsync(userId, cancellationToken);
            return new JsonObject { ["changed"] = false, ["user"] = user, ["users"] = new JsonArray([.. user is null ? [] : new[] { (JsonNode)user.DeepClone() }]), ["total"] = user is null ? 0 : 1, ["count"] = user is null ? 0 : 1 };
        }

        // Synapse filters by name, admin flag and deactivation; the user type (and, through MAS, the admin flag) is filtered here.
        var query = new List<string>();
        if (module.Params["admin"] is JsonValue adminFlag && await admin.MasAsync(cancellationToken) is null) // through MAS, MAS's flag (filtered below)
        {
            query.Add("admins=" + (adminFlag.GetValueKind() == JsonValueKind.True ? "true" : "false"));
        }

        query.Add("deactivated=" + (module.Bool("deactivated") ? "true" : "false"));
        var userType = module.Str("user_type");
        var (users, _) = await admin.ListUsersAsync(module.Str("name"), userType is null ? limit : int.MaxValue, string.Join('&', query), cancellationToken);
        var selected = users
            .Where(u => userType is null || (u["user_type"] is JsonValue t ? t.GetValue<string>() : "none") == userType)
            .Where(u => module.Params["admin"] is not JsonValue a || (u["admin"] is JsonValue ua && Flag(ua) == (a.GetValueKind() == JsonValueKind.True)))
            .Take(limit)
            .ToList();
        return new JsonObject { ["changed"] = false, ["users"] = new JsonArray([.. selected]), ["total"] = selected.Count, ["count"] = selected.Count };
    }

    /// <summary>Synapse 1.67 answers 0/1 in lists.</summary>
    private static bool Flag(JsonValue value) => value.GetValueKind() switch
    {
        JsonValueKind.True => true,
        JsonValueKind.Number => value.ToJsonString() != "0",
        _ => false,
    };
}
