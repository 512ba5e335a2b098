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
}
