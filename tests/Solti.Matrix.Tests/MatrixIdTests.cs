using Solti.Matrix.Identifiers;

namespace Solti.Matrix.Tests;

/// <summary>The one grammar of Matrix identifiers that every module, the CLI, the relay and the config parser ask.</summary>
[Trait("tier", "unit")]
public sealed class MatrixIdTests
{
    private static readonly string Long = new('a', 300);

    [Theory]
    [InlineData(MatrixIdKind.User, "@bot:example.com")]
    [InlineData(MatrixIdKind.User, "@solti-logger:localhost:8008")]
    [InlineData(MatrixIdKind.User, "@Old.Style_User!:example.com")] // the historical grammar: what a server may hold
    [InlineData(MatrixIdKind.User, "@bot:[::1]:8448")]
    [InlineData(MatrixIdKind.User, "@bot:127.0.0.1")]
    [InlineData(MatrixIdKind.Room, "!abcDEF:example.com")]
    [InlineData(MatrixIdKind.Room, "!abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ")] // room version 12: no server
    [InlineData(MatrixIdKind.Room, "!BeXKh925K_M46DwsuJFR0EyBpE1P7CFUDGuWW4xw55Y")] // as Synapse mints them
    [InlineData(MatrixIdKind.RoomOrAlias, "!BeXKh925K_M46DwsuJFR0EyBpE1P7CFUDGuWW4xw55Y")]
    [InlineData(MatrixIdKind.Alias, "#ops:example.com")]
    [InlineData(MatrixIdKind.Alias, "#ops-été:example.com")]
    [InlineData(MatrixIdKind.RoomOrAlias, "!abc:example.com")]
    [InlineData(MatrixIdKind.RoomOrAlias, "#ops:example.com")]
    [InlineData(MatrixIdKind.ServerName, "example.com")]
    [InlineData(MatrixIdKind.ServerName, "matrix.example.com:8448")]
    [InlineData(MatrixIdKind.ServerName, "localhost")]
    [InlineData(MatrixIdKind.ServerName, "[1234:5678::abcd]:5678")]
    [InlineData(MatrixIdKind.EventType, "m.room.message")]
    [InlineData(MatrixIdKind.EventType, "com.solti.event")]
    public void Valid_identifiers_pass(MatrixIdKind kind, string value)
    {
        Assert.Null(MatrixId.Problem(kind, value));
        Assert.Equal(value, MatrixId.Require(kind, value, "x"));
    }

    [Theory]
    [InlineData(MatrixIdKind.User, "", "it is empty")]
    [InlineData(MatrixIdKind.User, "bot", "it does not start with @")]
    [InlineData(MatrixIdKind.User, "@bot", "it has no :server part")]
    [InlineData(MatrixIdKind.User, "@:localhost", "the local part is empty")]
    [InlineData(MatrixIdKind.User, "@bo b:localhost", "the local part has a space, which a user id cannot contain")]
    [InlineData(MatrixIdKind.User, "@bot:", "the server name is empty")]
    [InlineData(MatrixIdKind.User, "@bot:local host", "the server name 'local host' is not a host name")]
    [InlineData(MatrixIdKind.User, "@bot:example.com:99999", "the port of the server name 'example.com:99999' is not a number from 1 to 65535")]
    [InlineData(MatrixIdKind.User, "@bot:300.1.1.1", "the server name '300.1.1.1' is not a host name")]
    [InlineData(MatrixIdKind.User, "@bot:[::zz]", "the server name '[::zz]' is not a host name")]
    [InlineData(MatrixIdKind.Room, "!nocolon", "it has no :server part (only a room version 12 id has none")]
    [InlineData(MatrixIdKind.Room, "!abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP", "it has no :server part")] // 42 characters
    [InlineData(MatrixIdKind.Room, "!abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQR", "it has no :server part")] // 44 characters
    [InlineData(MatrixIdKind.Room, "!abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNO+/", "it has no :server part")] // standard base64, not URL-safe
    [InlineData(MatrixIdKind.User, "@abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ", "it has no :server part")] // no other kind loses its server
    [InlineData(MatrixIdKind.Alias, "#abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ", "it has no :server part")]
    [InlineData(MatrixIdKind.Room, "!abc:local host", "the server name 'local host' is not a host name")]
    [InlineData(MatrixIdKind.Room, "#ops:example.com", "it does not start with !")]
    [InlineData(MatrixIdKind.Alias, "#:example.com", "the local part is empty")]
    [InlineData(MatrixIdKind.Alias, "#o ps:example.com", "the local part has a space, which an alias cannot contain")]
    [InlineData(MatrixIdKind.RoomOrAlias, "solti-verify", "it starts with neither ! nor #")]
    [InlineData(MatrixIdKind.ServerName, "https://example.com", "is not a host name")]
    [InlineData(MatrixIdKind.ServerName, "example.com:", "the port of the server name 'example.com:' is not a number from 1 to 65535")]
    [InlineData(MatrixIdKind.EventType, "", "it is empty")]
    [InlineData(MatrixIdKind.EventType, "m.room message", "it has a space, which an event type cannot contain")]
    [InlineData(MatrixIdKind.EventType, "m.room.message\n", "it has U+000A, which an event type cannot contain")]
    public void Invalid_identifiers_say_why(MatrixIdKind kind, string value, string reason)
    {
        Assert.Contains(reason, MatrixId.Problem(kind, value), StringComparison.Ordinal);
        Assert.False(MatrixId.IsValid(kind, value));
    }

