using System.Globalization;

namespace Solti.Matrix;

/// <summary>A point in time as operators write it: milliseconds since the epoch (<c>1798675200000</c>), an ISO 8601 date or
/// time (<c>2027-01-31</c>, <c>2027-01-31T12:00:00Z</c>; UTC unless it says otherwise), or a duration from now in
/// Synapse's units (<c>30d</c>, <c>12h</c>: s, m, h, d, w or y).</summary>
public static class ExpiryText
{
    /// <summary>The time in milliseconds since the epoch, or null when <paramref name="text"/> is none of the forms.</summary>
    public static long? Parse(string? text, DateTimeOffset now)
    {
        text = text?.Trim() ?? "";
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
        {
            return ms;
        }

        if (text.Length > 1 && text[..^1].All(char.IsAsciiDigit) && SynapseConfig.SynapseConfigCheck.Duration(text) is { } duration && char.IsAsciiLetterLower(text[^1]))
        {
            return (now + duration).ToUnixTimeMilliseconds();
        }

        return text.Length >= 10 && char.IsAsciiDigit(text[0])
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date)
            ? date.ToUnixTimeMilliseconds()
            : null;
    }
}
