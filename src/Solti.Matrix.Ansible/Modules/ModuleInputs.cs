namespace Solti.Matrix.Ansible.Modules;

/// <summary>Checks of option values that several modules share, each with one wording.</summary>
public static class ModuleInputs
{
    /// <summary>A list option of user ids, each checked by the Matrix grammar and named by its place (<c>admins[1]</c>).</summary>
    public static IReadOnlyList<string> UserIds(AnsibleModule module, string option) =>
        [.. (module.Params[option] as JsonArray ?? []).Select((u, i) => MatrixId.Require(MatrixIdKind.User, u?.GetValue<string>(), $"{option}[{i}]"))];

    /// <summary>The <c>limit</c> option as a cap (unset: no cap), at least 1.</summary>
    public static int Limit(AnsibleModule module, int unset = int.MaxValue)
    {
        var limit = module.Number("limit") is { } l ? (int)l : unset;
        return limit >= 1 ? limit : throw new ModuleFailedException($"limit must be 1 or more, got {limit}");
    }

    /// <summary>An alias option checked by the alias grammar before any request: a full alias (<c>#ops:example.com</c>, the
    /// <c>#</c> optional), or a local part alone (<c>ops</c>) whose server the module finds (<see cref="QualifyAliasAsync"/>).</summary>
    public static (string Local, string? Alias)? AliasOption(AnsibleModule module, string option)
    {
        if (module.Str(option) is not { } name)
        {
            return null;
        }

        var local = name.TrimStart('#');
        if (local.Contains(':', StringComparison.Ordinal))
        {
            var alias = MatrixId.Require(MatrixIdKind.Alias, "#" + local, option);
            return (MatrixId.Localpart(alias), alias);
        }

        if (MatrixId.LocalpartProblem(MatrixIdKind.Alias, local) is { } reason)
        {
            throw new MatrixIdException(option, MatrixIdKind.Alias, reason, name);
        }

        return (local, null);
    }

    /// <summary>The full alias of an <see cref="AliasOption"/>: as given when it has a server, else the local part on the
    /// first of <paramref name="servers"/> that is set (e.g. the server of a <c>room_id</c>, <c>server_name</c>), else on the
    /// homeserver's own name (the server part of the session user's id, as whoami names it), as Synapse qualifies
    /// <c>room_alias_name</c> at createRoom.</summary>
    public static async Task<string> QualifyAliasAsync((string Local, string? Alias) alias, string option, MatrixClient client, string?[] servers, CancellationToken cancellationToken)
    {
        if (alias.Alias is { } full)
        {
            return full;
        }

        var server = servers.FirstOrDefault(s => !string.IsNullOrEmpty(s)) ?? MatrixId.Server(await OwnUserAsync(client, cancellationToken))!;
        return MatrixId.Require(MatrixIdKind.Alias, $"#{alias.Local}:{server}", option);
    }

    /// <summary>The user whose session the task runs in, as whoami names it (the user id checked).</summary>
    public static async Task<string> OwnUserAsync(MatrixClient client, CancellationToken cancellationToken) =>
        MatrixId.Require(MatrixIdKind.User, (await client.WhoAmIAsync(cancellationToken))["user_id"]?.GetValue<string>(), "whoami user_id");
}
