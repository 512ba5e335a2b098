using System.Text.RegularExpressions;

namespace Solti.Matrix.Homeserver.Faults;

/// <summary>One injected fault: requests whose path matches <see cref="PathPattern"/> (and method, and
/// endpoint label, when given) are delayed, dropped, or answered with <see cref="Status"/>.</summary>
public sealed class FaultRule
{
    public required string Id { get; init; }

    public Regex? PathPattern { get; init; }

    public string? Method { get; init; }

    public string? Endpoint { get; init; }

    /// <summary>How many more requests this rule applies to; null is every request.</summary>
    public int? Remaining { get; set; }

    public int? Status { get; init; }

    public string? Errcode { get; init; }

    public string? Error { get; init; }

    public long? RetryAfterMs { get; init; }

    public int DelayMs { get; init; }

    /// <summary>Close the connection without answering.</summary>
    public bool Drop { get; init; }

    public bool Matches(string method, string path, string? endpoint) =>
        (Method is null || string.Equals(Method, method, StringComparison.OrdinalIgnoreCase))
        && (Endpoint is null || Endpoint == endpoint)
        && (PathPattern is null || PathPattern.IsMatch(path));
}
