namespace Solti.Matrix.Homeserver.Configuration;

/// <summary>Behaviour switches that reproduce older Synapse releases and proxies: every version-dependent behaviour a
/// client of ours can observe, each with the Synapse change that introduced it. <see cref="Synapse167"/> is the oldest
/// release we support (<c>solti_homeserver.compat: synapse-1.67</c>); the defaults are the current Synapse.</summary>
public sealed record Compatibility
{
    /// <summary>Unknown endpoints answer <c>400 M_UNRECOGNIZED</c> (a known path with another method too), as Synapse did
    /// before 1.74; since Synapse PR #14621 (1.74) an unknown path is 404 and another method 405.</summary>
    public bool UnrecognizedAs400 { get; init; }

    /// <summary>The status of an <c>M_UNRECOGNIZED</c> answer whose current status is <paramref name="status"/> (404 for an
    /// unknown path, 405 for another method).</summary>
    public int UnrecognizedStatus(int status) => UnrecognizedAs400 ? 400 : status;

    public TxnScope TxnScope { get; init; } = TxnScope.Device;

    /// <summary>Send a <c>Retry-After</c> header with 429 (Synapse ≥ 1.98); 1.67 sends only <c>retry_after_ms</c>.</summary>
    public bool RetryAfterHeader { get; init; } = true;

    /// <summary>Answer 429 with no Matrix body, as a reverse proxy does.</summary>
    public bool Bare429 { get; init; }

    /// <summary>Admin user objects with 0/1 integers and <c>creation_ts</c> in seconds (Synapse 1.67).</summary>
    public bool LegacyAdminUserFormat { get; init; }

    /// <summary><c>server_version</c> also reports <c>python_version</c>, as Synapse did before 1.94.</summary>
    public bool ReportPythonVersion { get; init; }

    /// <summary>Spec versions advertised by <c>/versions</c>.</summary>
    public IReadOnlyList<string> SpecVersions { get; init; } = CurrentSpecVersions;

    public static IReadOnlyList<string> CurrentSpecVersions { get; } =
    [
        "r0.0.1", "r0.1.0", "r0.2.0", "r0.3.0", "r0.4.0", "r0.5.0", "r0.6.0", "r0.6.1",
        "v1.1", "v1.2", "v1.3", "v1.4", "v1.5", "v1.6", "v1.7", "v1.8", "v1.9", "v1.10", "v1.11", "v1.12",
    ];

    /// <summary>Everything as Synapse 1.67 does it (the release recorded in shared/reference).</summary>
    public static Compatibility Synapse167 { get; } = new()
    {
        UnrecognizedAs400 = true,
        TxnScope = TxnScope.AccessToken,
        RetryAfterHeader = false,
        LegacyAdminUserFormat = true,
        ReportPythonVersion = true,
        SpecVersions = ["r0.0.1", "r0.1.0", "r0.2.0", "r0.3.0", "r0.4.0", "r0.5.0", "r0.6.0", "r0.6.1", "v1.1", "v1.2"],
    };
}
