using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Host;

namespace Solti.Matrix.Ansible.Tests;

/// <summary>The argument validator against Ansible's <c>ArgumentSpecValidator</c> (<c>module_utils/common/parameters.py</c>
/// and <c>validation.py</c>): defaults, aliases, unsupported and required parameters, choices, the cross-option rules,
/// nested options and elements, and the no_log values it collects, with Ansible's wording.</summary>
[Trait("tier", "unit")]
public sealed class ArgumentValidatorTests
{
    private static readonly ArgumentSpec Users = new(new Dictionary<string, OptionSpec>
    {
        ["user_id"] = new() { Required = true },
        ["admin"] = new(OptionType.Bool) { Default = false },
        ["password"] = new() { NoLog = true },
    });

    private static ArgumentSpec Spec(ArgumentSpec? rules = null) => new ArgumentSpec(new Dictionary<string, OptionSpec>
    {
        ["name"] = new() { Required = true, Aliases = ["n", "label"] },
        ["count"] = new(OptionType.Int) { Default = 1 },
        ["mode"] = new() { Choices = ["fast", "slow"], Default = "fast" },
        ["a"] = new(),
        ["b"] = new(),
        ["c"] = new(),
        ["d"] = new(),
        ["tags"] = new(OptionType.List) { Elements = OptionType.Int },
        ["gather"] = new(OptionType.List) { Elements = OptionType.Str, Choices = ["version", "users"] },
        ["users"] = new(OptionType.List) { Elements = OptionType.Dict, Options = Users },
        ["settings"] = new(OptionType.Dict) { Options = new ArgumentSpec(new Dictionary<string, OptionSpec> { ["size"] = new(OptionType.Int), ["token"] = new() { NoLog = true } }) },
        ["secret"] = new() { NoLog = true },
        ["extra"] = new(OptionType.Raw) { NoLogKeys = ["password"] },
    }) with
    {
        MutuallyExclusive = rules?.MutuallyExclusive ?? [],
        RequiredTogether = rules?.RequiredTogether ?? [],
        RequiredOneOf = rules?.RequiredOneOf ?? [],
        RequiredIf = rules?.RequiredIf ?? [],
    };

    private static readonly ArgumentSpec NoRules = new(new Dictionary<string, OptionSpec>());

    private static ArgumentValidator.Result Validate(string json, ArgumentSpec? rules = null) =>
        new ArgumentValidator("demo").Validate(Spec(rules), JsonNode.Parse(json)!.AsObject());

    private static void AssertErrors(ArgumentValidator.Result result, params string[] expected) => Assert.Equal(expected, result.Errors);

    [Fact]
    public void Every_option_is_in_the_parameters_coerced_or_its_default_or_null()
    {
        var result = Validate("""{"name": "x", "count": "3", "a": 5, "b": null}""");

        AssertErrors(result);
        var p = result.Parameters;
        Assert.Equal(3, p["count"]!.GetValue<long>());
        Assert.Equal("fast", p["mode"]!.GetValue<string>());
        Assert.Equal("5", p["a"]!.GetValue<string>()); // no type is str
        Assert.True(p.ContainsKey("b") && p["b"] is null); // an explicit null stays null; it is not the default
        Assert.True(p.ContainsKey("tags") && p["tags"] is null);
        Assert.Equal(Spec().Options.Keys.Order(StringComparer.Ordinal), p.Select(kv => kv.Key).Order(StringComparer.Ordinal));

        var withNullDefault = Validate("""{"name": "x", "count": null}""");
        Assert.Null(withNullDefault.Parameters["count"]); // a given null is kept, as Ansible keeps None
    }

    [Fact]
    public void Defaults_are_copies_and_the_raw_arguments_are_not_changed()
    {
        var spec = new ArgumentSpec(new Dictionary<string, OptionSpec> { ["gather"] = new(OptionType.List) { Default = new JsonArray("version") } });
        var raw = new JsonObject();
        var first = new ArgumentValidator("demo").Validate(spec, raw);
        first.Parameters["gather"]!.AsArray().Add("users");

        Assert.Equal("[\"version\"]", new ArgumentValidator("demo").Validate(spec, raw).Parameters["gather"]!.ToJsonString());
        Assert.Empty(raw);

        var given = JsonNode.Parse("""{"name": "x", "count": "3", "users": [{"user_id": "@u:x", "admin": "yes"}]}""")!.AsObject();
        var before = given.ToJsonString();
        new ArgumentValidator("demo").Validate(Spec(), given);
        Assert.Equal(before, given.ToJsonString());
    }

