namespace Solti.Matrix.Config;

/// <summary>The one rule for <c>user_type</c>, shared by <c>matrix_config</c> and <c>synapse_user</c>: <c>bot</c> or
/// <c>support</c>, and <c>none</c> (any case), <c>null</c> or empty for a regular account (the upstream null: the type is
/// cleared). Ansible renders a Python <c>None</c> as the string <c>None</c>, so that one is accepted too.</summary>
public static class UserTypes
{
    /// <summary>The words a problem message lists.</summary>
    public const string Expected = "bot, support or none";

    /// <summary>False when <paramref name="text"/> is not a user type; <paramref name="type"/> is null for a regular account.</summary>
    public static bool TryParse(string? text, out string? type)
    {
        type = null;
        switch (text?.Trim())
        {
            case "bot" or "support":
                type = text.Trim();
                return true;
            case null or "":
                return true;
            case var word when word.Equals("none", StringComparison.OrdinalIgnoreCase) || word.Equals("null", StringComparison.OrdinalIgnoreCase):
                return true;
            default:
                return false;
        }
    }
}
