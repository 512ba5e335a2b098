namespace Solti.Matrix.Discovery;

/// <summary>Who signs a homeserver's users in: Synapse itself (<see cref="Synapse"/>), or the Matrix Authentication
/// Service it delegates to (<see cref="Mas"/>, MSC3861), with MAS's issuer and account management page. On a delegated
/// homeserver accounts, passwords, sessions and registration tokens belong to MAS.</summary>
/// <param name="Kind"><see cref="Synapse"/> or <see cref="Mas"/>.</param>
/// <param name="Issuer">MAS's issuer URL (null for Synapse).</param>
/// <param name="AccountManagementUri">Where users manage their account on MAS, when it says.</param>
public sealed record HomeserverAuthentication(string Kind, string? Issuer, string? AccountManagementUri)
{
    /// <summary>Synapse authenticates its users itself.</summary>
    public const string Synapse = "synapse";

    /// <summary>Authentication is delegated to the Matrix Authentication Service.</summary>
    public const string Mas = "mas";

    /// <summary>Whether authentication is delegated to MAS.</summary>
    public bool IsDelegated => Kind == Mas;

    /// <summary>How errors name MAS: <c>the Matrix Authentication Service on this homeserver (issuer …)</c>.</summary>
    internal string Owner => $"the Matrix Authentication Service on this homeserver (issuer {Issuer})";

    /// <summary>The discovery paths, newest first: the stable one (Matrix 1.15, Synapse 1.138 and later), MSC2965's
    /// unstable one (Synapse 1.123 to 1.137), and MSC2965's older issuer-only one (Synapse 1.99 to 1.122).</summary>
    private static readonly string[] DiscoveryPaths =
    [
        "/_matrix/client/v1/auth_metadata",
        "/_matrix/client/unstable/org.matrix.msc2965/auth_metadata",
        "/_matrix/client/unstable/org.matrix.msc2965/auth_issuer",
    ];

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<MatrixHttpPipeline, Task<HomeserverAuthentication>> Known = new();

    /// <summary>What the homeserver behind <paramref name="http"/> answers, asked once per pipeline (a client and the admin
    /// sessions it makes share one), asked again only after a failure.</summary>
    internal static Task<HomeserverAuthentication> OfAsync(MatrixHttpPipeline http, CancellationToken cancellationToken)
    {
        lock (Known)
        {
            if (!Known.TryGetValue(http, out var known) || known.IsFaulted || known.IsCanceled)
            {
                known = DiscoverAsync(http, cancellationToken);
                Known.AddOrUpdate(http, known);
            }

            return known;
        }
    }

    /// <summary>Asks the homeserver, without a token, each discovery path in turn: the first that answers names MAS; a
    /// homeserver that serves none of them (<see cref="MatrixException.IsUnrecognized"/>: Synapse's <c>M_UNRECOGNIZED</c>,
    /// 400 before 1.74 and 404 since; a proxy's bare 404 or 405) or says that it has no such metadata
    /// (<see cref="MatrixException.IsAbsent"/>: <c>404 M_NOT_FOUND</c>, as other servers answer without delegation)
    /// authenticates its users itself. Any other failure is the caller's (the server is down, or refused otherwise).</summary>
    private static async Task<HomeserverAuthentication> DiscoverAsync(MatrixHttpPipeline http, CancellationToken cancellationToken)
    {
        var budget = http.NewBudget();
        foreach (var path in DiscoveryPaths)
        {
            try
            {
                var metadata = await http.SendAsync(MatrixRequest.Get(path), null, budget, cancellationToken);
                return new(Mas, metadata["issuer"]?.GetValue<string>(), metadata["account_management_uri"]?.GetValue<string>());
            }
            catch (MatrixException e) when (e.IsUnrecognized || e.IsAbsent)
            {
                // Not served here: the next, older path, or no delegation at all.
            }
        }

        return new(Synapse, null, null);
    }
}
