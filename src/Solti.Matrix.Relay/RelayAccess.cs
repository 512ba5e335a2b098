using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Solti.Matrix.Relay;

/// <summary>Who may use the relay, asked before anything else: every request carries the relay's bearer token
/// (<see cref="RelayToken"/>; over TCP and over the socket alike), and an event goes only to a room of
/// <c>--allow-room</c> (when given) as a sender of <c>--allow-sender</c> (by default only the relay's own user).
/// A missing or wrong token is 401, a room or sender not allowed 403, each with an errcode and a sentence.</summary>
public sealed class RelayAccess(string token, string tokenFile, IReadOnlyCollection<string> rooms, IReadOnlyCollection<string> senders)
{
    private readonly byte[] _token = Encoding.UTF8.GetBytes(token);
    private readonly HashSet<string> _rooms = new(rooms, StringComparer.Ordinal);
    private readonly HashSet<string> _senders = new(senders, StringComparer.Ordinal);

    /// <summary>Null when the request carries the token; else the 401 to answer.</summary>
    public Refusal? Authenticate(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return new(401, "M_MISSING_TOKEN", $"this relay needs the header Authorization: Bearer <token>, the token being the first line of {tokenFile}");
        }

        var given = Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim());
        return CryptographicOperations.FixedTimeEquals(given, _token)
            ? null
            : new(401, "M_UNKNOWN_TOKEN", $"the bearer token is not this relay's (the relay's token is the first line of {tokenFile})");
    }

    /// <summary>Null when events may go to <paramref name="room"/> as <paramref name="sender"/>; else the 403 to answer.</summary>
    /// <param name="sender">The user the event is to be posted as.</param>
    /// <param name="own">The relay's own user (null while its token's owner is not known).</param>
    public Refusal? Allow(string room, string? sender, string? own)
    {
        if (_rooms.Count > 0 && !_rooms.Contains(room))
        {
            return new(403, "M_FORBIDDEN", $"room {room} is not in this relay's --allow-room list ({string.Join(", ", _rooms)}; name rooms as the relay's list does)");
        }

        if (sender is not null && sender != own && !_senders.Contains(sender))
        {
            return new(403, "M_FORBIDDEN", _senders.Count == 0
                ? $"this relay posts only as its own user{(own is null ? "" : " " + own)}; start it with --allow-sender {sender} to let producers post as {sender}"
                : $"sender {sender} is not in this relay's --allow-sender list ({string.Join(", ", _senders)})");
        }

        return null;
    }

    /// <summary>A refusal: the status, the Matrix-style errcode and what to do.</summary>
    public sealed record Refusal(int Status, string Errcode, string Error);
}
