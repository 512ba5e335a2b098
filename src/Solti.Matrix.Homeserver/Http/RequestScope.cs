namespace Solti.Matrix.Homeserver.Http;

/// <summary>One request as a handler sees it: the server, the caller and the parsed inputs.</summary>
public sealed class RequestScope(HttpContext context, ServerContext server, byte[] rawBody)
{
    private JsonObject? _body;

    public HttpContext Context => context;

    public ServerContext Server => server;

    public ServerState State => server.State;

    /// <summary>The body as received (form-encoded OAuth 2.0 requests).</summary>
    public byte[] RawBody => rawBody;

    public Requester? RequesterOrNull { get; internal set; }

    public Requester Requester => RequesterOrNull ?? throw new InvalidOperationException("endpoint is not authenticated");

    /// <summary>The JSON object body; 400 <c>M_NOT_JSON</c> when it is missing or not JSON.</summary>
    public JsonObject Body => _body ??= Json.ParseObject(rawBody);

    /// <summary>The body, or an empty object when the request had none (Synapse allows that on some POSTs).</summary>
    public JsonObject BodyOrEmpty => rawBody.Length == 0 ? [] : Body;

    public string Route(string name) =>
        context.Request.RouteValues[name] as string ?? throw new InvalidOperationException($"no route value {name}");

    public string? Query(string name) => context.Request.Query.TryGetValue(name, out var v) ? v.ToString() : null;

    public int QueryInt(string name, int fallback, int min = 0, int max = int.MaxValue)
    {
        var raw = Query(name);
        if (raw is null)
        {
            return fallback;
        }

        if (!int.TryParse(raw, out var value) || value < min || value > max)
        {
            throw Errors.InvalidParam($"Query parameter '{name}' must be an integer between {min} and {max}");
        }

        return value;
    }

    public bool? QueryBool(string name) => Query(name) switch
    {
        null => null,
        "true" => true,
        "false" => false,
        var other => throw Errors.InvalidParam($"Boolean query parameter '{name}' must be one of ['true', 'false'], got '{other}'"),
    };

    public string ClientAddress => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
}
