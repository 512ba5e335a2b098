namespace Solti.Matrix;

/// <summary>An admin API call's answer as the server gave it: status and JSON body (null when it had none).</summary>
public sealed record RawAnswer(int Status, JsonNode? Json);

/// <summary>The raw admin API: any request under the Synapse admin API or the client-server API, sent through the
/// self-healing admin session with the pipeline's retries.</summary>
public partial class SynapseAdminClient
{
    /// <summary>The prefixes a raw call may use.</summary>
    public static readonly string[] RawPrefixes = ["/_synapse/admin/", "/_matrix/client/"];

    /// <summary>Why <paramref name="path"/> may not be a raw call's path (not under <see cref="RawPrefixes"/>, a
    /// <c>..</c> or <c>.</c> segment, a fragment, spaces or control characters), or null when it may.</summary>
    public static string? RawPathProblem(string path)
    {
        if (!RawPrefixes.Any(p => path.StartsWith(p, StringComparison.Ordinal)))
        {
            return $"it must start with {string.Join(" or ", RawPrefixes)}";
        }

        var segments = path.Split('?', 2)[0].Split('/');
        if (segments.Any(s => s is "." or ".." || Uri.UnescapeDataString(s) is "." or ".."))
        {
            return "it must not have '.' or '..' segments";
        }

        return path.Any(c => c is '#' or ' ' || char.IsControl(c)) ? "it must not have '#', spaces or control characters (percent-encode them: '#' is %23)" : null;
    }

    /// <summary>Sends <paramref name="method"/> <paramref name="pathAndQuery"/> (checked by <see cref="RawPathProblem"/>)
    /// with <paramref name="body"/> as the admin; a status in <paramref name="accepted"/> (2xx or not) is an answer, any
    /// other fails as <see cref="MatrixException"/>. A <c>POST</c> is retried only after a 429, as any non-idempotent call.</summary>
    public async Task<RawAnswer> RawAsync(HttpMethod method, string pathAndQuery, JsonNode? body, IReadOnlyCollection<int> accepted, CancellationToken cancellationToken = default)
    {
        if (RawPathProblem(pathAndQuery) is { } problem)
        {
            throw new ArgumentException($"path {problem}, got '{pathAndQuery}'", nameof(pathAndQuery));
        }

        var status = 0;
        var request = new MatrixRequest(method, pathAndQuery[1..], body, Idempotent: method != HttpMethod.Post)
        {
            AlsoAccepted = accepted,
            OnStatus = s => status = s,
        };
        var json = await session.SendAsync(request, cancellationToken);
        if (!accepted.Contains(status))
        {
            throw new MatrixException(status, "SOLTI_UNEXPECTED_STATUS", $"{request} answered HTTP {status}, which is not among the accepted statuses ({string.Join(", ", accepted)})") { HasMatrixBody = false };
        }

        return new RawAnswer(status, json);
    }
}