    [Fact]
    public void An_identifier_longer_than_255_bytes_is_refused_whatever_its_kind()
    {
        foreach (var (kind, value) in new[] { (MatrixIdKind.User, $"@{Long}:localhost"), (MatrixIdKind.Alias, $"#{Long}:localhost"), (MatrixIdKind.EventType, Long), (MatrixIdKind.ServerName, Long) })
        {
            Assert.Contains("more than the 255", MatrixId.Problem(kind, value), StringComparison.Ordinal);
        }

        // 255 bytes is the limit in UTF-8, not in characters: 128 two-byte letters are 256 bytes.
        Assert.Contains("257 bytes", MatrixId.Problem(MatrixIdKind.Alias, "#" + new string('é', 128)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(MatrixIdKind.Alias, "ops", null)]
    [InlineData(MatrixIdKind.Alias, "ops room", "the local part has a space, which an alias cannot contain")]
    [InlineData(MatrixIdKind.Alias, "", "the local part is empty")]
    [InlineData(MatrixIdKind.Alias, "ops:x", "the local part has ':', which separates the server")]
    [InlineData(MatrixIdKind.User, "bot", null)]
    [InlineData(MatrixIdKind.User, "bo b", "the local part has a space, which a user id cannot contain")]
    public void A_bare_local_part_is_checked_without_a_stand_in_server(MatrixIdKind kind, string localpart, string? problem) =>
        Assert.Equal(problem, MatrixId.LocalpartProblem(kind, localpart));

    [Fact]
    public void A_bare_local_part_too_long_for_any_server_is_refused_by_its_own_length() =>
        Assert.Equal("the local part is 300 bytes long; with its sigil and server a Matrix identifier may have no more than 255", MatrixId.LocalpartProblem(MatrixIdKind.Alias, new string('a', 300)));

    [Fact]
    public void Require_names_the_parameter_the_expected_form_the_reason_and_the_value()
    {
        var refused = Assert.Throws<MatrixIdException>(() => MatrixId.Require(MatrixIdKind.User, "@bo b:localhost", "user_id"));

        Assert.Equal("user_id must be a full Matrix user id such as @bot:example.com: the local part has a space, which a user id cannot contain, got '@bo b:localhost'", refused.Message);
        Assert.Equal("user_id", refused.Parameter);
        Assert.Equal(MatrixIdKind.User, refused.Kind);
        Assert.IsAssignableFrom<ArgumentException>(refused);
    }

    [Theory]
    [InlineData("bot", true)]
    [InlineData("solti-logger.v2=x/y+z_1", true)]
    [InlineData("Bot", false)]
    [InlineData("bot!", false)]
    [InlineData("", false)]
    public void New_accounts_follow_the_strict_localpart_rule(string localpart, bool conforming) =>
        Assert.Equal(conforming, MatrixId.IsConformingUserLocalpart(localpart));

    [Theory]
    [InlineData('@', "bot", "example.com", "@bot:example.com")]
    [InlineData('@', "@bot", "example.com", "@bot:example.com")]
    [InlineData('@', "@bot:other.org", "example.com", "@bot:other.org")]
    [InlineData('#', "ops", "example.com", "#ops:example.com")]
    [InlineData('#', "#ops:example.com", "other.org", "#ops:example.com")]
    public void Short_ids_are_qualified_with_the_server(char sigil, string given, string server, string expected)
    {
        Assert.Equal(expected, MatrixId.Qualify(sigil, given, server));
        Assert.Equal(expected[(expected.IndexOf(':', StringComparison.Ordinal) + 1)..], MatrixId.Server(expected));
    }

    [Fact]
    public void The_server_is_after_the_first_colon_so_ipv6_literals_keep_theirs()
    {
        Assert.Equal("[::1]:8448", MatrixId.Server("@bot:[::1]:8448"));
        Assert.Equal("bot", MatrixId.Localpart("@bot:[::1]:8448"));
        Assert.Null(MatrixId.Server("@bot"));
    }

    [Fact]
    public void A_room_version_12_id_has_no_server_so_a_bare_alias_takes_its_server_elsewhere()
    {
        const string Hashed = "!BeXKh925K_M46DwsuJFR0EyBpE1P7CFUDGuWW4xw55Y";
        Assert.Null(MatrixId.Server(Hashed));
        Assert.Equal(Hashed[1..], MatrixId.Localpart(Hashed));
        Assert.Equal("example.com", MatrixId.Server("!abc:example.com"));
    }
}
