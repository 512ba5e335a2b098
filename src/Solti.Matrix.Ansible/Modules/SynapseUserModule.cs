using Solti.Matrix.Config;

namespace Solti.Matrix.Ansible.Modules;

/// <summary><c>synapse_user</c>: ensure one account. The task's options are one <see cref="DesiredUser"/>, planned by
/// <see cref="UserPlanner"/> as <c>matrix_config</c> plans its users (<see cref="EngineRun"/>): only the fields the task
/// sets are compared; a password is sent only on create or with <c>update_password: always</c>; the rate-limit override
/// is read, compared and written only when it differs; <c>absent</c> deactivates (and with <c>erase</c> erases).
/// <c>access_token</c> in the result is a token reference to the admin session the task used (the Python collection
/// returned that session's token), or the token itself with <c>return_access_token</c>. <c>shadow_banned</c> is compared and
/// converged in the plan like the other fields; the redaction of the user's events (<c>redact_events</c>) and the account's
/// expiry (<c>account_validity_expires_at</c>) are actions run after the plan, <c>changed</c> each time they run (Synapse
/// cannot say whether a redaction would find anything, and has no read of an account's expiry).</summary>
public sealed class SynapseUserModule : IModule
{
    private static readonly string[] Fields = ["displayname", "admin", "user_type", "deactivated", "avatar_url"];

    public string Name => "synapse_user";

    public ArgumentSpec Spec { get; } = new(new Dictionary<string, OptionSpec>(ConnectionOptions.SharedAdmin)
    {
        ["user_id"] = new() { Required = true },
        ["state"] = new() { Default = "present", Choices = ["present", "absent"] },
        ["password"] = new() { NoLog = true },
        ["update_password"] = new() { Default = "on_create", Choices = ["always", "on_create"] },
        ["logout_devices"] = new(OptionType.Bool) { Default = false },
        ["displayname"] = new(),
        ["admin"] = new(OptionType.Bool),
        ["user_type"] = new(),
        ["deactivated"] = new(OptionType.Bool),
        ["erase"] = new(OptionType.Bool) { Default = false },
        ["avatar_url"] = new(),
        ["ratelimit_override"] = new(OptionType.Raw),
        ["return_access_token"] = new(OptionType.Bool) { Default = false },
        ["shadow_banned"] = new(OptionType.Bool),
        ["redact_events"] = new(OptionType.Bool) { Default = false },
        ["redact_rooms"] = new(OptionType.List) { Elements = OptionType.Str },
        ["redact_reason"] = new(),
        ["redact_limit"] = new(OptionType.Int),
        ["wait"] = new(OptionType.Bool) { Default = true },
        ["account_validity_expires_at"] = new(OptionType.Raw),
        ["account_validity_renewal_emails"] = new(OptionType.Bool),
    });

    public async Task<JsonObject> RunAsync(AnsibleModule module, CancellationToken cancellationToken)
    {
        var user = Desired(module); // validated before anything is read or written
        var redactRooms = RedactRooms(module);
        var expiresAt = ExpiresAt(module, user, DateTimeOffset.UtcNow);
        var (client, admin) = ConnectionOptions.AdminClient(module);
        using var _ = client;
        if (expiresAt is not null && await admin.AccountValidityRefusalAsync(cancellationToken) is { } refusal)
        {
            throw new ModuleFailedException("account_validity_expires_at: " + refusal);
        }

        var domain = user.UserId[(user.UserId.IndexOf(':', StringComparison.Ordinal) + 1)..];
        var plan = await EngineRun.ConvergeAsync(module, admin, new DesiredState(domain, [user], [], Tokens: false), cancellationToken);
        var item = plan.Users[0];
        var changed = plan.Changed;
        var account = item.Server;
        if (!user.Present && changed && !module.CheckMode)
        {
            account = (await (await admin.AccountsAsync(cancellationToken)).GetAsync(user.UserId, cancellationToken))?.ToJson(); // as deactivated (and erased)
        }

        var result = new JsonObject { ["changed"] = changed, ["user"] = account?.DeepClone() ?? (user.Present ? Planned(user) : null) };
        if (user.Present)
        {
            result["changes"] = EngineRun.Changes(item);
        }

        EngineRun.AddDiff(module, result, item);
        if (redactRooms is not null)
        {
            await RedactAsync(module, admin, user.UserId, redactRooms, result, cancellationToken);
        }

        if (expiresAt is { } expiry)
        {
            await ExpireAsync(module, admin, user.UserId, expiry, result, cancellationToken);
        }

        await ConnectionOptions.ReturnedTokenAsync(module, client, result, cancellationToken);
        return result;
    }

    /// <summary>Starts the redaction of the user's events (an action: <c>changed</c> each time) and, with <c>wait</c>,
    /// follows it to <c>complete</c>; a <c>failed</c> task fails the module. Check mode asks nothing.</summary>
    private static async Task RedactAsync(AnsibleModule module, SynapseAdminClient admin, string userId, IReadOnlyList<string> rooms, JsonObject result, CancellationToken cancellationToken)
    {
        result["changed"] = true;
        Changed(result, "redact_events");
        if (module.CheckMode)
        {
            result["redact_id"] = null;
            return;
        }

        var limit = module.Number("redact_limit") is { } n ? (int)n : (int?)null;
        var redactId = await admin.RedactUserEventsAsync(userId, rooms, module.Str("redact_reason"), limit, cancellationToken);
        result["redact_id"] = redactId;
        if (!module.Bool("wait"))
        {
            return;
        }

        var status = await admin.WaitForRedactionAsync(redactId, cancellationToken);
        result["redaction"] = status;
        switch (status["status"]?.GetValue<string>())
        {
            case "failed":
                throw new ModuleFailedException($"the redaction of {userId}'s events ({redactId}) failed", new JsonObject { ["changed"] = true, ["redact_id"] = redactId, ["redaction"] = status.DeepClone() });
            case not "complete":
                throw new ModuleFailedException($"the redaction of {userId}'s events ({redactId}) is still running at the end of the call's time budget (timeout); it goes on in the background (a larger timeout waits longer)", new JsonObject { ["changed"] = true, ["redact_id"] = redactId, ["redaction"] = status.DeepClone() });
        }
    }

