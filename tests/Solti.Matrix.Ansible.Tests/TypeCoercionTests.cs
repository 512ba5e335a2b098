using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Host;

namespace Solti.Matrix.Ansible.Tests;

/// <summary>Each option type's conversion against what Ansible's <c>check_type_*</c> functions
/// (<c>module_utils/common/validation.py</c>) return for the same JSON value, and their reasons when they refuse.</summary>
[Trait("tier", "unit")]
public sealed class TypeCoercionTests
{
    private static JsonNode? Convert(string json, OptionType type) => TypeCoercion.Convert(JsonNode.Parse(json), type);

    private static string Refusal(string json, OptionType type) => Assert.Throws<FormatException>(() => Convert(json, type)).Message;

    private static string Home => Environment.GetEnvironmentVariable("HOME")!.TrimEnd('/');

    [Theory]
    [InlineData("\"yes\"", true)]
    [InlineData("\"YES\"", true)]
    [InlineData("\"On\"", true)]
    [InlineData("\"y\"", true)]
    [InlineData("\"t\"", true)]
    [InlineData("\"1\"", true)]
    [InlineData("\"True\"", true)]
    [InlineData("\" yes \"", true)] // boolean() strips
    [InlineData("\"no\"", false)]
    [InlineData("\"Off\"", false)]
    [InlineData("\"n\"", false)]
    [InlineData("\"f\"", false)]
    [InlineData("\"0\"", false)]
    [InlineData("\"FALSE\"", false)]
    [InlineData("\"\\tno\\n\"", false)]
    [InlineData("true", true)]
    [InlineData("false", false)]
    [InlineData("1", true)]
    [InlineData("1.0", true)]
    [InlineData("0", false)]
    [InlineData("0.0", false)]
    public void A_bool_is_any_of_Ansibles_words_in_any_case_or_the_numbers_one_and_zero(string json, bool expected)
    {
        Assert.Equal(expected, Convert(json, OptionType.Bool)!.GetValue<bool>());
    }

    [Fact]
    public void Anything_else_is_not_a_bool_and_the_reason_lists_every_valid_boolean()
    {
        var maybe = Refusal("\"maybe\"", OptionType.Bool);
        Assert.StartsWith("The value 'maybe' is not a valid boolean.  Valid booleans include: ", maybe, StringComparison.Ordinal);
        foreach (var word in new[] { "'y'", "'yes'", "'on'", "'1'", "'true'", "'t'", "'n'", "'no'", "'off'", "'0'", "'false'", "'f'", " 0,", " 1" })
        {
            Assert.Contains(word, maybe, StringComparison.Ordinal);
        }

        Assert.StartsWith("The value '2' is not a valid boolean.", Refusal("2", OptionType.Bool), StringComparison.Ordinal);
        Assert.StartsWith("The value '' is not a valid boolean.", Refusal("\"\"", OptionType.Bool), StringComparison.Ordinal);
        Assert.Equal("<class 'list'> cannot be converted to a bool", Refusal("[true]", OptionType.Bool));
        Assert.Equal("<class 'dict'> cannot be converted to a bool", Refusal("{}", OptionType.Bool));
    }

    [Theory]
    [InlineData("\"3\"", 3)]
    [InlineData("\" 5 \"", 5)]
    [InlineData("\"+7\"", 7)]
    [InlineData("\"-2\"", -2)]
    [InlineData("42", 42)]
    [InlineData("9007199254740993", 9007199254740993)]
    public void An_int_is_an_integer_or_a_string_python_reads_as_one(string json, long expected)
    {
        Assert.Equal(expected, Convert(json, OptionType.Int)!.GetValue<long>());
    }

    [Theory]
    [InlineData("\"many\"", "<class 'str'> cannot be converted to an int")]
    [InlineData("\"5.0\"", "<class 'str'> cannot be converted to an int")]
    [InlineData("\"\"", "<class 'str'> cannot be converted to an int")]
    [InlineData("3.5", "<class 'float'> cannot be converted to an int")]
    [InlineData("[1]", "<class 'list'> cannot be converted to an int")]
    [InlineData("{}", "<class 'dict'> cannot be converted to an int")]
    public void A_value_that_is_not_an_integer_is_refused_naming_its_python_type(string json, string reason)
    {
        Assert.Equal(reason, Refusal(json, OptionType.Int));
    }

    [Fact]
    public void A_float_is_a_number_or_a_string_python_reads_as_one()
    {
        Assert.Equal(0.5, Convert("\"0.5\"", OptionType.Float)!.GetValue<double>());
        Assert.Equal(2.5, Convert("\" 2.5 \"", OptionType.Float)!.GetValue<double>());
        Assert.Equal(1000.0, Convert("\"1e3\"", OptionType.Float)!.GetValue<double>());
        Assert.Equal(3.0, Convert("3", OptionType.Float)!.GetValue<double>());
        Assert.Equal("<class 'str'> cannot be converted to a float", Refusal("\"x\"", OptionType.Float));
        Assert.Equal("<class 'list'> cannot be converted to a float", Refusal("[]", OptionType.Float));
    }

    [Theory]
    [InlineData("\"text\"", "text")]
    [InlineData("true", "True")] // Python's str(True)
    [InlineData("false", "False")]
    [InlineData("5", "5")]
    [InlineData("5.5", "5.5")]
    [InlineData("5.0", "5.0")]
    public void A_str_keeps_a_string_and_renders_a_scalar_as_python_does(string json, string expected)
    {
        Assert.Equal(expected, Convert(json, OptionType.Str)!.GetValue<string>());
    }

