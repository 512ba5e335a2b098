using System.Text.Json.Nodes;
using Solti.Matrix.Config;

namespace Solti.Matrix.Tests;

/// <summary>The <c>matrix_config</c> input: short ids, Ansible-style coercion, and every error at once with its path.</summary>
[Trait("tier", "unit")]
public sealed class DesiredStateParserTests
{
    private static DesiredState Parse(string json) => DesiredStateParser.Parse(JsonNode.Parse(json)!.AsObject());

    [Fact]
    public void Short_ids_get_the_domain_and_values_are_coerced_as_ansible_does()
    {
        var state = Parse("""
            {"domain": "example.com",
             "users": [{"user_id": "bot", "admin": "yes", "deactivated": "false", "user_type": "none"},
                       {"user_id": "@ops:example.com", "ratelimit_override": {"messages_per_second": "0", "burst_count": 0}}],
             "rooms": [{"alias": "ops", "retention": {"max_lifetime_days": "30"},
                        "members": ["@bot", {"user_id": "@far:other.org"}, {"user_id": "carol", "power_level": "50", "membership": "invite"}],
                        "power_levels": {"users": {"@bot": 100}, "events": {"m.room.topic": 50}, "kick": 75}},
                       {"alias": "#lobby:example.com", "auto_join": false, "members": ["dave"]}]}
            """);
        var bot = state.Users[0];
        Assert.Equal("@bot:example.com", bot.UserId);
        Assert.True(bot.Fields["admin"]!.GetValue<bool>());
        Assert.False(bot.Fields["deactivated"]!.GetValue<bool>());
        Assert.True(bot.Fields.ContainsKey("user_type") && bot.Fields["user_type"] is null);
        Assert.Equal("{\"messages_per_second\":0,\"burst_count\":0}", state.Users[1].RatelimitOverride!.ToJsonString());
        var ops = state.Rooms[0];
        Assert.Equal("#ops:example.com", ops.Alias);
        Assert.Equal(30L * 86_400_000, ops.Retention!["max_lifetime"]!.GetValue<long>());
        Assert.Equal([("@bot:example.com", "join"), ("@far:other.org", "invite"), ("@carol:example.com", "invite")], ops.Members!.Select(m => (m.UserId, m.Membership)));
        Assert.Equal(50, ops.Members![2].PowerLevel);
        Assert.Equal(100, ops.PowerLevels!["users"]!["@bot:example.com"]!.GetValue<long>());
        Assert.Equal(75, ops.PowerLevels!["kick"]!.GetValue<long>());
        Assert.Equal("invite", state.Rooms[1].Members![0].Membership);
        Assert.Null(state.Rooms[1].Retention);
        Assert.Null(state.Users[0].RatelimitOverride);
    }

