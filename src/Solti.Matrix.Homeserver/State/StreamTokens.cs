using System.Globalization;

namespace Solti.Matrix.Homeserver.State;

/// <summary>Stream tokens: <c>s{n}</c>, a position of the one stream (<see cref="ServerState.NextPosition"/>). Sync's
/// <c>next_batch</c>, <c>prev_batch</c> and <c>/messages</c>' <c>start</c>/<c>end</c> are all of this form, so each is
/// accepted wherever another is.</summary>
public static class StreamTokens
{
    public static string Format(long position) => "s" + position.ToString(CultureInfo.InvariantCulture);

    /// <summary>The position, null for no token; 400 <c>M_INVALID_PARAM</c> for one not of this server.</summary>
    public static long? Parse(string? token)
    {
        if (token is null)
        {
            return null;
        }

        if (token.Length < 2 || token[0] != 's' || !long.TryParse(token.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var position))
        {
            throw Errors.InvalidParam("Invalid stream token");
        }

        return position;
    }
}