    [Fact]
    public void An_alias_becomes_its_option_and_giving_both_is_refused()
    {
        var result = Validate("""{"label": "x"}""");
        AssertErrors(result);
        Assert.Equal("x", result.Parameters["name"]!.GetValue<string>());
        Assert.False(result.Parameters.ContainsKey("label"));

        // Ansible only warns and takes the alias's value; the host refuses the ambiguity.
        AssertErrors(Validate("""{"name": "x", "n": "y"}"""), "Both option name and its alias n are set.");
    }

    [Fact]
    public void Unsupported_parameters_are_listed_sorted_with_every_supported_one_and_its_aliases()
    {
        AssertErrors(
            Validate("""{"name": "x", "size": 1, "colour": "red"}"""),
            "Unsupported parameters for (demo) module: colour, size. Supported parameters include: a, b, c, count, d, extra, gather, mode, name (label, n), secret, settings, tags, users.");
    }

    [Fact]
    public void Missing_required_arguments_are_named_in_one_sorted_message()
    {
        var spec = new ArgumentSpec(new Dictionary<string, OptionSpec> { ["zeta"] = new() { Required = true }, ["alpha"] = new() { Required = true }, ["beta"] = new() { Required = true } });

        Assert.Equal(["missing required arguments: alpha, zeta"], new ArgumentValidator("demo").Validate(spec, new JsonObject { ["beta"] = "b" }).Errors);
        AssertErrors(Validate("{}"), "missing required arguments: name");
    }

    [Fact]
    public void A_value_must_be_one_of_the_choices_and_each_item_of_a_list_one_of_them()
    {
        AssertErrors(Validate("""{"name": "x", "mode": "medium"}"""), "value of mode must be one of: fast, slow, got: medium");
        AssertErrors(Validate("""{"name": "x", "gather": "version,disks,rooms"}"""), "value of gather must be one or more of: version, users. Got no match for: disks, rooms");
        Assert.Equal(["version", "users"], Validate("""{"name": "x", "gather": ["version", "users"]}""").Parameters["gather"]!.AsArray().Select(g => g!.GetValue<string>()));

        var numbers = new ArgumentSpec(new Dictionary<string, OptionSpec> { ["level"] = new(OptionType.Int) { Choices = ["0", "50", "100"] } });
        Assert.Equal(["value of level must be one of: 0, 50, 100, got: 75"], new ArgumentValidator("demo").Validate(numbers, new JsonObject { ["level"] = "75" }).Errors);
        Assert.Empty(new ArgumentValidator("demo").Validate(numbers, new JsonObject { ["level"] = "50" }).Errors); // compared after coercion
    }

    [Fact]
    public void Mutually_exclusive_groups_are_checked_on_what_was_given_in_one_message()
    {
        var rules = NoRules with { MutuallyExclusive = [["a", "b"], ["c", "d"], ["a", "mode"]] };

        AssertErrors(Validate("""{"name": "x", "a": 1, "b": 2, "c": 3, "d": 4}""", rules), "parameters are mutually exclusive: a|b, c|d");
        AssertErrors(Validate("""{"name": "x", "a": 1}""", rules)); // mode's default does not count
    }

    [Fact]
    public void Required_together_and_required_one_of_count_defaults_as_set()
    {
        var together = NoRules with { RequiredTogether = [["a", "b"]] };
        AssertErrors(Validate("""{"name": "x", "a": 1}""", together), "parameters are required together: a, b");
        AssertErrors(Validate("""{"name": "x", "a": 1, "b": 2}""", together));
        AssertErrors(Validate("""{"name": "x"}""", together));
        AssertErrors(Validate("""{"name": "x"}""", NoRules with { RequiredTogether = [["c", "mode"]] }), "parameters are required together: c, mode"); // mode has its default

        var oneOf = NoRules with { RequiredOneOf = [["a", "b"], ["c", "mode"]] };
        AssertErrors(Validate("""{"name": "x"}""", oneOf), "one of the following is required: a, b");
        AssertErrors(Validate("""{"name": "x", "b": 1}""", oneOf));
    }

    [Fact]
    public void Required_if_needs_all_or_any_of_its_requirements_when_the_option_has_the_value()
    {
        var all = NoRules with { RequiredIf = [new RequiredIf("mode", "slow", ["a", "b"])] };
        AssertErrors(Validate("""{"name": "x", "mode": "slow", "b": 1}""", all), "mode is slow but all of the following are missing: a");
        AssertErrors(Validate("""{"name": "x", "b": 1}""", all)); // mode is fast (its default)

        var any = NoRules with { RequiredIf = [new RequiredIf("mode", "slow", ["a", "b"], AnyOf: true)] };
        AssertErrors(Validate("""{"name": "x", "mode": "slow"}""", any), "mode is slow but any of the following are missing: a, b");
        AssertErrors(Validate("""{"name": "x", "mode": "slow", "b": 1}""", any));

        var onDefault = NoRules with { RequiredIf = [new RequiredIf("count", "1", ["c"])] };
        AssertErrors(Validate("""{"name": "x"}""", onDefault), "count is 1 but all of the following are missing: c"); // the default has the value
    }

