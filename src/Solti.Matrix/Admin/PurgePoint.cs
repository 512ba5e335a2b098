using System.Globalization;
using Solti.Matrix.SynapseConfig;

namespace Solti.Matrix;

/// <summary>Where a history purge stops: an event (<see cref="EventId"/>) or a time (<see cref="BeforeTs"/>, ms since
/// the epoch). Written as an event id (<c>$…</c>), a timestamp in milliseconds, an ISO-8601 date, or a duration back from
/// now in Synapse's notation (<c>30d</c>, <c>12h</c>, <c>90m</c>; <see cref="SynapseConfigCheck.Duration"/>).</summary>
public sealed record PurgePoint(string? EventId, long? BeforeTs)
{
    /// <summary>What a purge point may be, for error messages.</summary>
    public const string Expected = "a timestamp in milliseconds, an ISO-8601 date, a duration back from now such as 30d, 12h or 90m, or an event id ($…)";

    /// <summary>The point <paramref name="text"/> names, durations counted back from <paramref name="now"/>; null when it
    /// is none of the forms.</summary>
    public static PurgePoint? Parse(string? text, DateTimeOffset now)
    {
        text = text?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (text[0] == '$')
        {
            return text.Length is > 1 and <= 255 && !text.Any(char.IsWhiteSpace) ? new PurgePoint(text, null) : null;
        }

        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
        {
            return new PurgePoint(null, ms);
        }

        if (char.IsAsciiDigit(text[0]) && char.IsAsciiLetter(text[^1]) && text.Length > 1 && text[..^1].All(char.IsAsciiDigit)
            && SynapseConfigCheck.Duration(JsonValue.Create(text)) is { } back)
        {
            return new PurgePoint(null, (now - back).ToUnixTimeMilliseconds());
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date) && text.Contains('-', StringComparison.Ordinal)
            ? new PurgePoint(null, date.ToUnixTimeMilliseconds())
            : null;
    }
}
