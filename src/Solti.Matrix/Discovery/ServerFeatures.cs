namespace Solti.Matrix.Discovery;

/// <summary>What a homeserver says it offers beyond the oldest Synapse we support (1.67): the spec versions and the
/// unstable features its <c>/_matrix/client/versions</c> advertises (asked without a token), and whether it delegates
/// authentication to MAS (<see cref="HomeserverAuthentication"/>).</summary>
/// <param name="SpecVersions">The advertised spec versions, as the server lists them.</param>
/// <param name="UnstableFeatures">The unstable features it turns on, sorted.</param>
/// <param name="Authentication">Who signs its users in.</param>
public sealed record ServerFeatures(IReadOnlyList<string> SpecVersions, IReadOnlyList<string> UnstableFeatures, HomeserverAuthentication Authentication)
{
    /// <summary>Asks the homeserver behind <paramref name="http"/>, without a token.</summary>
    internal static async Task<ServerFeatures> OfAsync(MatrixHttpPipeline http, CancellationToken cancellationToken)
    {
        var authentication = await HomeserverAuthentication.OfAsync(http, cancellationToken);
        var versions = await http.SendAsync(MatrixRequest.Get("/_matrix/client/versions"), null, cancellationToken);
        return new(
            [.. (versions["versions"] as JsonArray ?? []).Select(v => v?.GetValue<string>()).OfType<string>()],
            [.. (versions["unstable_features"] as JsonObject ?? []).Where(f => f.Value is JsonValue on && on.TryGetValue<bool>(out var b) && b).Select(f => f.Key).Order(StringComparer.Ordinal)],
            authentication);
    }

    /// <summary>As <c>synapse_info</c> and <c>solti-matrix info</c> report it.</summary>
    public JsonObject ToJson() => new()
    {
        ["spec_versions"] = new JsonArray([.. SpecVersions.Select(v => (JsonNode)v)]),
        ["unstable_features"] = new JsonArray([.. UnstableFeatures.Select(f => (JsonNode)f)]),
        ["delegated_auth"] = Authentication.IsDelegated,
    };
}
