using Microsoft.AspNetCore.Http.Features;

namespace Solti.Matrix.Homeserver.Media;

/// <summary><c>POST /_matrix/media/(v3|r0)/upload</c> as Synapse's <c>UploadServlet</c>: a declared
/// <c>Content-Length</c> up to <c>max_upload_size</c>, the type from <c>Content-Type</c>, the name from <c>?filename=</c>.</summary>
public static class MediaUpload
{
    public static async Task HandleAsync(HttpContext context, ServerContext server)
    {
        var state = server.State;
        var requester = server.Locked(() => AccessTokenAuthenticator.Authenticate(state, context));
        var max = state.Options.MaxUploadSize;
        CheckDeclaredLength(context.Request, max);
        var bytes = await ReadAsync(context, max);
        var media = new MediaRecord
        {
            MediaId = Identifiers.MediaId(),
            ContentType = context.Request.Headers.ContentType.FirstOrDefault() ?? "application/octet-stream",
            UploadName = context.Request.Query["filename"].FirstOrDefault() is { Length: > 0 } name ? name : null,
            Length = bytes.Length,
            UserId = requester.UserId,
            Authenticated = state.Options.Compatibility.AuthenticatedMedia,
            Sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)),
        };
        await server.MediaFiles.WriteAsync(media.MediaId, bytes, context.RequestAborted);
        server.Locked(() =>
        {
            media.CreatedTs = state.NowMs;
            state.Data.Media[media.MediaId] = media;
            state.Persist();
            return media;
        });
        await JsonResponses.WriteAsync(context, 200, new JsonObject { ["content_uri"] = $"mxc://{state.ServerName}/{media.MediaId}" });
    }

    /// <summary>Synapse needs a <c>Content-Length</c> (400 without one) and refuses one over the limit
    /// before reading: 413 <c>M_TOO_LARGE</c> "Upload request body is too large".</summary>
    private static void CheckDeclaredLength(HttpRequest request, long max)
    {
        if (request.ContentLength is not { } length)
        {
            throw Errors.Unknown(400, "Request must specify a Content-Length"); // Kestrel itself refuses an invalid one
        }

        if (length > max)
        {
            throw TooLarge();
        }
    }

    /// <summary>Reads the body in chunks with the upload's own limit (not the 1 MiB cap of JSON endpoints, and above
    /// Kestrel's default 30 MB).</summary>
    private static async Task<byte[]> ReadAsync(HttpContext context, long max)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = max + 1;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > max)
            {
                throw TooLarge();
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static HomeserverErrorException TooLarge() => Errors.TooLarge("Upload request body is too large");
}
