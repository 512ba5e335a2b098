using System.Text.Json.Nodes;
using Solti.Matrix.Config;

namespace Solti.Matrix.Tests;

/// <summary>Equality as the server means it, which decides whether the planners write at all, and the changed parts
/// that the diff shows.</summary>
[Trait("tier", "unit")]
public sealed class JsonSemanticsTests
{
    private static JsonNode? Parse(string json) => JsonNode.Parse(json);

    private static void AssertJson(string expected, JsonNode? actual) => Assert.Equal(JsonNode.Parse(expected)!.ToJsonString(), actual?.ToJsonString());

    [Theory]
    [InlineData("50", "50.0", true)]
    [InlineData("50", "5e1", true)]
    [InlineData("0.1", "0.10", true)]
    [InlineData("-0", "0", true)]
    [InlineData("9007199254740993", "9007199254740993.0", true)] // beyond a double's precision, still by value
    [InlineData("50", "51", false)]
    [InlineData("9007199254740993", "9007199254740992", false)]
    [InlineData("50", "\"50\"", false)] // a string is not a number
    [InlineData("1", "true", false)]
    [InlineData("0", "false", false)]
    [InlineData("\"a\"", "\"a\"", true)]
    [InlineData("\"a\"", "\"A\"", false)]
    [InlineData("\"\"", "null", false)]
    [InlineData("0", "null", false)]
    [InlineData("true", "true", true)]
    [InlineData("true", "false", false)]
    [InlineData("null", "null", true)]
    public void Scalars_are_equal_by_kind_and_numbers_by_value(string a, string b, bool equal)
    {
        Assert.Equal(equal, JsonSemantics.Equal(Parse(a), Parse(b)));
        Assert.Equal(equal, JsonSemantics.Equal(Parse(b), Parse(a)));
    }

    [Fact]
    public void Mappings_are_equal_key_by_key_in_any_order_at_any_depth()
    {
        Assert.True(JsonSemantics.Equal(
            Parse("""{"a": 1, "b": {"c": [1, 2], "d": "x"}}"""),
            Parse("""{"b": {"d": "x", "c": [1.0, 2]}, "a": 1.0}""")));
        Assert.False(JsonSemantics.Equal(Parse("""{"a": 1, "b": {"c": 1}}"""), Parse("""{"a": 1, "b": {"c": 2}}""")));
        Assert.False(JsonSemantics.Equal(Parse("""{"a": 1}"""), Parse("""{"a": 1, "b": 2}""")));
        Assert.False(JsonSemantics.Equal(Parse("""{"a": 1}"""), Parse("""[1]""")));
    }

    [Fact]
    public void A_null_value_equals_a_missing_key_and_nothing_else()
    {
        Assert.True(JsonSemantics.Equal(Parse("""{"a": null}"""), Parse("{}")));
        Assert.True(JsonSemantics.Equal(Parse("""{"x": {"a": null, "b": 1}}"""), Parse("""{"x": {"b": 1}}""")));
        Assert.True(JsonSemantics.Equal(null, Parse("null")));
        Assert.True(JsonSemantics.Equal(null, null));
        Assert.False(JsonSemantics.Equal(Parse("""{"a": null}"""), Parse("""{"a": 0}""")));
        Assert.False(JsonSemantics.Equal(Parse("""{"a": null}"""), Parse("""{"a": ""}""")));
        Assert.False(JsonSemantics.Equal(Parse("""{"a": {}}"""), Parse("{}"))); // an empty mapping is a value
        Assert.False(JsonSemantics.Equal(Parse("[]"), null));
    }

    [Fact]
    public void Lists_are_equal_in_order_and_length_with_their_items_compared_the_same_way()
    {
        Assert.True(JsonSemantics.Equal(Parse("""[[1, {"a": 50, "b": null}], [], null]"""), Parse("""[[1.0, {"a": 50.0}], [], null]""")));
        Assert.False(JsonSemantics.Equal(Parse("[1, 2]"), Parse("[2, 1]")));
        Assert.False(JsonSemantics.Equal(Parse("[1]"), Parse("[1, null]"))); // a list has no missing items
        Assert.False(JsonSemantics.Equal(Parse("[[1]]"), Parse("[1]")));
    }

    [Fact]
    public void Values_built_in_code_equal_the_same_values_parsed_from_json()
    {
        Assert.True(JsonSemantics.Equal(JsonValue.Create(50L), Parse("50.0")));
        Assert.True(JsonSemantics.Equal(JsonValue.Create(0.5), Parse("0.50")));
        Assert.True(JsonSemantics.Equal(JsonValue.Create(86_400_000), Parse("8.64e7")));
        Assert.True(JsonSemantics.Equal(JsonValue.Create(true), Parse("true")));
        Assert.True(JsonSemantics.Equal(JsonValue.Create("é <b> & 'q' +"), Parse("\"\\u00e9 <b> & 'q' +\"")));
        Assert.True(JsonSemantics.Equal(new JsonObject { ["users"] = new JsonObject { ["@a:x"] = 100 } }, Parse("""{"users": {"@a:x": 100.0}}""")));
        Assert.False(JsonSemantics.Equal(JsonValue.Create("50"), JsonValue.Create(50)));
    }

    [Fact]
    public void Is_null_is_true_for_a_missing_value_and_json_null_only()
    {
        Assert.True(JsonSemantics.IsNull(null));
        Assert.True(JsonSemantics.IsNull(Parse("null")));
        Assert.True(JsonSemantics.IsNull(Parse("""{"a": null}""")!["a"]));
        Assert.False(JsonSemantics.IsNull(Parse("\"\"")));
        Assert.False(JsonSemantics.IsNull(Parse("0")));
        Assert.False(JsonSemantics.IsNull(Parse("false")));
        Assert.False(JsonSemantics.IsNull(Parse("{}")));
    }

    [Fact]
    public void Changed_keeps_only_the_parts_that_differ_recursing_into_mappings()
    {
        var before = Parse("""{"users": {"@a:x": 100, "@b:x": 50}, "kick": 50, "ban": 50, "events": {"m.room.name": 50}, "list": [1], "gone": 1}""")!.AsObject();
        var after = Parse("""{"users": {"@a:x": 100, "@b:x": 0, "@c:x": 10}, "kick": 50.0, "ban": 75, "events": {"m.room.name": 50.0}, "list": [1, 2], "new": "x"}""")!.AsObject();

        var (changedBefore, changedAfter) = JsonSemantics.Changed(before, after);

        AssertJson("""{"users": {"@b:x": 50, "@c:x": null}, "ban": 50, "list": [1], "gone": 1, "new": null}""", changedBefore);
        AssertJson("""{"users": {"@b:x": 0, "@c:x": 10}, "ban": 75, "list": [1, 2], "gone": null, "new": "x"}""", changedAfter);
        changedBefore["users"]!["@b:x"] = 1; // copies: the inputs stay as they were
        Assert.Equal(50, before["users"]!["@b:x"]!.GetValue<int>());
    }

    [Fact]
    public void Changed_between_equal_mappings_is_empty_on_both_sides()
    {
        var (changedBefore, changedAfter) = JsonSemantics.Changed(
            Parse("""{"a": 1, "b": null, "d": [1.0]}""")!.AsObject(),
            Parse("""{"d": [1], "a": 1.0}""")!.AsObject());

        Assert.Empty(changedBefore);
        Assert.Empty(changedAfter);
    }
}
