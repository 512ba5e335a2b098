using Solti.Matrix.Discovery;

namespace Solti.Matrix;

/// <summary>The admin API on a homeserver that delegates authentication to MAS: Synapse then serves no API for what MAS
/// owns (login as a user, registration tokens, shared-secret registration) and lists users only with
/// <c>guests=false</c>. See docs/design/mas-facts.md §2.2.</summary>
public partial class SynapseAdminClient
{
    /// <summary>What to do about what MAS owns when no MAS admin client is given.</summary>
    public const string MasRemedy = "give MAS's admin API (its URL and an admin client's id and secret, or an admin token: docs/mas.md), or use mas-cli";

    /// <summary>Whether the homeserver signs its users in itself or delegates that to MAS: asked once per HTTP pipeline,
    /// without a token.</summary>
    public virtual Task<HomeserverAuthentication> AuthenticationAsync(CancellationToken cancellationToken = default) =>
        HomeserverAuthentication.OfAsync(Session.Http, cancellationToken);

    /// <summary>The user listing's <c>guests</c> filter: Synapse with MAS has no guests and refuses the default.</summary>
    private async Task<string> GuestsQueryAsync(CancellationToken cancellationToken) =>
        (await AuthenticationAsync(cancellationToken)).IsDelegated ? "&guests=false" : "";

    /// <summary>Runs <paramref name="call"/> to an admin API that MAS owns on a delegated homeserver, where Synapse answers
    /// that it does not serve them (<see cref="MatrixException.IsUnrecognized"/>): there that answer becomes an error saying that <paramref name="what"/> belong to MAS;
    /// elsewhere it stays as it is.</summary>
    private async Task<T> MasOwnedAsync<T>(string what, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call();
        }
        catch (MatrixException e) when (e.IsUnrecognized)
        {
            throw await AuthenticationAsync(cancellationToken) is { IsDelegated: true } mas
                ? new MatrixException(e.Status, e.Errcode, $"{what} belong to {mas.Owner}, and Synapse serves no API for them: {MasRemedy}", inner: e) { HasMatrixBody = e.HasMatrixBody }
                : e;
        }
    }

    /// <summary><see cref="MasOwnedAsync{T}"/> for one request.</summary>
    private Task<JsonNode> SendMasOwnedAsync(MatrixRequest request, string what, CancellationToken cancellationToken) =>
        MasOwnedAsync(what, () => Session.SendAsync(request, cancellationToken), cancellationToken);
}
