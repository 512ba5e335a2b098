using Solti.Matrix.Accounts;

namespace Solti.Matrix.Ansible.Modules;

/// <summary><c>synapse_info</c>: homeserver facts (version, users, rooms, registration tokens, background updates), every page up to
/// <c>limit</c>, and always who signs users in and the optional features the server advertises. Read-only: never
/// changed.</summary>
public sealed class SynapseInfoModule : IModule
{
    private static readonly string[] Facts = ["version", "users", "rooms", "registration_tokens", "background_updates", "all"];

    public string Name => "synapse_info";

    public ArgumentSpec Spec { get; } = new(new Dictionary<string, OptionSpec>(ConnectionOptions.SharedAdmin)
    {
        ["gather"] = new(OptionType.List) { Elements = OptionType.Str, Choices = Facts, Default = new JsonArray("version") },
        ["users_filter"] = new(),
        ["rooms_filter"] = new(),
        ["limit"] = new(OptionType.Int) { Default = 100 },
    });

    public async Task<JsonObject> RunAsync(AnsibleModule module, CancellationToken cancellationToken)
    {
        var gather = (module.Params["gather"] as JsonArray ?? []).Select(g => g!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
        var limit = ModuleInputs.Limit(module, unset: 100);

        bool Wants(string fact) => gather.Contains(fact) || gather.Contains("all");
        var (client, admin) = ConnectionOptions.AdminClient(module);
        using var _ = client;
        var features = await client.FeaturesAsync(cancellationToken);
        var result = new JsonObject
        {
            ["changed"] = false,
            ["auth"] = features.Authentication.Kind,
            ["mas_issuer"] = features.Authentication.Issuer,
            ["features"] = features.ToJson(),
        };
        if (Wants("version"))
        {
            result["version"] = await admin.ServerVersionAsync(cancellationToken);
        }

        if (Wants("users"))
        {
            var (users, total) = await (await admin.AccountsAsync(cancellationToken)).ListAsync(new AccountQuery(module.Str("users_filter"), Cap: limit), cancellationToken);
            result["users"] = new JsonArray([.. users.Select(u => (JsonNode)u.ToJson())]);
            result["users_total"] = total;
        }

        if (Wants("rooms"))
        {
            var (rooms, total) = await admin.ListRoomsAsync(module.Str("rooms_filter"), limit, cancellationToken);
            result["rooms"] = new JsonArray([.. rooms]);
            result["rooms_total"] = total;
        }

        if (Wants("registration_tokens"))
        {
            result["registration_tokens"] = new JsonArray([.. (await (await admin.AccountsAsync(cancellationToken)).ListRegistrationTokensAsync(cancellationToken)).Select(t => (JsonNode)t.ToJson())]);
        }

        if (Wants("background_updates"))
        {
            result["background_updates"] = await admin.BackgroundUpdatesAsync(cancellationToken);
        }

        return result;
    }
}
