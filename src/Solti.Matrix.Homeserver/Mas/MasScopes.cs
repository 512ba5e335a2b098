namespace Solti.Matrix.Homeserver.Mas;

/// <summary>The scope tokens that matter to MAS and Synapse (MAS docs/reference/scopes.md).</summary>
public static class MasScopes
{
    public const string MasAdmin = "urn:mas:admin";
    public const string ClientApi = "urn:matrix:client:api:*";
    public const string UnstableClientApi = "urn:matrix:org.matrix.msc2967.client:api:*";
    public const string SynapseAdmin = "urn:synapse:admin:*";
    public const string DevicePrefix = "urn:matrix:client:device:";
    public const string UnstableDevicePrefix = "urn:matrix:org.matrix.msc2967.client:device:";

    /// <summary>Space-separated scope tokens; null when a token has a character RFC 6749 §3.3 does not allow.</summary>
    public static List<string>? Parse(string? scope)
    {
        var tokens = (scope ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).ToList();
        return tokens.All(t => t.All(c => c is '!' or (>= '#' and <= '[') or (>= ']' and <= '~'))) ? tokens : null;
    }

    public static bool GrantsClientApi(IEnumerable<string> scope) => scope.Any(s => s is ClientApi or UnstableClientApi);

    /// <summary>The devices the scope names (stable or unstable form).</summary>
    public static List<string> Devices(IEnumerable<string> scope) =>
    [
        .. scope.Select(s => s.StartsWith(DevicePrefix, StringComparison.Ordinal) ? s[DevicePrefix.Length..]
            : s.StartsWith(UnstableDevicePrefix, StringComparison.Ordinal) ? s[UnstableDevicePrefix.Length..] : null)
            .OfType<string>().Where(d => d.Length > 0).Distinct(StringComparer.Ordinal),
    ];

    public static string Join(IEnumerable<string> scope) => string.Join(' ', scope);
}
