using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Solti.Matrix.Identifiers;

/// <summary>The grammar of Matrix identifiers (the spec's appendix "Identifier Grammar"), in one place: every module, the
/// CLI, the relay and the config parser ask it. User ids are checked against the historical grammar (what a server may
/// already hold); <see cref="IsConformingUserLocalpart"/> is the stricter rule for ids that are created.</summary>
public static class MatrixId
{
    /// <summary>The longest identifier the spec allows, in UTF-8 bytes, sigil and server included.</summary>
    public const int MaxBytes = 255;

    /// <summary>What a value of this kind looks like, for messages: "a full Matrix user id such as @bot:example.com".</summary>
    public static string Describe(MatrixIdKind kind) => kind switch
    {
        MatrixIdKind.User => "a full Matrix user id such as @bot:example.com",
        MatrixIdKind.Room => "a room id such as !abc:example.com",
        MatrixIdKind.Alias => "a room alias such as #ops:example.com",
        MatrixIdKind.RoomOrAlias => "a room id (!id:server) or an alias (#alias:server)",
        MatrixIdKind.ServerName => "a server name such as example.com or example.com:8448",
        MatrixIdKind.EventType => "an event type such as m.room.message",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>Why <paramref name="value"/> is not a valid identifier of this kind, or null when it is.</summary>
    public static string? Problem(MatrixIdKind kind, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "it is empty";
        }

        var bytes = Encoding.UTF8.GetByteCount(value);
        if (bytes > MaxBytes)
        {
            return $"it is {bytes} bytes long, more than the {MaxBytes} a Matrix identifier may have";
        }

        return kind switch
        {
            MatrixIdKind.User => Sigiled(value, '@', "local part", UserLocalpartProblem),
            MatrixIdKind.Room => RoomProblem(value),
            MatrixIdKind.Alias => Sigiled(value, '#', "local part", AliasLocalpartProblem),
            MatrixIdKind.RoomOrAlias => value[0] switch
            {
                '!' => RoomProblem(value),
                '#' => Sigiled(value, '#', "local part", AliasLocalpartProblem),
                _ => "it starts with neither ! nor #",
            },
            MatrixIdKind.ServerName => ServerNameProblem(value),
            MatrixIdKind.EventType => EventTypeProblem(value),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
    }

    /// <summary>True when <paramref name="value"/> is a valid id of <paramref name="kind"/>.</summary>
    public static bool IsValid(MatrixIdKind kind, string? value) => Problem(kind, value) is null;

    /// <summary>Why a bare local part (no sigil, no server; the server is found later) is not valid for a user id or an
    /// alias, or null when it is. The whole id is checked again once it has its server.</summary>
    public static string? LocalpartProblem(MatrixIdKind kind, string localpart)
    {
        if (localpart.Length == 0)
        {
            return "the local part is empty";
        }

        if (localpart.Contains(':', StringComparison.Ordinal))
        {
            return "the local part has ':', which separates the server";
        }

        var bytes = Encoding.UTF8.GetByteCount(localpart);
        if (bytes + 2 > MaxBytes)
        {
            return $"the local part is {bytes} bytes long; with its sigil and server a Matrix identifier may have no more than {MaxBytes}";
        }

        return kind switch
        {
            MatrixIdKind.User => UserLocalpartProblem(localpart),
            MatrixIdKind.Alias => AliasLocalpartProblem(localpart),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "only user ids and aliases have a local part alone"),
        };
    }

    /// <summary>The value when it is valid, else a <see cref="MatrixIdException"/> naming <paramref name="parameter"/>.</summary>
    public static string Require(MatrixIdKind kind, string? value, string parameter) =>
        Problem(kind, value) is { } reason ? throw new MatrixIdException(parameter, kind, reason, value) : value!;