    [Fact]
    public void Each_dict_of_a_list_is_validated_against_the_nested_options()
    {
        var result = Validate("""{"name": "x", "users": [{"user_id": "@a:x", "admin": "yes"}, {"user_id": "@b:x"}]}""");
        AssertErrors(result);
        Assert.Equal("""[{"user_id":"@a:x","admin":true,"password":null},{"user_id":"@b:x","admin":false,"password":null}]""", result.Parameters["users"]!.ToJsonString());

        AssertErrors(
            Validate("""{"name": "x", "users": [{"user_id": "@a:x"}, {"admin": "maybe", "colour": 1}, "@c:x"]}"""),
            "users[1].colour. Supported parameters include: admin, password, user_id.",
            "missing required arguments: user_id found in users[1]",
            "argument 'admin' is of type <class 'str'> found in 'users[1]' and we were unable to convert to bool: The value 'maybe' is not a valid boolean.  Valid booleans include: 0, 'y', 'yes', 'on', '1', 'true', 't', 'n', 'no', 'off', '0', 'false', 'f', 1",
            "Elements value for option 'users' is of type <class 'str'> and we were unable to convert to dict");
    }

    [Fact]
    public void A_dict_with_nested_options_is_validated_and_coerced_in_place()
    {
        var result = Validate("""{"name": "x", "settings": "size=3"}""");
        AssertErrors(result);
        Assert.Equal("""{"size":3,"token":null}""", result.Parameters["settings"]!.ToJsonString());

        AssertErrors(
            Validate("""{"name": "x", "settings": {"size": "big", "other": 1}}"""),
            "settings.other. Supported parameters include: size, token.",
            "argument 'size' is of type <class 'str'> found in 'settings' and we were unable to convert to int: <class 'str'> cannot be converted to an int");
    }

    [Fact]
    public void Each_element_of_a_list_is_coerced_to_the_elements_type()
    {
        Assert.Equal("[1,2,3]", Validate("""{"name": "x", "tags": ["1", 2, " 3"]}""").Parameters["tags"]!.ToJsonString());
        Assert.Equal("[1,2]", Validate("""{"name": "x", "tags": "1,2"}""").Parameters["tags"]!.ToJsonString());
        AssertErrors(
            Validate("""{"name": "x", "tags": "1,x"}"""),
            "Elements value for option 'tags' is of type <class 'str'> and we were unable to convert to int: <class 'str'> cannot be converted to an int");
    }

    [Fact]
    public void No_log_values_are_collected_from_options_nested_options_and_no_log_keys_at_any_depth()
    {
        var result = Validate("""
            {"name": "public-name", "secret": "top-secret",
             "users": [{"user_id": "@a:x", "password": "nested-pw"}, {"user_id": "@b:x"}],
             "settings": {"size": 1, "token": "tok-123"},
             "extra": [{"password": {"old": "old-pw", "new": ["new-pw", 42]}, "user": "visible"}, {"password": ""}]}
            """);

        AssertErrors(result);
        Assert.Equal(["42", "nested-pw", "new-pw", "old-pw", "tok-123", "top-secret"], result.NoLogValues.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_default_of_a_no_log_option_is_a_secret_too()
    {
        var spec = new ArgumentSpec(new Dictionary<string, OptionSpec> { ["api_key"] = new() { NoLog = true, Default = "default-key-123" } });

        Assert.Equal(["default-key-123"], new ArgumentValidator("demo").Validate(spec, []).NoLogValues);
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var result = Validate("""{"colour": 1, "count": "many", "mode": "medium", "a": 1, "b": 2}""", NoRules with { MutuallyExclusive = [["a", "b"]] });

        // (Ansible lists the unsupported parameters last; the host first. Either way each is reported.)
        string[] expected =
        [
            "Unsupported parameters for (demo) module: colour. Supported parameters include: a, b, c, count, d, extra, gather, mode, name (label, n), secret, settings, tags, users.",
            "parameters are mutually exclusive: a|b",
            "missing required arguments: name",
            "argument 'count' is of type <class 'str'> and we were unable to convert to int: <class 'str'> cannot be converted to an int",
            "value of mode must be one of: fast, slow, got: medium",
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), result.Errors.Order(StringComparer.Ordinal));
    }
}
