namespace Solti.Matrix.Crypto;

/// <summary>Why a room key was not sent (<c>m.room_key.withheld</c>'s <c>code</c>).</summary>
public enum WithheldCode
{
    /// <summary><c>m.blacklisted</c>: the device was blacklisted.</summary>
    Blacklisted,

    /// <summary><c>m.unverified</c>: keys go only to verified devices, and this one is not.</summary>
    Unverified,

    /// <summary><c>m.unauthorised</c>: the device may not have the key.</summary>
    Unauthorised,

    /// <summary><c>m.unavailable</c>: the key is not here (a reply to a key request).</summary>
    Unavailable,

    /// <summary><c>m.no_olm</c>: no Olm session could be made with the device.</summary>
    NoOlm,
}

/// <summary>The to-device contents about room keys: <c>m.room_key</c> (sent inside Olm) and <c>m.room_key.withheld</c>
/// (sent in the clear).</summary>
public static class RoomKeyContent
{
    /// <summary>The <c>m.room_key</c> content sharing our Megolm session for a room.</summary>
    public static JsonObject RoomKey(string roomId, MegolmOutboundSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return new JsonObject
        {
            ["algorithm"] = Algorithms.Megolm,
            ["room_id"] = roomId,
            ["session_id"] = session.SessionId,
            ["session_key"] = session.SessionKey(),
        };
    }

    /// <summary>The wire form of a code (<c>m.unverified</c>, …).</summary>
    public static string Code(WithheldCode code) => code switch
    {
        WithheldCode.Blacklisted => "m.blacklisted",
        WithheldCode.Unverified => "m.unverified",
        WithheldCode.Unauthorised => "m.unauthorised",
        WithheldCode.Unavailable => "m.unavailable",
        WithheldCode.NoOlm => "m.no_olm",
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, "not a withheld code"),
    };

    /// <summary>The <c>m.room_key.withheld</c> content. <paramref name="roomId"/> and <paramref name="sessionId"/> are
    /// required except for <see cref="WithheldCode.NoOlm"/>, which is about every session and carries neither.</summary>
    public static JsonObject Withheld(WithheldCode code, string senderKey, string? roomId = null, string? sessionId = null, string? reason = null)
    {
        var content = new JsonObject { ["algorithm"] = Algorithms.Megolm, ["code"] = Code(code), ["sender_key"] = senderKey };
        if (code != WithheldCode.NoOlm)
        {
            content["room_id"] = roomId ?? throw new ArgumentException("a withheld key names its room", nameof(roomId));
            content["session_id"] = sessionId ?? throw new ArgumentException("a withheld key names its session", nameof(sessionId));
        }

        if (reason is not null)
        {
            content["reason"] = reason;
        }

        return content;
    }
}
