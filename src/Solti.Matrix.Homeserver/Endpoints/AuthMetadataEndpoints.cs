namespace Solti.Matrix.Homeserver.Endpoints;

/// <summary>Authentication API discovery: <c>GET /_matrix/client/v1/auth_metadata</c> and its MSC2965 unstable path.
/// Synapse registers them only when authentication is delegated to MAS, so without delegation they answer as any
/// unknown path does: 404 <c>M_UNRECOGNIZED</c> (<see cref="Configuration.DelegatedAuthentication.Registers"/>).</summary>
public static class AuthMetadataEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        foreach (var path in new[] { "/_matrix/client/v1/auth_metadata", "/_matrix/client/unstable/org.matrix.msc2965/auth_metadata" })
        {
            routes.Map("GET", path, "auth_metadata", AuthMode.None, scope =>
            {
                var mas = scope.State.Options.AuthenticationService!;
                return Reply.Ok(mas.Metadata(mas.IssuerFor(scope.Context.Request)));
            });
        }
    }
}
