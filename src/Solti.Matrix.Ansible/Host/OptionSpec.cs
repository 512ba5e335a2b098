namespace Solti.Matrix.Ansible.Host;

/// <summary>One option of a module's argument spec, as in Ansible's <c>argument_spec</c>.</summary>
public sealed record OptionSpec(OptionType Type = OptionType.Str)
{
    public bool Required { get; init; }

    public JsonNode? Default { get; init; }

    public IReadOnlyList<string>? Choices { get; init; }

    public IReadOnlyList<string> Aliases { get; init; } = [];

    /// <summary>The value is a secret: replaced in <c>invocation</c> and masked in every string of the result.</summary>
    public bool NoLog { get; init; }

    /// <summary>For a dict or a list of dicts checked by the module itself (no nested spec): keys whose values are secrets,
    /// masked like no_log options (e.g. <c>users[].password</c>).</summary>
    public IReadOnlyList<string> NoLogKeys { get; init; } = [];

    /// <summary>For lists: the type of each element.</summary>
    public OptionType? Elements { get; init; }

    /// <summary>For dicts and lists of dicts: the nested spec.</summary>
    public ArgumentSpec? Options { get; init; }
}

/// <summary>A module's argument spec with Ansible's cross-option rules.</summary>
public sealed record ArgumentSpec(IReadOnlyDictionary<string, OptionSpec> Options)
{
    public IReadOnlyList<string[]> MutuallyExclusive { get; init; } = [];

    public IReadOnlyList<string[]> RequiredTogether { get; init; } = [];

    public IReadOnlyList<string[]> RequiredOneOf { get; init; } = [];

    /// <summary>When <c>Key</c> equals <c>Value</c>, the <c>Requirements</c> must be set (all, or one when <c>AnyOf</c>).</summary>
    public IReadOnlyList<RequiredIf> RequiredIf { get; init; } = [];
}

public sealed record RequiredIf(string Key, string Value, string[] Requirements, bool AnyOf = false);
