namespace Solti.Matrix.Ansible.Host;

#pragma warning disable CA1720 // the names are Ansible's type names

/// <summary>Ansible's option types, with Ansible's coercions (see <see cref="TypeCoercion"/>).</summary>
public enum OptionType
{
    Str,
    Bool,
    Int,
    Float,
    Dict,
    List,
    Path,
    Raw,
}
