using Solti.Matrix.Accounts;
using Solti.Matrix.Config;

namespace Solti.Matrix.Ansible.Modules;

/// <summary><c>synapse_user_info</c>: one account, or a filtered list across every page, with the filters of Synapse's
/// <c>GET /v2/users</c> (<see cref="AccountQuery"/>: sent to the server, and applied to its answer too, since older releases
/// ignore the filters they do not know). Read-only.</summary>
public sealed class SynapseUserInfoModule : IModule
{
    public string Name => "synapse_user_info";

    public ArgumentSpec Spec { get; } = new(new Dictionary<string, OptionSpec>(ConnectionOptions.SharedAdmin)
    {
        ["user_id"] = new(),
        ["user_id_contains"] = new(),
        ["name"] = new(),
        ["user_type"] = new(),
        ["not_user_types"] = new(OptionType.List) { Elements = OptionType.Str },
        ["admin"] = new(OptionType.Bool),
        ["deactivated"] = new(OptionType.Bool) { Default = false },
        ["guests"] = new(OptionType.Bool),
        ["locked"] = new(OptionType.Bool) { Default = false },
        ["order_by"] = new() { Choices = ["name", "is_guest", "admin", "user_type", "deactivated", "shadow_banned", "displayname", "avatar_url", "creation_ts", "last_seen_ts"] },
        ["dir"] = new() { Default = "f", Choices = ["f", "b"] },
        ["limit"] = new(OptionType.Int),
    });

    public async Task<JsonObject> RunAsync(AnsibleModule module, CancellationToken cancellationToken)
    {
        var limit = ModuleInputs.Limit(module);
        var wanted = module.Str("user_id") is { } given ? MatrixId.Require(MatrixIdKind.User, given, "user_id") : null;
        var query = new AccountQuery(module.Str("name"), Flag(module, "admin"), module.Bool("deactivated"), limit)
        {
            UserId = module.Str("user_id_contains"),
            Guests = Flag(module, "guests"),
            Locked = module.Bool("locked"),
            UserTypes = module.Str("user_type") is { } type ? [Type(type, "user_type")] : null,
            NotUserTypes = module.Params["not_user_types"] is JsonArray not ? [.. not.Select((t, i) => Type(t?.GetValue<string>(), $"not_user_types[{i}]"))] : null,
            OrderBy = module.Str("order_by"),
            Backwards = module.Str("dir") == "b",
        };

        var (client, admin) = ConnectionOptions.AdminClient(module);
        using var _ = client;
        var accounts = await admin.AccountsAsync(cancellationToken);
        if (wanted is { } userId)
        {
            var user = (await accounts.GetAsync(userId, cancellationToken))?.ToJson();
            var found = user is null ? 0 : 1;
            return new JsonObject { ["changed"] = false, ["user"] = user, ["users"] = new JsonArray([.. user is null ? [] : new[] { (JsonNode)user.DeepClone() }]), ["total"] = found, ["count"] = found, ["matched"] = found };
        }

        var (users, matched) = await accounts.ListAsync(query, cancellationToken);
        return new JsonObject
        {
            ["changed"] = false,
            ["users"] = new JsonArray([.. users.Select(u => (JsonNode)u.ToJson())]),
            ["total"] = users.Count,
            ["count"] = users.Count,
            ["matched"] = matched,
        };
    }

    private static bool? Flag(AnsibleModule module, string option) =>
        module.Params[option] is JsonValue flag ? flag.GetValueKind() == JsonValueKind.True : null;

    /// <summary>A user type filter: <c>bot</c>, <c>support</c>, or <c>none</c> for regular accounts (Synapse's empty string).</summary>
    private static string Type(string? text, string option) => UserTypes.TryParse(text, out var type)
        ? type ?? ""
        : throw new ModuleFailedException($"{option} must be {UserTypes.Expected}, got '{text}'");
}
