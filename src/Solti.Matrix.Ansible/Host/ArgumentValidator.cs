namespace Solti.Matrix.Ansible.Host;

/// <summary>Validates raw module arguments against an <see cref="ArgumentSpec"/> the way Ansible's
/// <c>ArgumentSpecValidator</c> does: aliases, unsupported parameters, defaults, types, choices, the
/// cross-option rules and nested options, collecting no_log values on the way. Errors use Ansible's wording.</summary>
public sealed class ArgumentValidator(string moduleName)
{
    public sealed class Result
    {
        public JsonObject Parameters { get; } = [];

        public List<string> Errors { get; } = [];

        public HashSet<string> NoLogValues { get; } = new(StringComparer.Ordinal);
    }

    public Result Validate(ArgumentSpec spec, JsonObject raw)
    {
        var result = new Result();
        Validate(spec, raw, result.Parameters, result, context: null);
        return result;
    }

    private void Validate(ArgumentSpec spec, JsonObject raw, JsonObject target, Result result, string? context)
    {
        var suffix = context is null ? "" : $" found in {context}";
        var input = ResolveAliases(spec, raw, result, suffix);
        var unsupported = input.Select(p => p.Key).Where(k => !spec.Options.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        if (unsupported.Count > 0)
        {
            var supported = spec.Options.OrderBy(o => o.Key, StringComparer.Ordinal)
                .Select(o => o.Value.Aliases.Count == 0 ? o.Key : $"{o.Key} ({string.Join(", ", o.Value.Aliases.Order(StringComparer.Ordinal))})");
            result.Errors.Add(context is null
                ? $"Unsupported parameters for ({moduleName}) module: {string.Join(", ", unsupported)}. Supported parameters include: {string.Join(", ", supported)}."
                : $"{context}.{string.Join(", ", unsupported)}. Supported parameters include: {string.Join(", ", supported)}.");
        }

        foreach (var (name, option) in spec.Options)
        {
            // As Ansible: a no_log option's default is as secret as a value given.
            if (option.NoLog && (input.TryGetPropertyValue(name, out var given) ? given : option.Default) is { } secret)
            {
                CollectNoLog(secret, result.NoLogValues);
            }

            foreach (var item in option.NoLogKeys.Count == 0 ? [] : Items(input[name]))
            {
                foreach (var key in option.NoLogKeys)
                {
                    if (item[key] is { } nested)
                    {
                        CollectNoLog(nested, result.NoLogValues);
                    }
                }
            }
        }

        // As Ansible: every group that has more than one option set, in one message.
        var exclusive = spec.MutuallyExclusive.Where(group => group.Count(k => IsSet(input, k)) > 1).Select(group => string.Join("|", group)).ToList();
        if (exclusive.Count > 0)
        {
            result.Errors.Add($"parameters are mutually exclusive: {string.Join(", ", exclusive)}{suffix}");
        }

        var missing = spec.Options.Where(o => o.Value.Required && !IsSet(input, o.Key)).Select(o => o.Key).Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            result.Errors.Add($"missing required arguments: {string.Join(", ", missing)}{suffix}");
        }

        foreach (var (name, option) in spec.Options)
        {
            var present = input.TryGetPropertyValue(name, out var value);
            if (!present)
            {
                target[name] = option.Default?.DeepClone();
                continue;
            }

            target[name] = Coerce(name, option, value, result, suffix, context);
        }

        CheckTogether(spec, target, result, suffix);
        CheckRequiredIf(spec, target, result, suffix);
    }

