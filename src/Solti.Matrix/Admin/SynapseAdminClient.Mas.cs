using Solti.Matrix.Discovery;

namespace Solti.Matrix;

/// <summary>The admin API on a homeserver that delegates authentication to MAS: Synapse then serves no API for what MAS
/// owns (login as a user, registration tokens, shared-secret registration) and lists users only with
/// <c>guests=false</c>. See docs/design/mas-facts.md §2.2.</summary>
public partial class SynapseAdminClient
{
    /// <summary>Whether the homeserver signs its users in itself or delegates that to MAS: asked once per HTTP pipeline,
    /// without a token.</summary>
    public virtual Task<HomeserverAuthentication> AuthenticationAsync(CancellationToken cancellationToken = default) =>
        HomeserverAuthentication.OfAsync(Session.Http, cancellationToken);

    /// <summary>The user listing's <c>guests</c> filter: Synapse with MAS has no guests and refuses the default.</summary>
    private async Task<string> GuestsQueryAsync(CancellationToken cancellationToken) =>
        (await AuthenticationAsync(cancellationToken)).IsDelegated ? "&guests=false" : "";

    /// <summary>Sends a request to an admin API that MAS owns on a delegated homeserver, where Synapse answers 404
    /// <c>M_UNRECOGNIZED</c>: that answer becomes an error saying that <paramref name="what"/> belongs to MAS.</summary>
    private async Task<JsonNode> SendMasOwnedAsync(MatrixRequest request, string what, CancellationToken cancellationToken)
    {
        try
        {
            return await Session.SendAsync(request, cancellationToken);
        }
        catch (MatrixException e) when (e.Status == 404 && e.Errcode == MatrixErrorCodes.Unrecognized)
        {
            throw await MasOwnedAsync(e, what, cancellationToken);
        }
    }

    /// <summary><paramref name="refusal"/> as it is, or, on a homeserver that delegates to MAS, an error that names MAS.</summary>
    private async Task<MatrixException> MasOwnedAsync(MatrixException refusal, string what, CancellationToken cancellationToken) =>
        await AuthenticationAsync(cancellationToken) is { IsDelegated: true } mas
            ? new MatrixException(refusal.Status, refusal.Errcode, $"{what} belong to the Matrix Authentication Service on this homeserver (issuer {mas.Issuer}), " +
                "and Synapse serves no API for them: manage them with MAS's admin API or mas-cli", inner: refusal)
            : refusal;
}