    [Fact]
    public void A_path_expands_environment_variables_and_the_home_directory_as_ansible_does()
    {
        Assert.Equal(Home + "/.cache/solti", Convert("\"~/.cache/solti\"", OptionType.Path)!.GetValue<string>());
        Assert.Equal(Home, Convert("\"~\"", OptionType.Path)!.GetValue<string>());
        Assert.Equal(Home + "/outbox", Convert("\"$HOME/outbox\"", OptionType.Path)!.GetValue<string>());
        Assert.Equal(Home + "/schemas", Convert("\"${HOME}/schemas\"", OptionType.Path)!.GetValue<string>());
        Assert.Equal("$SOLTI_NO_SUCH_VARIABLE_7F3A/x", Convert("\"$SOLTI_NO_SUCH_VARIABLE_7F3A/x\"", OptionType.Path)!.GetValue<string>()); // an unknown variable stays
        Assert.Equal("/var/lib/solti~1", Convert("\"/var/lib/solti~1\"", OptionType.Path)!.GetValue<string>());
    }

    [Fact]
    public void A_list_keeps_a_list_splits_a_string_on_commas_and_wraps_a_number_as_its_text()
    {
        Assert.Equal("[1,\"a\",null]", Convert("[1, \"a\", null]", OptionType.List)!.ToJsonString());
        Assert.Equal("[\"a\",\" b\",\"\"]", Convert("\"a, b,\"", OptionType.List)!.ToJsonString()); // no stripping, as str.split(",")
        Assert.Equal("[\"a\"]", Convert("\"a\"", OptionType.List)!.ToJsonString());
        Assert.Equal("[\"5\"]", Convert("5", OptionType.List)!.ToJsonString()); // [str(value)]
        Assert.Equal("[\"3.5\"]", Convert("3.5", OptionType.List)!.ToJsonString());
        Assert.Equal("[\"True\"]", Convert("true", OptionType.List)!.ToJsonString()); // a bool is an int in Python
        Assert.Equal("<class 'dict'> cannot be converted to a list", Refusal("{\"a\": 1}", OptionType.List));
    }

    [Fact]
    public void A_dict_is_a_mapping_a_json_object_in_a_string_or_key_value_pairs()
    {
        Assert.Equal("{\"a\":1,\"b\":[true]}", Convert("{\"a\": 1, \"b\": [true]}", OptionType.Dict)!.ToJsonString());
        Assert.Equal("{\"a\":1}", Convert("\"{\\\"a\\\": 1}\"", OptionType.Dict)!.ToJsonString());
        Assert.Equal("{\"k1\":\"v1\",\"k2\":\"v2\"}", Convert("\"k1=v1 k2=v2\"", OptionType.Dict)!.ToJsonString());
        Assert.Equal("{\"k1\":\"v1\",\"k2\":\"a=b\"}", Convert("\"k1=v1, k2=a=b\"", OptionType.Dict)!.ToJsonString());
        var quoted = Convert("\"a=1,b=\\\"x y\\\" c='it\\\\'s, fine'\"", OptionType.Dict)!; // quotes and escapes
        Assert.Equal(["a=1", "b=x y", "c=it's, fine"], quoted.AsObject().Select(p => $"{p.Key}={p.Value!.GetValue<string>()}"));
    }

    [Fact]
    public void A_dict_that_cannot_be_read_is_refused_with_Ansibles_reason()
    {
        Assert.Equal("dictionary requested, could not parse JSON or key=value", Refusal("\"not a dict\"", OptionType.Dict));
        Assert.Equal("unable to evaluate string as dictionary", Refusal("\"{not json\"", OptionType.Dict));
        Assert.Equal("<class 'int'> cannot be converted to a dict", Refusal("5", OptionType.Dict));
        Assert.Equal("<class 'list'> cannot be converted to a dict", Refusal("[]", OptionType.Dict));
        Assert.Throws<FormatException>(() => Convert("\"a=1,b\"", OptionType.Dict)); // a field without '='
    }

    [Fact]
    public void Raw_keeps_any_value_as_a_copy_and_null_stays_null_for_every_type()
    {
        var value = JsonNode.Parse("{\"a\": [1, \"2\"]}");
        var raw = TypeCoercion.Convert(value, OptionType.Raw);
        Assert.Equal(value!.ToJsonString(), raw!.ToJsonString());
        Assert.NotSame(value, raw);
        foreach (var type in Enum.GetValues<OptionType>())
        {
            Assert.Null(TypeCoercion.Convert(null, type));
        }
    }

    [Theory]
    [InlineData(null, "<class 'NoneType'>")]
    [InlineData("{}", "<class 'dict'>")]
    [InlineData("[]", "<class 'list'>")]
    [InlineData("\"s\"", "<class 'str'>")]
    [InlineData("false", "<class 'bool'>")]
    [InlineData("5", "<class 'int'>")]
    [InlineData("5.0", "<class 'float'>")]
    [InlineData("5.5", "<class 'float'>")]
    public void Values_are_named_by_the_python_type_json_gives_them(string? json, string name)
    {
        Assert.Equal(name, TypeCoercion.PythonType(json is null ? null : JsonNode.Parse(json)));
    }

    [Fact]
    public void Type_names_are_ansibles()
    {
        Assert.Equal(["str", "bool", "int", "float", "dict", "list", "path", "raw"], Enum.GetValues<OptionType>().Select(TypeCoercion.TypeName));
    }
}
