using Solti.Matrix.Homeserver.Configuration;

namespace Solti.Matrix.Homeserver.Http;

/// <summary>Turns errors into Synapse-shaped bodies: Matrix errors as thrown, unknown paths as
/// <c>M_UNRECOGNIZED</c> (404 or 405; 400 on <see cref="Compatibility.UnrecognizedAs400"/>), anything else as a 500 with no detail. 429s follow the compatibility switches.</summary>
public sealed class MatrixErrorMiddleware(RequestDelegate next, ILogger<MatrixErrorMiddleware> logger, Compatibility compatibility)
{
    public async Task InvokeAsync(HttpContext context)
    {
        HomeserverErrorException? error = null;
        try
        {
            await next(context);
            if (!context.Response.HasStarted && context.Response.StatusCode is 404 or 405 && context.GetEndpoint()?.Metadata.GetMetadata<EndpointLabel>() is null)
            {
                error = Errors.Unrecognized(compatibility.UnrecognizedStatus(context.Response.StatusCode));
            }
        }
        catch (HomeserverErrorException e)
        {
            error = e;
        }
        catch (BadHttpRequestException e)
        {
            error = e.StatusCode == 413 ? Errors.TooLarge("Request content is too large") : Errors.Unknown(e.StatusCode, "Bad request");
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e)
        {
            logger.LogError(e, "request {Method} {Path} failed", context.Request.Method, context.Request.Path);
            error = Errors.Unknown(500, "Internal server error");
        }

        if (error is null || context.Response.HasStarted)
        {
            return;
        }

        if (error.Errcode == "M_UNRECOGNIZED")
        {
            RecordUnserved(context, error.Status);
        }

        context.Response.Clear();
        await WriteAsync(context, error);
    }

    /// <summary>Logs a request the homeserver does not serve and keeps it for the testing API (<c>GET
    /// /_solti/testing/v1/unserved</c>): by the route's template when a route matched, else by the path with its
    /// identifiers replaced.</summary>
    private void RecordUnserved(HttpContext context, int status)
    {
        var path = context.Request.Path.Value ?? "";
        var template = context.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: { } raw } ? raw : PathTemplates.Of(path);
        var method = context.Request.Method;
        logger.LogWarning("unserved request {Method} {Template} ({Status})", method, template, status);
        context.RequestServices.GetRequiredService<ServerContext>().Unserved.Record(method, template, path, status);
    }

    private async Task WriteAsync(HttpContext context, HomeserverErrorException error)
    {
        if (error.Status == 429)
        {
            var retryAfterMs = error.Extra?["retry_after_ms"]?.GetValue<long>() ?? 0;
            if (compatibility.RetryAfterHeader)
            {
                context.Response.Headers.RetryAfter = ((retryAfterMs + 999) / 1000).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            if (compatibility.Bare429)
            {
                context.Response.StatusCode = 429;
                context.Response.ContentType = "text/html";
                await context.Response.WriteAsync("<html><body><h1>429 Too Many Requests</h1></body></html>\n", context.RequestAborted);
                return;
            }
        }

        await JsonResponses.WriteAsync(context, error.Status, error.ToBody());
    }
}
