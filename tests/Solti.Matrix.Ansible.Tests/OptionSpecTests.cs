using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Host;
using Solti.Matrix.Ansible.Modules;
using Solti.Matrix.Config;

namespace Solti.Matrix.Ansible.Tests;

/// <summary>What an option spec means when left bare, and every module's spec checked as Ansible's
/// <c>validate-modules</c> sanity test checks an <c>argument_spec</c>: defaults of the option's type and among its
/// choices, no required option with a default, rules that name real options, and elements, suboptions and no_log keys
/// only where they apply.</summary>
[Trait("tier", "unit")]
public sealed class OptionSpecTests
{
    public static TheoryData<string> Modules => new(ModuleCatalog.All.Keys.Order(StringComparer.Ordinal));

    /// <summary>Every option of <paramref name="spec"/> and of its nested specs, by path (<c>users.user_id</c>).</summary>
    private static IEnumerable<(string Path, OptionSpec Option)> Options(ArgumentSpec spec, string prefix = "")
    {
        foreach (var (name, option) in spec.Options)
        {
            yield return (prefix + name, option);
            foreach (var nested in option.Options is { } inner ? Options(inner, $"{prefix}{name}.") : [])
            {
                yield return nested;
            }
        }
    }

    /// <summary>Every spec of the module: its own and the nested ones, by path.</summary>
    private static IEnumerable<(string Path, ArgumentSpec Spec)> Specs(ArgumentSpec spec, string path)
    {
        yield return (path, spec);
        foreach (var (name, option) in spec.Options)
        {
            foreach (var nested in option.Options is { } inner ? Specs(inner, $"{path}.{name}") : [])
            {
                yield return nested;
            }
        }
    }

    private static void AssertNone(IEnumerable<string> problems, string module)
    {
        var list = problems.ToList();
        Assert.True(list.Count == 0, $"{module}: " + string.Join("; ", list));
    }

    [Fact]
    public void A_bare_option_is_an_optional_str_without_default_choices_aliases_or_secrets_and_a_bare_spec_has_no_rules()
    {
        var option = new OptionSpec();
        Assert.Equal(OptionType.Str, option.Type);
        Assert.False(option.Required);
        Assert.False(option.NoLog);
        Assert.Null(option.Default);
        Assert.Null(option.Choices);
        Assert.Null(option.Elements);
        Assert.Null(option.Options);
        Assert.Empty(option.Aliases);
        Assert.Empty(option.NoLogKeys);

        var spec = new ArgumentSpec(new Dictionary<string, OptionSpec> { ["x"] = option });
        Assert.Empty(spec.MutuallyExclusive);
        Assert.Empty(spec.RequiredTogether);
        Assert.Empty(spec.RequiredOneOf);
        Assert.Empty(spec.RequiredIf);
        var result = new ArgumentValidator("demo").Validate(spec, new JsonObject { ["x"] = 12 });
        Assert.Equal(("12", 0, 0), (result.Parameters["x"]!.GetValue<string>(), result.Errors.Count, result.NoLogValues.Count));
    }

    [Theory]
    [MemberData(nameof(Modules))]
    public void Every_default_already_has_its_options_type(string module)
    {
        var problems = new List<string>();
        foreach (var (path, option) in Options(ModuleCatalog.All[module].Spec).Where(o => o.Option.Default is not null))
        {
            try
            {
                var converted = TypeCoercion.Convert(option.Default, option.Type);
                if (!JsonSemantics.Equal(converted, option.Default))
                {
                    problems.Add($"{path}: default {option.Default!.ToJsonString()} is {converted?.ToJsonString()} as {TypeCoercion.TypeName(option.Type)}");
                }

                foreach (var item in option.Elements is not null && converted is JsonArray list ? list : [])
                {
                    TypeCoercion.Convert(item, option.Elements!.Value);
                }
            }
            catch (FormatException e)
            {
                problems.Add($"{path}: default {option.Default!.ToJsonString()}: {e.Message}");
            }
        }

        AssertNone(problems, module);
    }

