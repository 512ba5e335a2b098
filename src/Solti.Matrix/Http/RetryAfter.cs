using System.Globalization;
using System.Net.Http.Headers;

namespace Solti.Matrix.Http;

/// <summary>How long a 429 asks to wait: the <c>Retry-After</c> header (seconds or HTTP date) first,
/// then the body's <c>retry_after_ms</c>; null when it says nothing.</summary>
public static class RetryAfter
{
    /// <summary>The wait a 429 asks for, from its <c>Retry-After</c> header (a date counted from
    /// <paramref name="now"/>) or its body's <c>retry_after_ms</c>; null when it names none.</summary>
    public static TimeSpan? From(RetryConditionHeaderValue? header, JsonNode? body, DateTimeOffset now)
    {
        if (header?.Delta is { } delta)
        {
            return Clamp(delta);
        }

        if (header?.Date is { } date)
        {
            return Clamp(date - now);
        }

        if (body is JsonObject obj && obj["retry_after_ms"] is JsonValue value && value.TryGetValue<long>(out var ms))
        {
            return Clamp(TimeSpan.FromMilliseconds(ms));
        }

        return null;
    }

    /// <summary>A wait for messages: <c>2.5 s</c>, or <c>300 ms</c> under a second.</summary>
    public static string Describe(TimeSpan wait) =>
        wait.TotalSeconds >= 1
            ? wait.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s"
            : ((long)wait.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + " ms";

    private static TimeSpan Clamp(TimeSpan value) => value < TimeSpan.Zero ? TimeSpan.Zero : value;
}