    /// <summary>Sets the account's expiry (an action: Synapse's admin API cannot read it back).</summary>
    private static async Task ExpireAsync(AnsibleModule module, SynapseAdminClient admin, string userId, long expiry, JsonObject result, CancellationToken cancellationToken)
    {
        result["changed"] = true;
        Changed(result, "account_validity");
        var emails = module.Params["account_validity_renewal_emails"] is JsonValue v ? v.GetValueKind() == JsonValueKind.True : (bool?)null;
        result["expiration_ts"] = module.CheckMode ? expiry : await admin.SetAccountExpiryAsync(userId, expiry, emails, cancellationToken);
    }

    private static void Changed(JsonObject result, string what)
    {
        if (result["changes"] is JsonArray changes)
        {
            changes.Add((JsonNode)what);
        }
        else
        {
            result["changes"] = new JsonArray((JsonNode)what);
        }
    }

    /// <summary><c>redact_rooms</c> (room ids; none: every room) when <c>redact_events</c> is set, else null.</summary>
    private static List<string>? RedactRooms(AnsibleModule module)
    {
        var rooms = module.Params["redact_rooms"] as JsonArray;
        if (!module.Bool("redact_events"))
        {
            return rooms is null && module.Str("redact_reason") is null && module.Params["redact_limit"] is null
                ? null
                : throw new ModuleFailedException("redact_rooms, redact_reason and redact_limit need redact_events: true");
        }

        if (module.Number("redact_limit") is < 1 and var limit)
        {
            throw new ModuleFailedException($"redact_limit must be 1 or more, got {limit}");
        }

        return [.. (rooms ?? []).Select((r, i) => MatrixId.Require(MatrixIdKind.Room, r?.GetValue<string>(), $"redact_rooms[{i}]"))];
    }

    /// <summary><c>account_validity_expires_at</c> as milliseconds since the epoch: a number of milliseconds, an ISO 8601
    /// date or time (UTC unless it says otherwise), or a duration from <paramref name="now"/> (<c>30d</c>, <c>12h</c>;
    /// s, m, h, d, w or y).</summary>
    internal static long? ExpiresAt(AnsibleModule module, DesiredUser user, DateTimeOffset now)
    {
        if (module.Params["account_validity_expires_at"] is not { } given)
        {
            return module.Params["account_validity_renewal_emails"] is null ? null
                : throw new ModuleFailedException("account_validity_renewal_emails needs account_validity_expires_at");
        }

        if (!user.Present)
        {
            throw new ModuleFailedException("account_validity_expires_at needs state: present");
        }

        var text = given is JsonValue v && v.GetValueKind() is JsonValueKind.String or JsonValueKind.Number ? (v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString()) : null;
        return AdminArguments.Expiry(text, now, out var problem) ?? throw new ModuleFailedException("account_validity_expires_at must be a timestamp in milliseconds, an ISO 8601 date or a duration from now such as 30d: " + problem);
    }

    /// <summary>The task as one desired account; <c>user_type</c> and <c>ratelimit_override</c> are read by the same rules
    /// as in <c>matrix_config</c> (<see cref="UserTypes"/>, <see cref="RatelimitOverrides"/>).</summary>
    private static DesiredUser Desired(AnsibleModule module)
    {
        var userId = MatrixId.Require(MatrixIdKind.User, module.Str("user_id"), "user_id");
        var fields = new JsonObject();
        foreach (var field in Fields)
        {
            if (module.Params[field] is { } value)
            {
                fields[field] = value.DeepClone();
            }
        }

        if (fields["user_type"] is JsonValue type)
        {
            fields["user_type"] = UserTypes.TryParse(type.GetValue<string>(), out var parsed)
                ? parsed
                : throw new ModuleFailedException($"user_type must be {UserTypes.Expected}, got '{type.GetValue<string>()}'");
        }

        var problems = new List<string>();
        var ratelimit = RatelimitOverrides.Parse(module.Params["ratelimit_override"], "ratelimit_override", problems);
        if (problems.Count > 0)
        {
            throw new ModuleFailedException($"ratelimit_override must be {{messages_per_second: N, burst_count: N}} with non-negative integers, {{}} or 'absent' ({problems[0]})");
        }

        if (module.Str("state") == "absent" && module.Params["shadow_banned"] is not null)
        {
            throw new ModuleFailedException("shadow_banned needs state: present");
        }

        var password = module.Str("password");
        return new DesiredUser("user_id", userId, module.Str("state") == "present", fields, string.IsNullOrEmpty(password) ? null : password, module.Str("update_password") == "always")
        {
            RatelimitOverride = ratelimit,
            LogoutDevices = module.Bool("logout_devices"),
            Erase = module.Bool("erase"),
            ShadowBanned = module.Params["shadow_banned"] is JsonValue banned ? banned.GetValueKind() == JsonValueKind.True
                : null,
        };
    }

    /// <summary>The account as it would be created (check mode): the fields the task sets and its name.</summary>
    private static JsonObject Planned(DesiredUser user)
    {
        var planned = (JsonObject)user.Fields.DeepClone();
        planned["name"] = user.UserId;
        if (user.ShadowBanned is { } banned)
        {
            planned["shadow_banned"] = banned;
        }

        return planned;
    }
}