    [Theory]
    [MemberData(nameof(Modules))]
    public void Every_default_is_one_of_its_choices_and_no_required_option_has_a_default(string module)
    {
        var problems = new List<string>();
        foreach (var (path, option) in Options(ModuleCatalog.All[module].Spec))
        {
            if (option.Required && option.Default is not null)
            {
                problems.Add($"{path}: required with a default");
            }

            var defaults = option.Default switch
            {
                JsonArray list => list.Select(d => d?.ToString() ?? ""),
                JsonValue value => [value.ToString()],
                _ => [],
            };
            if (option.Choices is { } choices && defaults.FirstOrDefault(d => !choices.Contains(d)) is { } outside)
            {
                problems.Add($"{path}: default {outside} is not one of {string.Join(", ", choices)}");
            }
        }

        AssertNone(problems, module);
    }

    [Theory]
    [MemberData(nameof(Modules))]
    public void Every_rule_names_options_of_its_spec_and_a_required_if_value_its_options_choices(string module)
    {
        var problems = new List<string>();
        foreach (var (path, spec) in Specs(ModuleCatalog.All[module].Spec, module))
        {
            var groups = spec.MutuallyExclusive.Select(g => ("mutually_exclusive", g))
                .Concat(spec.RequiredTogether.Select(g => ("required_together", g)))
                .Concat(spec.RequiredOneOf.Select(g => ("required_one_of", g)))
                .Concat(spec.RequiredIf.Select(r => ("required_if", (string[])[r.Key, .. r.Requirements])));
            foreach (var (rule, names) in groups)
            {
                problems.AddRange(names.Where(n => !spec.Options.ContainsKey(n)).Select(n => $"{path}: {rule} names {n}, which is no option"));
                if (names.Length < 2)
                {
                    problems.Add($"{path}: {rule} [{string.Join(", ", names)}] has fewer than two names");
                }
            }

            foreach (var rule in spec.RequiredIf)
            {
                if (spec.Options.GetValueOrDefault(rule.Key)?.Choices is { } choices && !choices.Contains(rule.Value))
                {
                    problems.Add($"{path}: required_if {rule.Key} is {rule.Value}, which is not one of its choices");
                }
            }
        }

        AssertNone(problems, module);
    }

    [Theory]
    [MemberData(nameof(Modules))]
    public void Elements_suboptions_no_log_keys_and_aliases_appear_only_where_they_apply(string module)
    {
        var problems = new List<string>();
        foreach (var (path, option) in Options(ModuleCatalog.All[module].Spec))
        {
            if (option.Elements is not null && option.Type != OptionType.List)
            {
                problems.Add($"{path}: elements on a {TypeCoercion.TypeName(option.Type)}");
            }

            if (option.Options is not null && option.Type != OptionType.Dict && !(option.Type == OptionType.List && option.Elements == OptionType.Dict))
            {
                problems.Add($"{path}: suboptions on neither a dict nor a list of dicts");
            }

            if (option.NoLogKeys.Count > 0 && (option.Options is not null || option.Type is not (OptionType.Dict or OptionType.List or OptionType.Raw)))
            {
                problems.Add($"{path}: no_log keys where a nested spec or the type decides");
            }

            if (option.Choices is not null && option.Type is OptionType.Bool or OptionType.Dict or OptionType.Raw)
            {
                problems.Add($"{path}: choices on a {TypeCoercion.TypeName(option.Type)}");
            }
        }

        foreach (var (path, spec) in Specs(ModuleCatalog.All[module].Spec, module))
        {
            var names = spec.Options.SelectMany(o => o.Value.Aliases.Prepend(o.Key)).ToList();
            problems.AddRange(names.GroupBy(n => n, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => $"{path}: {g.Key} is both an option and an alias, or two aliases"));
        }

        AssertNone(problems, module);
    }

    [Theory]
    [MemberData(nameof(Modules))]
    public void A_secret_option_given_a_value_has_it_collected_for_masking(string module)
    {
        var spec = ModuleCatalog.All[module].Spec;
        foreach (var (name, _) in spec.Options.Where(o => o.Value.NoLog))
        {
            var secret = $"secret-of-{name}-0c7e";
            var result = new ArgumentValidator(module).Validate(spec, new JsonObject { [name] = secret });
            Assert.Contains(secret, result.NoLogValues);
        }

        Assert.DoesNotContain("not-a-secret-0c7e", new ArgumentValidator(module).Validate(spec, new JsonObject { [spec.Options.First(o => !o.Value.NoLog).Key] = "not-a-secret-0c7e" }).NoLogValues);
    }
}
