namespace Solti.Matrix.Http;

/// <summary>One logical call. <paramref name="Idempotent"/> false (e.g. createRoom) retries only 429s,
/// which the server answers before doing anything.</summary>
public sealed record MatrixRequest(HttpMethod Method, string Path, JsonNode? Body = null, bool Idempotent = true)
{
    /// <summary>A <c>GET</c> of <paramref name="path"/> (relative to the homeserver).</summary>
    public static MatrixRequest Get(string path) => new(HttpMethod.Get, path);

    /// <summary>A <c>POST</c> with a JSON body (an empty object when null); <paramref name="idempotent"/> false keeps
    /// it from being retried after a timeout or a 5xx.</summary>
    public static MatrixRequest Post(string path, JsonNode? body, bool idempotent = true) => new(HttpMethod.Post, path, body ?? new JsonObject(), idempotent);

    /// <summary>A <c>PUT</c> with a JSON body (an empty object when null).</summary>
    public static MatrixRequest Put(string path, JsonNode? body) => new(HttpMethod.Put, path, body ?? new JsonObject());

    /// <summary>A <c>DELETE</c>, with a JSON body when given.</summary>
    public static MatrixRequest Delete(string path, JsonNode? body = null) => new(HttpMethod.Delete, path, body);

    /// <summary>A form-encoded body (<c>application/x-www-form-urlencoded</c>) sent instead of <see cref="Body"/>: the
    /// OAuth 2.0 token endpoint's. Its values may be secrets; they are never logged.</summary>
    public IReadOnlyList<KeyValuePair<string, string>>? Form { get; init; }

    /// <summary>An <c>Authorization</c> header sent instead of the bearer token (OAuth 2.0 <c>client_secret_basic</c>'s
    /// Basic credentials); a secret, never logged.</summary>
    public System.Net.Http.Headers.AuthenticationHeaderValue? Authorization { get; init; }

    /// <summary>A body that is not JSON (an upload's bytes), sent instead of <see cref="Body"/>: made anew for every
    /// attempt (a file opened again from its start), so a retry sends the same bytes; its headers (type, length) are
    /// the content's own.</summary>
    public Func<HttpContent>? Content { get; init; }

    /// <summary>Where the body of a 2xx answer goes, read as it arrives instead of parsed as JSON (a download): called
    /// once per successful attempt, which starts over from the first byte when an attempt breaks off (the reader puts
    /// its destination back). The call then answers an empty JSON object.</summary>
    public Func<Stream, CancellationToken, Task>? ReadBody { get; init; }

    /// <summary>Statuses besides 2xx that end the call as an answer instead of a failure (a raw call's accepted statuses):
    /// their body is returned as a success's is. A token refusal is never one: the session heals first.</summary>
    public IReadOnlyCollection<int>? AlsoAccepted { get; init; }

    /// <summary>Told the status of the answer that ends the call (a success's or an accepted one's).</summary>
    public Action<int>? OnStatus { get; init; }

    /// <summary>"PUT /_matrix/client/v3/rooms/…": for logs and errors (paths carry no secrets).</summary>
    public override string ToString() => $"{Method} /{Path}";
}
