using System.Collections.Concurrent;

namespace Solti.Matrix.Homeserver.Faults;

/// <summary>Every request the homeserver did not serve (answered <c>M_UNRECOGNIZED</c>: an unknown path, another method,
/// or an endpoint this configuration does not register), by method and path template, so a test can fail on a client
/// calling something the homeserver does not implement.</summary>
public sealed class UnservedRequests
{
    private readonly ConcurrentDictionary<(string Method, string Template), Entry> _entries = new();

    /// <summary>One method and template: how often, the last path seen and what it was answered.</summary>
    public sealed record Entry(string Method, string Template, string LastPath, int Status, long Count);

    public void Record(string method, string template, string path, int status) =>
        _entries.AddOrUpdate((method, template), _ => new Entry(method, template, path, status, 1), (_, old) => old with { LastPath = path, Status = status, Count = old.Count + 1 });

    public IReadOnlyList<Entry> Snapshot() =>
        [.. _entries.Values.OrderBy(e => e.Template, StringComparer.Ordinal).ThenBy(e => e.Method, StringComparer.Ordinal)];

    public void Clear() => _entries.Clear();
}
