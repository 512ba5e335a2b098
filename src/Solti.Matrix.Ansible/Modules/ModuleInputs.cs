using Solti.Matrix.Ansible.Host;

namespace Solti.Matrix.Ansible.Modules;

/// <summary>Checks of option values that several modules share, each with one wording.</summary>
public static class ModuleInputs
{
    /// <summary>A full Matrix user id (<c>@bot:example.com</c>), else a failure naming the option.</summary>
    public static string UserId(string value, string option = "user_id") =>
        value.StartsWith('@') && value.Contains(':', StringComparison.Ordinal)
            ? value
            : throw new ModuleFailedException($"{option} must be a full Matrix user id such as @bot:example.com, got '{value}'");

    /// <summary>The <c>limit</c> option as a cap (unset: no cap), at least 1.</summary>
    public static int Limit(AnsibleModule module, int unset = int.MaxValue)
    {
        var limit = module.Number("limit") is { } l ? (int)l : unset;
        return limit >= 1 ? limit : throw new ModuleFailedException($"limit must be 1 or more, got {limit}");
    }
}