    /// <summary>The spec's rule for new user ids: the local part uses only <c>a-z 0-9 . _ = - / +</c>.</summary>
    public static bool IsConformingUserLocalpart(string localpart) =>
        localpart.Length > 0 && localpart.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '_' or '=' or '-' or '/' or '+');

    /// <summary>The server part of <c>@local:server</c>, <c>!opaque:server</c> or <c>#alias:server</c> (after the first
    /// colon: an IPv6 literal has more), or null when there is none.</summary>
    public static string? Server(string id) => id.IndexOf(':', StringComparison.Ordinal) is var colon and >= 0 ? id[(colon + 1)..] : null;

    /// <summary>The local part: between the sigil and the first colon.</summary>
    public static string Localpart(string id) =>
        id.IndexOf(':', StringComparison.Ordinal) is var colon and >= 0 ? id[1..colon] : id[1..];

    /// <summary><c>bot</c>, <c>@bot</c> → <c>@bot:server</c> (sigil <c>@</c>); an id with a server is kept as given.</summary>
    public static string Qualify(char sigil, string localpartOrId, string server)
    {
        var id = localpartOrId.Length > 0 && localpartOrId[0] == sigil ? localpartOrId : sigil + localpartOrId;
        return id.Contains(':', StringComparison.Ordinal) ? id : $"{id}:{server}";
    }

    private static string? Sigiled(string value, char sigil, string part, Func<string, string?> localpartProblem)
    {
        if (value[0] != sigil)
        {
            return $"it does not start with {sigil}";
        }

        var colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return "it has no :server part";
        }

        var localpart = value[1..colon];
        if (localpart.Length == 0)
        {
            return $"the {part} is empty";
        }

        return localpartProblem(localpart) ?? ServerNameProblem(value[(colon + 1)..]);
    }

    /// <summary>The historical user id grammar: printable ASCII except the colon (0x21-0x39, 0x3B-0x7E).</summary>
    private static string? UserLocalpartProblem(string localpart) =>
        Refuse(localpart, c => c is < '!' or > '~' or ':', "the local part", "a user id");

    /// <summary>An alias's local part may hold any character but the colon; Synapse also refuses whitespace and
    /// control characters.</summary>
    private static string? AliasLocalpartProblem(string localpart) =>
        Refuse(localpart, c => char.IsWhiteSpace(c) || char.IsControl(c), "the local part", "an alias");

    private static string? RoomProblem(string value)
    {
        if (value[0] != '!')
        {
            return "it does not start with !";
        }

        if (!value.Contains(':', StringComparison.Ordinal))
        {
            // Room version 12 (MSC4291): the id is the create event's reference hash, 43 characters of unpadded URL-safe
            // base64, with no server. Any other id needs its server.
            return value.Length == 44 && value.Skip(1).All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
                ? null
                : "it has no :server part (only a room version 12 id has none: ! and 43 characters of URL-safe base64)";
        }

        return Sigiled(value, '!', "opaque part", opaque => Refuse(opaque, c => c is < '!' or > '~', "the opaque part", "a room id"));
    }

    /// <summary><c>host [":" port]</c>: a DNS name (letters, digits, <c>-</c> and <c>.</c>), an IPv4 literal or an IPv6
    /// literal in brackets; the port has 1 to 5 digits.</summary>
    private static string? ServerNameProblem(string server)
    {
        var invalid = $"the server name '{server}' is not a host name, an IPv4 address or a bracketed IPv6 address with an optional :port";
        if (server.Length == 0)
        {
            return "the server name is empty";
        }

        string host;
        string? port = null;
        if (server[0] == '[')
        {
            var close = server.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || !IPAddress.TryParse(server[1..close], out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                return invalid;
            }

            host = server[..(close + 1)];
            var rest = server[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':')
                {
                    return invalid;
                }

                port = rest[1..];
            }
        }
        else
        {
            var colon = server.IndexOf(':', StringComparison.Ordinal);
            host = colon < 0 ? server : server[..colon];
            port = colon < 0 ? null : server[(colon + 1)..];
            if (host.Length == 0 || !host.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.'))
            {
                return invalid;
            }

            if (host.All(c => char.IsAsciiDigit(c) || c == '.') && !IsIPv4(host))
            {
                return invalid;
            }
        }

        if (port is not null && !port.All(char.IsAsciiDigit))
        {
            return invalid;
        }

        if (port is not null && (port.Length is 0 or > 5 || int.Parse(port, CultureInfo.InvariantCulture) is 0 or > 65535))
        {
            return $"the port of the server name '{server}' is not a number from 1 to 65535";
        }

        return null;
    }

    private static bool IsIPv4(string host)
    {
        var parts = host.Split('.');
        return parts.Length == 4 && parts.All(p => p.Length is >= 1 and <= 3 && int.Parse(p, CultureInfo.InvariantCulture) <= 255);
    }

    /// <summary>The spec gives event types no grammar beyond their size; a space, a control character or nothing at all
    /// is never meant.</summary>
    private static string? EventTypeProblem(string value) =>
        Refuse(value, c => char.IsWhiteSpace(c) || char.IsControl(c), "it", "an event type");

    /// <summary>"{part} has {the first bad character}, which {what} cannot contain", or null when none is bad.</summary>
    private static string? Refuse(string text, Func<char, bool> isBad, string part, string what)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (isBad(text[i]))
            {
                return $"{part} has {Show(text[i])}, which {what} cannot contain";
            }
        }

        return null;
    }

    private static string Show(char c) => c switch
    {
        ' ' => "a space",
        _ when char.IsControl(c) || char.IsWhiteSpace(c) => $"U+{(int)c:X4}",
        _ => $"'{c}'",
    };
}
