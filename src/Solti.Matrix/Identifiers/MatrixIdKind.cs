namespace Solti.Matrix.Identifiers;

/// <summary>The kinds of Matrix identifier that <see cref="MatrixId"/> knows the grammar of.</summary>
public enum MatrixIdKind
{
    /// <summary><c>@localpart:server</c>.</summary>
    User,

    /// <summary><c>!opaque:server</c>, or room version 12's <c>!</c> and 43 characters of unpadded URL-safe base64.</summary>
    Room,

    /// <summary><c>#localpart:server</c>.</summary>
    Alias,

    /// <summary>A room id or an alias.</summary>
    RoomOrAlias,

    /// <summary><c>host[:port]</c>: a DNS name, an IPv4 literal or a bracketed IPv6 literal.</summary>
    ServerName,

    /// <summary>An event type such as <c>m.room.message</c> or <c>com.example.deploy</c>.</summary>
    EventType,
}