    [Fact]
    public void Every_error_is_reported_at_once_with_its_path()
    {
        var e = Assert.Throws<ConfigInputException>(() => Parse("""
            {"domain": "example.com", "colour": "blue",
             "users": [{"user_id": "Bad Name"}, {"user_id": "@x:elsewhere.org"}, {"user_id": "ok", "admin": "maybe"}, {"user_id": "ok"}],
             "rooms": [{"alias": "#a:elsewhere.org"}, {"alias": "b", "members": [{"user_id": ""}], "encrypted": 3},
                       {"alias": "c", "extra_state": [{"type": "m.room.topic", "content": {}}]}, {"name": "no alias"},
                       {"alias": "d", "join_rule": "sometimes", "power_levels": {"users": {"@a": "high"}}}]}
            """));
        string[] expected =
        [
            "colour: unsupported key",
            "users[0].user_id: 'Bad Name' is not a valid user id",
            "users[1].user_id: '@x:elsewhere.org' is on another server",
            "users[2].admin: expected a boolean",
            "users[3].user_id: @ok:example.com is already listed at users[2]",
            "rooms[0].alias: '#a:elsewhere.org' is on another server",
            "rooms[1].encrypted: expected a boolean",
            "rooms[1].members[0].user_id: required",
            "rooms[2].extra_state[0].type: m.room.topic is managed by its own key (topic)",
            "rooms[3].alias: required",
            "rooms[4].join_rule: expected one of public, invite, knock, private, got 'sometimes'",
            "rooms[4].power_levels.users.@a: expected an integer",
        ];
        foreach (var message in expected)
        {
            Assert.Contains(e.Errors, error => error.StartsWith(message, StringComparison.Ordinal));
        }

        Assert.Equal(expected.Length, e.Errors.Count);
        Assert.StartsWith("colour: unsupported key", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Extra_state_of_a_managed_type_names_the_key_of_the_table()
    {
        var e = Assert.Throws<ConfigInputException>(() => Parse("""
            {"domain": "example.com",
             "rooms": [{"alias": "a", "extra_state": [{"type": "m.room.encryption", "content": {}}, {"type": "m.room.join_rules", "content": {}},
                                                      {"type": "m.room.member", "state_key": "@x:example.com", "content": {}}, {"type": "m.room.create", "content": {}},
                                                      {"type": "m.room.name", "state_key": "other", "content": {"name": "ok"}}]}]}
            """));
        Assert.Equal(
        [
            "rooms[0].extra_state[0].type: m.room.encryption is managed by its own key (encrypted); set it there",
            "rooms[0].extra_state[1].type: m.room.join_rules is managed by its own key (join_rule); set it there",
            "rooms[0].extra_state[2].type: m.room.member is managed by its own key (members); set it there",
            "rooms[0].extra_state[3].type: m.room.create is managed by its own key (it cannot change); set it there",
        ], e.Errors);
        Assert.All(ManagedRoomState.Entries, entry => Assert.Contains(entry.Key, DesiredStateParser.RoomKeys));
    }

    [Theory]
    [InlineData("none")]
    [InlineData("None")]
    [InlineData("NONE")]
    [InlineData("null")]
    [InlineData("")]
    public void User_type_none_in_any_spelling_clears_the_type(string spelling)
    {
        var user = Parse($$"""{"domain": "example.com", "users": [{"user_id": "bot", "user_type": "{{spelling}}"}]}""").Users[0];
        Assert.True(user.Fields.ContainsKey("user_type"));
        Assert.Null(user.Fields["user_type"]);
        Assert.True(UserTypes.TryParse(spelling, out var type) && type is null);
        var e = Assert.Throws<ConfigInputException>(() => Parse("""{"domain": "example.com", "users": [{"user_id": "bot", "user_type": "robot"}]}"""));
        Assert.Equal(["users[0].user_type: expected bot, support or none, got 'robot'"], e.Errors);
    }

    [Fact]
    public void The_rate_limit_override_is_read_by_one_rule()
    {
        var errors = new List<string>();
        Assert.Null(RatelimitOverrides.Parse(null, "r", errors));
        Assert.Equal("{}", RatelimitOverrides.Parse(JsonValue.Create("absent"), "r", errors)!.ToJsonString());
        Assert.Equal("{}", RatelimitOverrides.Parse(JsonNode.Parse("""{"messages_per_second": null, "burst_count": null}"""), "r", errors)!.ToJsonString());
        Assert.Equal("""{"messages_per_second":50,"burst_count":0}""", RatelimitOverrides.Parse(JsonNode.Parse("""{"messages_per_second": 50.0}"""), "r", errors)!.ToJsonString());
        Assert.Equal("""{"messages_per_second":5,"burst_count":7}""", RatelimitOverrides.Parse(JsonNode.Parse("""{"messages_per_second": "5", "burst_count": 7}"""), "r", errors)!.ToJsonString());
        Assert.Empty(errors);
        Assert.Null(RatelimitOverrides.Parse(JsonNode.Parse("""{"messages_per_second": -1, "messages": 2}"""), "r", errors));
        Assert.Equal(["r.messages: unsupported key; supported: burst_count, messages_per_second", "r.messages_per_second: expected an integer of at least 0, got -1"], errors);
    }

    [Fact]
    public void Yaml_text_round_trips_strings_that_look_like_other_things()
    {
        var yaml = YamlText.Write(JsonNode.Parse("""{"topic": "deploys: and alerts", "flag": "yes", "n": "50", "empty": "", "list": ["a", {"b": 1}], "users": {"@carol:example.com": 50}}""")!);
        Assert.Equal("topic: \"deploys: and alerts\"\nflag: \"yes\"\n\"n\": \"50\"\nempty: \"\"\nlist:\n  - a\n  - b: 1\nusers:\n  \"@carol:example.com\": 50\n", yaml);
    }

    [Fact]
    public void A_room_takes_a_room_version_and_additional_creators_with_short_ids()
    {
        var room = Parse("""{"domain": "example.com", "rooms": [{"alias": "board", "room_version": 12, "additional_creators": ["carol", "@carol", "@dave:example.org"]}]}""").Rooms[0];
        Assert.Equal("12", room.RoomVersion);
        Assert.Equal(["@carol:example.com", "@dave:example.org"], room.AdditionalCreators);

        var e = Assert.Throws<ConfigInputException>(() => Parse("""{"domain": "example.com", "rooms": [{"alias": "board", "room_version": "v 12", "additional_creators": ["@bo b"]}]}"""));
        Assert.Equal(
            ["rooms[0].room_version: 'v 12' is not a room version (1 to 32 characters of a-z, 0-9, '.' and '-', such as 12)",
             "rooms[0].additional_creators[0]: '@bo b' is not a valid user id: the local part has a space, which a user id cannot contain"],
            e.Errors);
    }
}
