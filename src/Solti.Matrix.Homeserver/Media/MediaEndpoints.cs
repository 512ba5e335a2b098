using Solti.Matrix.Homeserver.Configuration;

namespace Solti.Matrix.Homeserver.Media;

/// <summary>The media repository: upload, download and config (no thumbnails, no URL previews, no remote media).</summary>
public static class MediaEndpoints
{
    private static readonly string[] MediaPrefixes = ["/_matrix/media/v3", "/_matrix/media/r0"];

    public static void Map(IEndpointRouteBuilder routes)
    {
        foreach (var prefix in MediaPrefixes)
        {
            routes.MapRaw("POST", prefix + "/upload", "media.upload", MediaUpload.HandleAsync);
            routes.Map("GET", prefix + "/config", "media.config", AuthMode.User, Config);
            foreach (var path in DownloadPaths(prefix + "/download"))
            {
                routes.MapRaw("GET", path, "media.download", (context, server) => MediaDownload.HandleAsync(context, server, authenticatedPath: false));
            }
        }

        routes.Map("GET", "/_matrix/client/v1/media/config", "media.v1.config", AuthMode.None, scope =>
        {
            RequireAuthenticatedMedia(scope.State.Options.Compatibility); // unknown before the token is looked at, as on 1.67
            scope.RequesterOrNull = AccessTokenAuthenticator.Authenticate(scope.State, scope.Context);
            return Config(scope);
        });
        foreach (var path in DownloadPaths("/_matrix/client/v1/media/download"))
        {
            routes.MapRaw("GET", path, "media.v1.download", (context, server) => MediaDownload.HandleAsync(context, server, authenticatedPath: true));
        }
    }

    /// <summary>The <c>/_matrix/client/v1/media</c> endpoints exist only with authenticated media (Synapse 1.111+); before,
    /// they are unknown (<see cref="Compatibility.UnrecognizedStatus"/>).</summary>
    public static void RequireAuthenticatedMedia(Compatibility compatibility)
    {
        if (!compatibility.AuthenticatedMedia)
        {
            throw Errors.Unrecognized(compatibility.UnrecognizedStatus(404));
        }
    }

    /// <summary><c>{"m.upload.size": max_upload_size}</c>, as Synapse's <c>MediaConfigResource</c> (a token needed).</summary>
    private static Reply Config(RequestScope scope) => Reply.Ok(new JsonObject { ["m.upload.size"] = scope.State.Options.MaxUploadSize });

    private static string[] DownloadPaths(string prefix) => [prefix + "/{serverName}/{mediaId}", prefix + "/{serverName}/{mediaId}/{fileName}"];
}
