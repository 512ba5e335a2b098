using Microsoft.AspNetCore.Http.Features;

namespace Solti.Matrix.Homeserver.Media;

/// <summary>Media downloads as Synapse's <c>DownloadResource</c>s: <c>/_matrix/media/(v3|r0)/download</c> without a
/// token, and (<see cref="Configuration.Compatibility.AuthenticatedMedia"/>) <c>/_matrix/client/v1/media/download</c>
/// with one. An optional last segment names the file in <c>Content-Disposition</c> instead of the upload's name.</summary>
public static class MediaDownload
{
    public static async Task HandleAsync(HttpContext context, ServerContext server, bool authenticatedPath)
    {
        var state = server.State;
        var compatibility = state.Options.Compatibility;
        var serverName = (string)context.Request.RouteValues["serverName"]!;
        var mediaId = (string)context.Request.RouteValues["mediaId"]!;
        var media = server.Locked(() =>
        {
            if (authenticatedPath)
            {
                MediaEndpoints.RequireAuthenticatedMedia(compatibility);
                AccessTokenAuthenticator.Authenticate(state, context);
            }

            var found = serverName == state.ServerName ? state.Data.Media.GetValueOrDefault(mediaId) : null;
            if (found is { QuarantinedBy: null })
            {
                found.LastAccessTs = state.NowMs; // Synapse records the access (batched) for delete-by-age
            }

            return found;
        });
        if (media is null || media.QuarantinedBy is not null) // Synapse answers quarantined media as unknown media (respond_404)
        {
            throw Errors.NotFound(NotFoundMessage(context, compatibility.LegacyMediaResponses));
        }

        if (!authenticatedPath && compatibility.AuthenticatedMedia && media.Authenticated)
        {
            throw Errors.NotFound("Not found"); // Synapse: media uploaded since the freeze is not served unauthenticated
        }

        var bytes = await server.MediaFiles.ReadAsync(mediaId, context.RequestAborted)
            ?? throw Errors.NotFound(NotFoundMessage(context, compatibility.LegacyMediaResponses));
        var fileName = context.Request.RouteValues["fileName"] as string;
        context.Response.StatusCode = 200;
        MediaHeaders.Apply(context.Response, media, string.IsNullOrEmpty(fileName) ? media.UploadName : fileName, compatibility.LegacyMediaResponses);
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    /// <summary>Synapse's <c>respond_404</c>: the path as requested (since 1.95), or the segments after
    /// <c>/download/</c> as a Python list of bytes (1.67).</summary>
    private static string NotFoundMessage(HttpContext context, bool legacy)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "";
        var path = raw.Split('?', 2)[0];
        if (!legacy)
        {
            return $"Not found '{path}'";
        }

        var segments = path[(path.IndexOf("/download/", StringComparison.Ordinal) + "/download/".Length)..].Split('/');
        return $"Not found [{string.Join(", ", segments.Select(s => $"b'{s}'"))}]";
    }
}
