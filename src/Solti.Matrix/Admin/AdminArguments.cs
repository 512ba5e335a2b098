using System.Globalization;

namespace Solti.Matrix;

/// <summary>Values operators give to admin operations: a moment in the past (a duration back from now, a timestamp in
/// milliseconds, or an ISO 8601 date), a moment to come (a duration forward from now, or the same) and a size in bytes (with K, M or G). Each parse returns null with the problem in
/// words, so the caller names its own option or flag.</summary>
public static class AdminArguments
{
    /// <summary>Synapse refuses <c>before_ts</c> under this (December 1970 in milliseconds): most likely seconds.</summary>
    public const long EarliestTimestamp = 30_000_000_000;

    /// <summary>A moment as milliseconds since the epoch: <c>30d</c> (a number with s, m, h, d, w or y, as Synapse's
    /// durations) back from <paramref name="now"/>, a timestamp in milliseconds, or an ISO 8601 date or date-time (UTC
    /// when no offset is given).</summary>
    public static long? Moment(string? text, DateTimeOffset now, out string? problem)
    {
        problem = null;
        text = text?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            problem = "expected a duration such as 30d, a timestamp in milliseconds or an ISO 8601 date, got an empty value";
            return null;
        }

        if (DurationMs(text) is { } duration)
        {
            return now.ToUnixTimeMilliseconds() - duration;
        }

        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var timestamp))
        {
            if (timestamp >= EarliestTimestamp)
            {
                return timestamp;
            }

            problem = $"'{text}' is a timestamp before 1971 (Synapse wants milliseconds, not seconds); give milliseconds or a duration such as 30d";
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date) && char.IsAsciiDigit(text[0]))
        {
            return date.ToUnixTimeMilliseconds();
        }

        problem = $"expected a duration such as 30d (s, m, h, d, w or y), a timestamp in milliseconds or an ISO 8601 date, got '{text}'";
        return null;
    }

    /// <summary>A moment to come as milliseconds since the epoch (an account's expiry): <c>30d</c> (s, m, h, d, w or y)
    /// forward from <paramref name="now"/>, a timestamp in milliseconds, or an ISO 8601 date or date-time (UTC when no
    /// offset is given).</summary>
    public static long? Expiry(string? text, DateTimeOffset now, out string? problem)
    {
        problem = null;
        text = text?.Trim();
        if (!string.IsNullOrEmpty(text) && DurationMs(text) is { } duration)
        {
            return now.ToUnixTimeMilliseconds() + duration;
        }

        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var timestamp))
        {
            return timestamp;
        }

        if (!string.IsNullOrEmpty(text) && char.IsAsciiDigit(text[0]) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
        {
            return date.ToUnixTimeMilliseconds();
        }

        problem = $"expected a timestamp in milliseconds, an ISO 8601 date (2027-01-31 or 2027-01-31T12:00:00Z) or a duration from now such as 30d, got '{text}'";
        return null;
    }

    /// <summary>A duration in Synapse's notation (a whole number with s, m, h, d, w or y) in milliseconds, or null: read by
    /// the one parser of Synapse's durations, <see cref="SynapseConfig.SynapseConfigCheck.Duration"/> (a bare number is a
    /// timestamp here, not milliseconds of duration).</summary>
    private static long? DurationMs(string text) =>
        char.IsAsciiLetter(text[^1]) && SynapseConfig.SynapseConfigCheck.Duration(JsonValue.Create(text)) is { } duration ? (long)duration.TotalMilliseconds : null;

    /// <summary>A size in bytes: a whole number, optionally followed by K, M or G (1024, 1024², 1024³; <c>B</c> and
    /// <c>iB</c> allowed after the letter).</summary>
    public static long? Bytes(string? text, out string? problem)
    {
        problem = null;
        var value = text?.Trim() ?? "";
        var upper = value.ToUpperInvariant();
        upper = upper.EndsWith('B') ? upper[..^1] : upper;
        upper = upper.EndsWith("KI", StringComparison.Ordinal) || upper.EndsWith("MI", StringComparison.Ordinal) || upper.EndsWith("GI", StringComparison.Ordinal) ? upper[..^1] : upper;
        var factor = upper.Length > 0 ? upper[^1] switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 1L } : 1L;
        var digits = factor == 1 ? upper : upper[..^1];
        if (digits.Length > 0 && long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number <= long.MaxValue / factor)
        {
            return number * factor;
        }

        problem = $"expected a number of bytes, optionally with K, M or G (such as 10M), got '{text}'";
        return null;
    }
}
