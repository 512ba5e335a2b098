using Solti.Matrix.Accounts;
using Solti.Matrix.Discovery;
using Solti.Matrix.Mas;
using Solti.Matrix.Sessions;

namespace Solti.Matrix;

/// <summary>The Synapse admin API over a (self-healing) admin session (one partial file per area): rooms, membership,
/// rate limits, the server's version. Accounts, devices, registration tokens and tokens minted for users belong to the
/// account authority (<see cref="AccountsAsync"/>): Synapse, or MAS on a homeserver that delegates to it.</summary>
public partial class SynapseAdminClient(MatrixSession session)
{
    private Task<IAccountAuthority>? _chosen;
    private readonly Lock _choosing = new();

    /// <summary>The admin session every request of this client is sent with (it heals as any session does).</summary>
    public MatrixSession Session => session;

    /// <summary>MAS's admin API, used on a homeserver that delegates authentication to MAS; null: not given (what MAS
    /// owns then fails naming MAS).</summary>
    public MasCredentials? MasCredentials { get; init; }

    /// <summary>The Synapse version the server reports (<c>GET /v1/server_version</c>), or an empty string when it
    /// reports none.</summary>
    public virtual async Task<string> ServerVersionAsync(CancellationToken cancellationToken = default) =>
        (await session.SendAsync(MatrixRequest.Get(MatrixPath.Admin + "/v1/server_version"), cancellationToken))["server_version"]?.GetValue<string>() ?? "";

    /// <summary>Whether the homeserver signs its users in itself or delegates that to MAS: asked once per HTTP pipeline,
    /// without a token.</summary>
    public virtual Task<HomeserverAuthentication> AuthenticationAsync(CancellationToken cancellationToken = default) =>
        HomeserverAuthentication.OfAsync(Session.Http, cancellationToken);

    /// <summary>Why account validity (<see cref="SetAccountExpiryAsync"/>) cannot be used here, or null when it can: Synapse
    /// does not serve its account validity API when it delegates authentication to MAS, and MAS has no account expiry.</summary>
    public virtual async Task<string?> AccountValidityRefusalAsync(CancellationToken cancellationToken = default) =>
        (await AuthenticationAsync(cancellationToken)).IsDelegated
            ? "account validity is not available on a homeserver that delegates authentication to MAS (Synapse does not serve its account validity API then; MAS has no account expiry)"
            : null;

    /// <summary>Who owns the homeserver's accounts, chosen once for this client: MAS (<see cref="MasAccounts"/>) when the
    /// homeserver delegates authentication to it and <see cref="MasCredentials"/> are given, else Synapse
    /// (<see cref="SynapseAccounts"/>, which names MAS in what it refuses on a delegated homeserver). A failed discovery
    /// is asked again on the next call.</summary>
    public virtual Task<IAccountAuthority> AccountsAsync(CancellationToken cancellationToken = default)
    {
        lock (_choosing)
        {
            if (_chosen is null || _chosen.IsFaulted || _chosen.IsCanceled)
            {
                _chosen = ChooseAsync(cancellationToken);
            }

            return _chosen;
        }
    }

    private async Task<IAccountAuthority> ChooseAsync(CancellationToken cancellationToken)
    {
        var authentication = await AuthenticationAsync(cancellationToken);
        var synapse = new SynapseAccounts(session, authentication);
        if (MasCredentials is not { } credentials || !authentication.IsDelegated)
        {
            return synapse;
        }

        var url = credentials.Url ?? (Uri.TryCreate(authentication.Issuer, UriKind.Absolute, out var issuer) ? issuer
            : throw new MatrixException(0, MatrixErrorCodes.BadResponse, "the homeserver delegates to MAS but names no issuer: give MAS's URL"));
        return new MasAccounts(new MasAdminClient(session.Http.Options, url, credentials), synapse);
    }
}
