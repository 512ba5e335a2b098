using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Host;
using Solti.Matrix.Ansible.Modules;
using Solti.Matrix.Config;
using Solti.Matrix.Testing;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Solti.Matrix.Ansible.Tests;

/// <summary>One contract per module: what <c>ansible-doc</c> shows (<c>collection/plugins/modules/NAME.yml</c>,
/// <c>DOCUMENTATION.options</c>) is exactly what the binary accepts (<c>Spec</c> of the module in
/// <see cref="ModuleCatalog.All"/>): option names, <c>type</c>, <c>required</c>, <c>default</c>, <c>choices</c>,
/// <c>aliases</c>, <c>elements</c> and <c>suboptions</c>, recursively. Ansible's doc format has no <c>no_log</c>, so a
/// secret option's description ends with <see cref="SecretSentence"/>, and no other option's description has it.</summary>
[Trait("tier", "unit")]
public sealed class ModuleContractTests
{
    /// <summary>The last sentence of the description of every no_log option (and of no other).</summary>
    public const string SecretSentence = "Secret (masked in every output).";

    private static string ModulesDirectory => Path.Combine(Repository.Root, "collection", "plugins", "modules");

    public static TheoryData<string> Modules => new(ModuleCatalog.All.Keys.Order(StringComparer.Ordinal));

    [Fact]
    public void Every_sidecar_has_a_module_in_the_catalog_and_every_module_a_sidecar()
    {
        var sidecars = Directory.EnumerateFiles(ModulesDirectory, "*.yml").Select(f => Path.GetFileNameWithoutExtension(f)!).ToHashSet(StringComparer.Ordinal);
        var modules = ModuleCatalog.All.Keys.ToHashSet(StringComparer.Ordinal);

        var orphans = sidecars.Except(modules).Order(StringComparer.Ordinal).ToList();
        var undocumented = modules.Except(sidecars).Order(StringComparer.Ordinal).ToList();
        Assert.True(orphans.Count == 0, $"collection/plugins/modules/ documents modules that ModuleCatalog.All does not serve: {string.Join(", ", orphans)}.yml (register the module, or remove the sidecar)");
        Assert.True(undocumented.Count == 0, $"ModuleCatalog.All serves modules without a sidecar in collection/plugins/modules/: {string.Join(", ", undocumented.Select(m => m + ".yml"))} (ansible-doc cannot show them)");
    }

    [Theory]
    [MemberData(nameof(Modules))]
    public void The_sidecar_documents_exactly_the_argument_spec(string module)
    {
        var documentation = Documentation(module);
        Assert.Equal(module, Scalar(documentation, "module"));
        var options = documentation.Children.TryGetValue(new YamlScalarNode("options"), out var node) ? (YamlMappingNode)node : new YamlMappingNode();

        var problems = Compare(ModuleCatalog.All[module].Spec, options, "");

        Assert.True(problems.Count == 0, $"{module}: the C# spec ({ModuleCatalog.All[module].GetType().Name}.Spec) and collection/plugins/modules/{module}.yml (DOCUMENTATION.options) differ; fix the side that is wrong (module-contract.md and the module's code decide):\n  " + string.Join("\n  ", problems.Select(p => $"{module}: {p}")));
    }

    /// <summary><c>matrix_config</c> checks <c>users[]</c> and <c>rooms[]</c> itself (every error at once, with paths), so
    /// their keys are the parser's, not a nested spec's.</summary>
    [Theory]
    [InlineData("users")]
    [InlineData("rooms")]
    public void Matrix_config_documents_the_keys_its_parser_accepts(string option)
    {
        var options = (YamlMappingNode)Documentation("matrix_config")["options"];
        var documented = Names((YamlMappingNode)((YamlMappingNode)options[option])["suboptions"]);
        var accepted = option == "users" ? DesiredStateParser.UserKeys : DesiredStateParser.RoomKeys;

        Assert.True(documented.SetEquals(accepted), $"matrix_config: option '{option}': suboptions differ: DesiredStateParser accepts [{string.Join(", ", accepted.Order(StringComparer.Ordinal))}], the sidecar documents [{string.Join(", ", documented.Order(StringComparer.Ordinal))}]");
    }

