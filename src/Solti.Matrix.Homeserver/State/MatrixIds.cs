using System.Text.RegularExpressions;

namespace Solti.Matrix.Homeserver.State;

/// <summary>Validation of user ids, room ids and aliases.</summary>
public static partial class MatrixIds
{
    [GeneratedRegex(@"^@[a-z0-9._=\-/+]+:[A-Za-z0-9.\-\[\]:]+$")]
    private static partial Regex UserIdPattern();

    [GeneratedRegex(@"^[a-z0-9._=\-/+]+$")]
    private static partial Regex LocalpartPattern();

    public static bool IsUserId(string value) => UserIdPattern().IsMatch(value);

    public static bool IsLocalpart(string value) => LocalpartPattern().IsMatch(value);

    [GeneratedRegex(@"^![A-Za-z0-9\-_]{43}$")]
    private static partial Regex HashRoomIdPattern();

    /// <summary><c>!opaque:server</c>, or (room version 12, MSC4291) <c>!</c> and 43 characters of unpadded URL-safe base64
    /// (the create event's reference hash) with no server, as Synapse's <c>RoomID</c> accepts.</summary>
    public static bool IsRoomId(string value) =>
        value.StartsWith('!') && (value.Contains(':', StringComparison.Ordinal) || HashRoomIdPattern().IsMatch(value));

    public static bool IsAlias(string value) => value.StartsWith('#') && value.Contains(':', StringComparison.Ordinal);

    public static string RequireUserId(string value, string what = "user_id")
    {
        if (!IsUserId(value))
        {
            throw Errors.InvalidParam($"Invalid {what}: {value}");
        }

        return value;
    }

    /// <summary>A localpart or a full MXID → the full MXID on <paramref name="serverName"/>.</summary>
    public static string Qualify(string userOrLocalpart, string serverName) =>
        userOrLocalpart.StartsWith('@') ? userOrLocalpart.ToLowerInvariant() : $"@{userOrLocalpart.ToLowerInvariant()}:{serverName}";
}
