namespace Solti.Matrix.Homeserver.Http;

/// <summary>Maps handlers: read the body, then under the state lock authenticate, handle and persist; a deferred reply
/// (a long poll) is then awaited outside the lock.</summary>
public static class EndpointMapping
{
    /// <summary>Client-server endpoints answer under both prefixes, as Synapse does.</summary>
    public static readonly string[] ClientPrefixes = ["/_matrix/client/v3", "/_matrix/client/r0"];

    private const int MaxBodyBytes = 1024 * 1024;

    public static void Map(this IEndpointRouteBuilder routes, string method, string pattern, string name, AuthMode auth, Func<RequestScope, Reply> handler) =>
        routes.MapMethods(pattern, [method], context => DispatchAsync(context, name, auth, handler))
            .WithMetadata(new EndpointLabel(name));

    /// <summary>Maps an endpoint that reads its own body and writes its own answer (media): no body cap, and the handler
    /// takes the state lock itself (<see cref="ServerContext.Locked{T}"/>) only while it touches the state.</summary>
    public static void MapRaw(this IEndpointRouteBuilder routes, string method, string pattern, string name, Func<HttpContext, ServerContext, Task> handler) =>
        routes.MapMethods(pattern, [method], context => handler(context, context.RequestServices.GetRequiredService<ServerContext>()))
            .WithMetadata(new EndpointLabel(name));

    /// <summary>Maps a client-server endpoint under <c>/v3</c> and <c>/r0</c>.</summary>
    public static void MapClient(this IEndpointRouteBuilder routes, string method, string path, string name, AuthMode auth, Func<RequestScope, Reply> handler)
    {
        foreach (var prefix in ClientPrefixes)
        {
            routes.Map(method, prefix + path, name, auth, handler);
        }
    }

    private static async Task DispatchAsync(HttpContext context, string name, AuthMode auth, Func<RequestScope, Reply> handler)
    {
        var server = context.RequestServices.GetRequiredService<ServerContext>();
        if (!Configuration.DelegatedAuthentication.Registers(server.State.Options.AuthenticationService, name))
        {
            throw Errors.Unrecognized(server.State.Options.Compatibility.UnrecognizedStatus(404)); // Synapse registers this endpoint only with, or only without, MAS
        }

        var raw = await ReadBodyAsync(context.Request);
        Reply reply;
        var state = server.State;
        lock (state.Sync)
        {
            var scope = new RequestScope(context, server, raw);
            try
            {
                if (auth != AuthMode.None)
                {
                    scope.RequesterOrNull = AccessTokenAuthenticator.Authenticate(state, context);
                    if (auth == AuthMode.Admin && !scope.Requester.IsAdmin)
                    {
                        throw Errors.NotAdmin();
                    }
                }

                reply = handler(scope);
            }
            finally
            {
                if (!HttpMethods.IsGet(context.Request.Method))
                {
                    state.Persist();
                }
            }
        }

        while (reply.Later is { } later)
        {
            reply = await later(context.RequestAborted);
        }

        await JsonResponses.WriteAsync(context, reply.Status, reply.Body);
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                throw Errors.TooLarge("Request content is too large");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
