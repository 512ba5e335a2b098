namespace Solti.Matrix.Homeserver.Faults;

/// <summary>Counts every request by endpoint, then applies a matching fault rule before the endpoint runs.
/// The control endpoints under <c>/_solti/</c> are never faulted.</summary>
public sealed class FaultMiddleware(RequestDelegate next, ServerContext server)
{
    public const string ControlPrefix = "/_solti/";

    public async Task InvokeAsync(HttpContext context)
    {
        var endpoint = context.GetEndpoint()?.Metadata.GetMetadata<EndpointLabel>()?.Name;
        server.Counters.Increment(endpoint ?? "unrecognized");
        var path = context.Request.Path.Value ?? "";
        var method = context.Request.Method;
        if (!path.StartsWith(ControlPrefix, StringComparison.Ordinal) && !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method)))
        {
            server.Counters.IncrementWrites();
        }

        if (path.StartsWith(ControlPrefix, StringComparison.Ordinal))
        {
            await next(context);
            return;
        }

        server.Counters.Arrived();
        try
        {
            await FaultedAsync(context, path, endpoint);
        }
        finally
        {
            server.Counters.Finished();
        }
    }

    private async Task FaultedAsync(HttpContext context, string path, string? endpoint)
    {
        if (server.Faults.Take(context.Request.Method, path, endpoint) is not { } rule)
        {
            await next(context);
            return;
        }

        if (rule.DelayMs > 0)
        {
            await Task.Delay(rule.DelayMs, context.RequestAborted);
        }

        if (rule.Drop)
        {
            context.Abort();
            return;
        }

        if (rule.Status is not { } status)
        {
            await next(context);
            return;
        }

        throw new HomeserverErrorException(
            status,
            rule.Errcode ?? (status == 429 ? "M_LIMIT_EXCEEDED" : "M_UNKNOWN"),
            rule.Error ?? (status == 429 ? "Too Many Requests" : "Injected fault"),
            status == 429 ? new() { ["retry_after_ms"] = rule.RetryAfterMs ?? 1000 } : null);
    }
}
