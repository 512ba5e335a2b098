namespace Solti.Matrix.Homeserver.Endpoints;

/// <summary><c>GET /_matrix/client/versions</c>.</summary>
public static class VersionsEndpoints
{
    public static void Map(IEndpointRouteBuilder routes) =>
        routes.Map("GET", "/_matrix/client/versions", "versions", AuthMode.None, scope => Reply.Ok(new JsonObject
        {
            ["versions"] = new JsonArray([.. scope.State.Options.Compatibility.SpecVersions.Select(v => (JsonNode)v)]),
            ["unstable_features"] = new JsonObject
            {
                ["org.matrix.label_based_filtering"] = true,
                ["org.matrix.e2e_cross_signing"] = true,
                ["org.matrix.msc2432"] = true,
                ["uk.half-shot.msc2666.mutual_rooms"] = true,
                ["org.matrix.msc3026.busy_presence"] = false,
                ["org.matrix.msc2285.stable"] = true,
                ["org.matrix.msc3827.stable"] = true,
                ["org.matrix.msc3440.stable"] = true,
            },
        }));
}
