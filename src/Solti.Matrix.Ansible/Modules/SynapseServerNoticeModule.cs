using Solti.Matrix.Errors;

namespace Solti.Matrix.Ansible.Modules;

/// <summary><c>synapse_server_notice</c>: a server notice to a list of users, or to every local user whose id matches a
/// glob (<c>@*:example.com</c>; deactivated users skipped and counted), one <c>PUT</c> per user with its own
/// transaction id (<see cref="SynapseAdminClient.SendServerNoticeAsync"/>): a retry never sends twice, 429s are waited
/// out by the pipeline. A failure mid-way reports who got the notice and who did not, so a rerun can take the rest. An
/// action: <c>changed</c> whenever it sends; check mode lists the users and sends nothing.</summary>
public sealed class SynapseServerNoticeModule : IModule
{
    public string Name => "synapse_server_notice";

    public ArgumentSpec Spec { get; } = new(new Dictionary<string, OptionSpec>(ConnectionOptions.SharedAdmin)
    {
        ["user_ids"] = new(OptionType.List) { Elements = OptionType.Str },
        ["user_pattern"] = new(),
        ["content"] = new(OptionType.Raw) { Required = true },
    })
    {
        MutuallyExclusive = [["user_ids", "user_pattern"]],
        RequiredOneOf = [["user_ids", "user_pattern"]],
    };

    public async Task<JsonObject> RunAsync(AnsibleModule module, CancellationToken cancellationToken)
    {
        var content = Content(module.Params["content"]);
        var pattern = module.Str("user_pattern");
        IReadOnlyList<string> users = pattern is null ? [.. ModuleInputs.UserIds(module, "user_ids").Distinct(StringComparer.Ordinal)] : [];
        if (pattern is { Length: 0 } || pattern?.StartsWith('@') == false)
        {
            throw new ModuleFailedException($"user_pattern must be a glob on the full user id such as @*:example.com ('*' any characters, '?' one), got '{pattern}'");
        }

        var result = new JsonObject();
        if (pattern is null && module.CheckMode)
        {
            return Done(result, users, [], changed: users.Count > 0);
        }

        var (client, admin) = ConnectionOptions.AdminClient(module);
        using var _ = client;
        if (pattern is not null)
        {
            (users, var skipped) = await admin.NoticeRecipientsAsync(pattern, cancellationToken);
            result["skipped_deactivated"] = skipped;
        }

        if (module.CheckMode)
        {
            return Done(result, users, [], changed: users.Count > 0);
        }

        var eventIds = new List<string>();
        try
        {
            await admin.SendServerNoticesAsync(users, content, eventIds, cancellationToken);
        }
        catch (MatrixException e)
        {
            var index = eventIds.Count;
            var partial = Done(new JsonObject { ["errcode"] = e.Errcode, ["status"] = e.Status }, [.. users.Take(index)], eventIds, changed: index > 0);
            partial["failed_user"] = users[index];
            partial["remaining"] = new JsonArray([.. users.Skip(index).Select(u => (JsonNode)u)]);
            throw new ModuleFailedException($"the notice to {users[index]} failed after {index} of {users.Count} users got it ({ModuleHost.Describe(e)}); " +
                "users lists who got it and remaining who did not: rerun with user_ids set to remaining", partial);
        }

        return Done(result, users, eventIds, changed: eventIds.Count > 0);
    }

    private static JsonObject Done(JsonObject result, IReadOnlyList<string> users, List<string> eventIds, bool changed)
    {
        result["changed"] = changed;
        result["users"] = new JsonArray([.. users.Select(u => (JsonNode)u)]);
        result["event_ids"] = new JsonArray([.. eventIds.Select(e => (JsonNode)e)]);
        return result;
    }

    /// <summary>The notice's content: a dict as given, a string as a plain text message.</summary>
    private static JsonObject Content(JsonNode? content) => content switch
    {
        JsonObject dict when dict.Count > 0 => (JsonObject)dict.DeepClone(),
        JsonValue text when text.GetValueKind() == JsonValueKind.String && text.GetValue<string>().Length > 0 =>
            new JsonObject { ["msgtype"] = "m.text", ["body"] = text.GetValue<string>() },
        _ => throw new ModuleFailedException("content must be an m.room.message content such as {msgtype: m.text, body: ...}, or a string (sent as m.text)"),
    };
}
