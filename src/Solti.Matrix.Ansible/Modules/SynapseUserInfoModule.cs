using Solti.Matrix.Accounts;

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
        var accounts = await admin.AccountsAsync(cancellationToken);
        if (wanted is { } userId)
        {
            var user = (await accounts.GetAsync(userId, cancellationToken))?.ToJson();
            return new JsonObject { ["changed"] = false, ["user"] = user, ["users"] = new JsonArray([.. user is null ? [] : new[] { (JsonNode)user.DeepClone() }]), ["total"] = user is null ? 0 : 1, ["count"] = user is null ? 0 : 1 };
        }

        // The authority filters by name, admin flag and deactivation; the user type is filtered here.
        var userType = module.Str("user_type");
        var admins = module.Params["admin"] is JsonValue adminFlag ? adminFlag.GetValueKind() == JsonValueKind.True : (bool?)null;
        var (users, _) = await accounts.ListAsync(new AccountQuery(module.Str("name"), admins, module.Bool("deactivated"), userType is null ? limit : int.MaxValue), cancellationToken);
        var selected = users
            .Where(u => userType is null || (u.UserType ?? "none") == userType)
            .Take(limit)
            .Select(u => (JsonNode)u.ToJson())
            .ToList();
        return new JsonObject { ["changed"] = false, ["users"] = new JsonArray([.. selected]), ["total"] = selected.Count, ["count"] = selected.Count };
    }
}