    /// <summary>The comparison itself: each kind of difference is found and named with the option's path and both values.</summary>
    [Fact]
    public void A_difference_names_the_option_path_what_differs_and_both_values()
    {
        var spec = new ArgumentSpec(new Dictionary<string, OptionSpec>
        {
            ["timeout"] = new(OptionType.Float) { Default = 30 },
            ["enabled"] = new(OptionType.Bool) { Default = true },
            ["secret"] = new() { NoLog = true },
            ["mode"] = new() { Choices = ["a", "b"], Required = true },
            ["files"] = new(OptionType.List) { Elements = OptionType.Dict, Options = new ArgumentSpec(new Dictionary<string, OptionSpec> { ["path"] = new(OptionType.Path) { Aliases = ["p"] } }) },
            ["only_in_code"] = new(),
        });
        var doc = Yaml("""
            timeout: { type: float, default: 30.0 }
            enabled: { type: bool, default: yes }
            secret: { description: [The token.] }
            mode: { choices: [b, c], required: true }
            files:
              type: list
              elements: dict
              suboptions:
                path: { type: str, aliases: [p], description: "Where. Secret (masked in every output)." }
            only_in_doc: { type: int }
            """);

        var problems = Compare(spec, doc, "");

        Assert.Equal(
        [
            "option 'files[].path': description has the no_log sentence \"Secret (masked in every output).\" but the C# spec has NoLog = false",
            "option 'files[].path': type differs: C# spec says path, sidecar says str",
            "option 'mode': choices differ: C# spec says [a, b], sidecar says [b, c]",
            "option 'only_in_code' is in the C# spec but not documented in the sidecar",
            "option 'only_in_doc' is documented in the sidecar but not in the C# spec",
            "option 'secret': the C# spec has NoLog = true but the description does not end with \"Secret (masked in every output).\"",
        ], problems.Order(StringComparer.Ordinal));
    }

