namespace Solti.Matrix;

/// <summary>Where a history purge stops: an event (<see cref="EventId"/>) or a time (<see cref="BeforeTs"/>, ms since
/// the epoch). Written as an event id (<c>$…</c>) or as any moment the admin operations take
/// (<see cref="AdminArguments.Moment"/>: a timestamp in milliseconds, an ISO-8601 date, a duration back from now such
/// as <c>30d</c>).</summary>
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

        return AdminArguments.Moment(text, now, out _) is { } before ? new PurgePoint(null, before) : null;
    }
}