    private JsonNode? Coerce(string name, OptionSpec option, JsonNode? value, Result result, string suffix, string? context)
    {
        if (value is null)
        {
            return null;
        }

        JsonNode? converted;
        try
        {
            converted = TypeCoercion.Convert(value, option.Type);
        }
        catch (FormatException e)
        {
            result.Errors.Add($"argument '{name}' is of type {TypeCoercion.PythonType(value)}{(context is null ? "" : $" found in '{context}'")} and we were unable to convert to {TypeCoercion.TypeName(option.Type)}: {e.Message}");
            return null;
        }

        if (option.Choices is { } choices && converted is JsonValue choice && !choices.Contains(choice.GetValueKind() == JsonValueKind.String ? choice.GetValue<string>() : choice.ToJsonString()))
        {
            result.Errors.Add($"value of {name} must be one of: {string.Join(", ", choices)}, got: {(choice.GetValueKind() == JsonValueKind.String ? choice.GetValue<string>() : choice.ToJsonString())}{suffix}");
        }

        if (converted is JsonArray list && option.Elements is { } elements)
        {
            for (var i = 0; i < list.Count; i++)
            {
                var path = $"{(context is null ? "" : context + ".")}{name}[{i}]";
                if (elements == OptionType.Dict && option.Options is { } nested)
                {
                    if (list[i] is not JsonObject item)
                    {
                        result.Errors.Add($"Elements value for option '{name}' is of type {TypeCoercion.PythonType(list[i])} and we were unable to convert to dict{suffix}");
                        continue;
                    }

                    var validated = new JsonObject();
                    Validate(nested, item, validated, result, path);
                    list[i] = validated;
                    continue;
                }

                try
                {
                    list[i] = TypeCoercion.Convert(list[i], elements);
                }
                catch (FormatException e)
                {
                    result.Errors.Add($"Elements value for option '{name}'{suffix} is of type {TypeCoercion.PythonType(list[i])} and we were unable to convert to {TypeCoercion.TypeName(elements)}: {e.Message}");
                }
            }
        }

        if (option.Choices is { } listChoices && converted is JsonArray values)
        {
            // As Ansible: each element of a list must be one of the choices.
            var unmatched = values.Select(v => v is JsonValue e && e.GetValueKind() == JsonValueKind.String ? e.GetValue<string>() : v?.ToJsonString() ?? "None")
                .Where(v => !listChoices.Contains(v)).ToList();
            if (unmatched.Count > 0)
            {
                result.Errors.Add($"value of {name} must be one or more of: {string.Join(", ", listChoices)}. Got no match for: {string.Join(", ", unmatched)}{suffix}");
            }
        }

        if (converted is JsonObject dict && option.Options is { } dictSpec)
        {
            var validated = new JsonObject();
            Validate(dictSpec, dict, validated, result, context is null ? name : $"{context}.{name}");
            converted = validated;
        }

        return converted;
    }

    /// <summary>Aliases become their option's name; giving both is an error, as in Ansible.</summary>
    private static JsonObject ResolveAliases(ArgumentSpec spec, JsonObject raw, Result result, string suffix)
    {
        var input = new JsonObject();
        var aliasOf = spec.Options.SelectMany(o => o.Value.Aliases.Select(a => (Alias: a, Name: o.Key))).ToDictionary(p => p.Alias, p => p.Name, StringComparer.Ordinal);
        foreach (var (key, value) in raw)
        {
            var name = aliasOf.GetValueOrDefault(key, key);
            if (input.ContainsKey(name))
            {
                result.Errors.Add($"Both option {name} and its alias {key} are set{suffix}.");
                continue;
            }

            input[name] = value?.DeepClone();
        }

        return input;
    }

    private static void CheckTogether(ArgumentSpec spec, JsonObject parameters, Result result, string suffix)
    {
        foreach (var group in spec.RequiredTogether)
        {
            var set = group.Count(k => IsSet(parameters, k));
            if (set > 0 && set < group.Length)
            {
                result.Errors.Add($"parameters are required together: {string.Join(", ", group)}{suffix}");
            }
        }

        foreach (var group in spec.RequiredOneOf)
        {
            if (!group.Any(k => IsSet(parameters, k)))
            {
                result.Errors.Add($"one of the following is required: {string.Join(", ", group)}{suffix}");
            }
        }
    }

    private static void CheckRequiredIf(ArgumentSpec spec, JsonObject parameters, Result result, string suffix)
    {
        foreach (var rule in spec.RequiredIf)
        {
            if (parameters[rule.Key] is not JsonValue v || (v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString()) != rule.Value)
            {
                continue;
            }

            var missing = rule.Requirements.Where(k => !IsSet(parameters, k)).ToList();
            if (rule.AnyOf ? missing.Count == rule.Requirements.Length : missing.Count > 0)
            {
                result.Errors.Add($"{rule.Key} is {rule.Value} but {(rule.AnyOf ? "any" : "all")} of the following are missing: {string.Join(", ", missing)}{suffix}");
            }
        }
    }

    private static bool IsSet(JsonObject parameters, string key) => parameters[key] is not null;

    /// <summary>A dict, or the dicts of a list.</summary>
    internal static IEnumerable<JsonObject> Items(JsonNode? value) => value switch
    {
        JsonObject obj => [obj],
        JsonArray array => array.OfType<JsonObject>(),
        _ => [],
    };

    private static void CollectNoLog(JsonNode value, HashSet<string> values)
    {
        switch (value)
        {
            case JsonObject obj:
                foreach (var (_, child) in obj)
                {
                    if (child is not null)
                    {
                        CollectNoLog(child, values);
                    }
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    if (child is not null)
                    {
                        CollectNoLog(child, values);
                    }
                }

                break;
            case JsonValue v:
                var text = v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString();
                if (text.Length > 0)
                {
                    values.Add(text);
                }

                break;
        }
    }
}