    private static YamlMappingNode Documentation(string module)
    {
        var path = Path.Combine(ModulesDirectory, module + ".yml");
        Assert.True(File.Exists(path), $"{module}: no sidecar collection/plugins/modules/{module}.yml");
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(path)));
        return (YamlMappingNode)((YamlMappingNode)stream.Documents[0].RootNode)["DOCUMENTATION"];
    }

    private static YamlMappingNode Yaml(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    /// <summary>Every difference between a spec and documented options, each naming the option's path (<c>files[].path</c>).</summary>
    private static List<string> Compare(ArgumentSpec spec, YamlMappingNode options, string prefix)
    {
        var problems = new List<string>();
        var documented = options.Children.ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => (YamlMappingNode)c.Value, StringComparer.Ordinal);
        foreach (var name in spec.Options.Keys.Except(documented.Keys).Order(StringComparer.Ordinal))
        {
            problems.Add($"option '{prefix}{name}' is in the C# spec but not documented in the sidecar");
        }

        foreach (var name in documented.Keys.Except(spec.Options.Keys).Order(StringComparer.Ordinal))
        {
            problems.Add($"option '{prefix}{name}' is documented in the sidecar but not in the C# spec");
        }

        foreach (var (name, option) in spec.Options.Where(o => documented.ContainsKey(o.Key)).OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            CompareOption($"{prefix}{name}", option, documented[name], problems);
        }

        return problems;
    }

    private static void CompareOption(string path, OptionSpec option, YamlMappingNode doc, List<string> problems)
    {
        void Differs(string what, string code, string sidecar)
        {
            if (code != sidecar)
            {
                problems.Add($"option '{path}': {what} {(what.Split(' ')[0].EndsWith('s') ? "differ" : "differs")}: C# spec says {code}, sidecar says {sidecar}");
            }
        }

        Differs("type", TypeName(option.Type), Scalar(doc, "type") ?? "str");
        Differs("required", option.Required ? "true" : "false", Canonical(Value(doc, "required")) == "true" ? "true" : "false");
        Differs("default", Canonical(option.Default), Canonical(Value(doc, "default")));
        Differs("choices", Set(option.Choices ?? []), Set(Strings(doc, "choices")));
        Differs("aliases", Set(option.Aliases), Set(Strings(doc, "aliases")));
        Differs("elements", option.Elements is { } elements ? TypeName(elements) : "(none)", Scalar(doc, "elements") ?? "(none)");

        var description = Description(doc);
        var marked = description.Count > 0 && description[^1].TrimEnd().EndsWith(SecretSentence, StringComparison.Ordinal);
        if (option.NoLog && !marked)
        {
            problems.Add($"option '{path}': the C# spec has NoLog = true but the description does not end with \"{SecretSentence}\"");
        }
        else if (!option.NoLog && description.Any(d => d.Contains(SecretSentence, StringComparison.Ordinal)))
        {
            problems.Add($"option '{path}': description has the no_log sentence \"{SecretSentence}\" but the C# spec has NoLog = false");
        }

        var suboptions = doc.Children.TryGetValue(new YamlScalarNode("suboptions"), out var node) ? (YamlMappingNode)node : null;
        var child = option.Type == OptionType.List ? path + "[]." : path + ".";
        if (option.Options is { } nested)
        {
            problems.AddRange(suboptions is null
                ? [$"option '{path}': the C# spec has nested options [{string.Join(", ", nested.Options.Keys.Order(StringComparer.Ordinal))}], the sidecar documents no suboptions"]
                : Compare(nested, suboptions, child));
        }
        else if (suboptions is not null)
        {
            // Checked by the module itself (no nested spec): only its secrets are part of the spec.
            var secrets = suboptions.Children.Where(c => Description((YamlMappingNode)c.Value) is { Count: > 0 } d && d[^1].TrimEnd().EndsWith(SecretSentence, StringComparison.Ordinal))
                .Select(c => ((YamlScalarNode)c.Key).Value!);
            if (option.Type is not (OptionType.Dict or OptionType.List))
            {
                problems.Add($"option '{path}': the sidecar documents suboptions of a {TypeName(option.Type)}");
            }

            Differs("secret suboptions (NoLogKeys in C#, the no_log sentence in the sidecar)", Set(option.NoLogKeys), Set(secrets));
        }
        else if (option.NoLogKeys.Count > 0)
        {
            problems.Add($"option '{path}': the C# spec masks the keys [{string.Join(", ", option.NoLogKeys)}] (NoLogKeys), the sidecar documents no suboptions");
        }
    }

    private static string TypeName(OptionType type) => type.ToString().ToLowerInvariant();

    private static HashSet<string> Names(YamlMappingNode mapping) => mapping.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).ToHashSet(StringComparer.Ordinal);

    private static string Set(IEnumerable<string> values) => values.Any() ? $"[{string.Join(", ", values.Distinct().Order(StringComparer.Ordinal))}]" : "(none)";

    private static YamlNode? Value(YamlMappingNode mapping, string key) => mapping.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    private static string? Scalar(YamlMappingNode mapping, string key) => Value(mapping, key) is YamlScalarNode { Value: { } value } ? value : null;

    private static IEnumerable<string> Strings(YamlMappingNode mapping, string key) => Value(mapping, key) switch
    {
        YamlSequenceNode sequence => sequence.Children.Select(c => ((YamlScalarNode)c).Value ?? ""),
        YamlScalarNode { Value: { } one } => [one],
        _ => [],
    };

    /// <summary>A description as its paragraphs (a string is one).</summary>
    private static List<string> Description(YamlMappingNode doc) => [.. Strings(doc, "description")];

    /// <summary>A value as comparable text: numbers by value (30 and 30.0 are equal), booleans as true/false, strings
    /// quoted, null for none; a YAML plain scalar is resolved the way Ansible's YAML loader does.</summary>
    private static string Canonical(JsonNode? node) => node switch
    {
        null => "null",
        JsonArray array => "[" + string.Join(", ", array.Select(Canonical)) + "]",
        JsonObject obj => "{" + string.Join(", ", obj.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}: {Canonical(p.Value)}")) + "}",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            JsonValueKind.Number => double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture),
            JsonValueKind.String => $"\"{v.GetValue<string>()}\"",
            _ => v.ToJsonString(),
        },
        _ => node.ToJsonString(),
    };

    private static string Canonical(YamlNode? node) => Canonical(ToJson(node));

    private static JsonNode? ToJson(YamlNode? node) => node switch
    {
        null => null,
        YamlSequenceNode sequence => new JsonArray([.. sequence.Children.Select(ToJson)]),
        YamlMappingNode mapping => new JsonObject(mapping.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, ToJson(c.Value)))),
        YamlScalarNode { Style: ScalarStyle.Plain } plain => Plain(plain.Value ?? ""),
        YamlScalarNode quoted => JsonValue.Create(quoted.Value ?? ""),
        _ => throw new InvalidOperationException($"unexpected YAML node {node.NodeType}"),
    };

    /// <summary>A plain scalar as YAML 1.1 reads it (Ansible's loader): null, booleans (yes/no too), numbers, else a string.</summary>
    private static JsonNode? Plain(string text)
    {
        switch (text.ToLowerInvariant())
        {
            case "" or "~" or "null":
                return null;
            case "true" or "yes" or "on":
                return JsonValue.Create(true);
            case "false" or "no" or "off":
                return JsonValue.Create(false);
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? JsonValue.Create(number) : JsonValue.Create(text);
    }
}
