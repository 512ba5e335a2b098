using Solti.Matrix.Sessions;

namespace Solti.Matrix.Mas;

/// <summary>The token source (<see cref="ITokenSource"/>) of MAS's admin API. A given token with the
/// <c>urn:mas:admin</c> scope is sent as it is, and a refusal of it ends the call naming it. Else the token comes from
/// the client-credentials grant (RFC 6749 §4.4) at <c>/oauth2/token</c> (<c>client_secret_basic</c>, else
/// <c>client_secret_post</c>), used while it lasts at least <see cref="Margin"/> more on the options' clock
/// (<see cref="MatrixClientOptions.Time"/>) and kept in the credential cache as its own record
/// (<see cref="StoredGrant"/>, <see cref="MasCredentials.Cache"/>): one grant for every process of this OS user, made
/// under the cache's lock for the client. A refused grant token is replaced once per call (its tokens live five minutes
/// and have no refresh token). This source's rule for a bad token is any <c>401</c>: MAS's admin API and its OAuth
/// endpoints answer an unknown, expired or revoked token with a 401 that carries no Matrix <c>errcode</c>
/// (docs/design/mas-facts.md §3.2), so <see cref="MatrixException.IsTokenError"/>, the Matrix rule, never applies
/// here. See docs/mas.md.</summary>
internal sealed class MasAdminTokens : ITokenSource, IDisposable
{
    /// <summary>How long a grant's token must still last to be sent.</summary>
    public static readonly TimeSpan Margin = TimeSpan.FromSeconds(30);

    /// <summary>The name of the one renewal in <see cref="RecoveryLog.Tried"/>.</summary>
    private const string Regrant = "grant";

    private readonly MatrixHttpPipeline _http;
    private readonly MasCredentials _credentials;
    private readonly SemaphoreSlim _grant = new(1, 1);
    /// <summary>The grant in use (unused when a token is given: that one is sent as it is).</summary>
    private StoredGrant? _held;
    private bool _secretInForm;

    /// <summary>The tokens of <paramref name="credentials"/> for the MAS that <paramref name="http"/> sends to.</summary>
    public MasAdminTokens(MatrixHttpPipeline http, MasCredentials credentials)
    {
        _http = http;
        _credentials = credentials;
    }

    private Uri Url => _http.Options.Homeserver;

    /// <summary>Frees the lock of the grant in this process.</summary>
    public void Dispose() => _grant.Dispose();

    /// <summary>The given token, else the grant's (granted when none lasts).</summary>
    public async Task<string?> TokenAsync(RecoveryLog log, CancellationToken cancellationToken) =>
        _credentials.HasToken ? _credentials.AccessToken : await GrantedAsync(refused: null, log, cancellationToken);

    /// <summary>Any 401 (see the class).</summary>
    public bool IsBadToken(MatrixException refusal) => refusal.Status == 401;

    /// <summary>A given token has no other; a grant's is replaced once per call.</summary>
    public async Task<string?> RenewAsync(string refused, MatrixException refusal, RecoveryLog log, CancellationToken cancellationToken)
    {
        log.LastError = refusal;
        return _credentials.HasToken || !log.Tried.Add(Regrant) ? null : await GrantedAsync(refused, log, cancellationToken);
    }

    /// <summary>The given token's refusal, naming the scope it needs; else MAS's refusal of the second grant's token as
    /// it came.</summary>
    public MatrixException GiveUp(RecoveryLog log)
    {
        var e = log.LastError ?? new MatrixException(401, MatrixErrorCodes.Unknown, "no token");
        return _credentials.HasToken
            ? new MatrixException(e.Status, e.Errcode, $"MAS's admin API refused the given token ({e.Error}): it needs a working token with the {MasAdminClient.AdminScope} scope", inner: e)
            : e;
    }

    /// <summary>The grant's token, asked anew when the one held is <paramref name="refused"/> or nearly expired (one
    /// grant for concurrent callers).</summary>
    private async Task<string> GrantedAsync(string? refused, RecoveryLog log, CancellationToken cancellationToken)
    {
        await _grant.WaitAsync(cancellationToken);
        try
        {
            if (_held is null || !Lasts(_held, refused))
            {
                _held = Cached(refused) ?? await GrantSharedAsync(refused, log, cancellationToken);
            }

            return _held.AccessToken;
        }
        finally
        {
            _grant.Release();
        }
    }

    private bool Lasts(StoredGrant grant, string? refused) => grant.Lasts(_http.Options.Time.GetUtcNow(), Margin, refused);

    /// <summary>The grant the credential cache holds for this client, when it is not <paramref name="refused"/> and
    /// lasts; else null.</summary>
    private StoredGrant? Cached(string? refused) =>
        _credentials.Cache?.ReadGrant(Url, _credentials.ClientId!) is { } kept && Lasts(kept, refused) ? kept : null;

    /// <summary>One grant for every process of this OS user: under the cache's lock for the client, the cache is read
    /// again (another process may have just made the grant) before asking MAS; the new grant is kept there.</summary>
    private async Task<StoredGrant> GrantSharedAsync(string? refused, RecoveryLog log, CancellationToken cancellationToken)
    {
        if (!_credentials.MayGrant)
        {
            throw new MatrixException(0, MatrixErrorCodes.MasTokenNeeded, $"MAS's admin API needs a token with the {MasAdminClient.AdminScope} scope here: its client-credentials grant is a login, which check mode never makes: give an admin token, or let a run outside check mode keep one in the credential cache");
        }

        if (_credentials.Cache is not { } cache)
        {
            return await GrantAsync(log.Budget, cancellationToken);
        }

        using (await cache.GrantLockAsync(Url, _credentials.ClientId!, _http.Options.Retry.TotalBudget, cancellationToken))
        {
            if (Cached(refused) is { } fresh)
            {
                return fresh;
            }

            var grant = await GrantAsync(log.Budget, cancellationToken);
            cache.WriteGrant(Url, grant);
            return grant;
        }
    }

    /// <summary>The client-credentials grant for <see cref="MasAdminClient.AdminScope"/>: the secret in the Basic header,
    /// or, when MAS refuses that because the client is set up for <c>client_secret_post</c>, in the form. Its lifetime
    /// starts on the options' clock.</summary>
    private async Task<StoredGrant> GrantAsync(CallBudget budget, CancellationToken cancellationToken)
    {
        var clientId = _credentials.ClientId!;
        JsonNode reply;
        try
        {
            reply = await RequestGrantAsync(inForm: _secretInForm, budget, cancellationToken);
        }
        catch (MatrixException e) when (e.Status == 401 && !_secretInForm)
        {
            try
            {
                reply = await RequestGrantAsync(inForm: true, budget, cancellationToken);
                _secretInForm = true;
            }
            catch (MatrixException again) when (again.Status is 400 or 401 or 403)
            {
                throw Refused(again, clientId);
            }
        }
        catch (MatrixException e) when (e.Status is 400 or 403)
        {
            throw Refused(e, clientId);
        }

        // MAS's client-credentials tokens live experimental.access_token_ttl (300 s by default) and say so in expires_in.
        var lifetime = TimeSpan.FromSeconds(reply["expires_in"] is JsonValue seconds && seconds.TryGetValue<double>(out var s) ? s : 300);
        return reply["access_token"] is JsonValue token && token.TryGetValue<string>(out var text) && text.Length > 0
            ? new StoredGrant(clientId, text, _http.Options.Time.GetUtcNow() + lifetime)
            : throw new MatrixException(200, MatrixErrorCodes.BadResponse, $"MAS's token endpoint answered client {clientId} without access_token");
    }

    private Task<JsonNode> RequestGrantAsync(bool inForm, CallBudget budget, CancellationToken cancellationToken)
    {
        var form = new List<KeyValuePair<string, string>> { new("grant_type", "client_credentials"), new("scope", MasAdminClient.AdminScope) };
        if (inForm)
        {
            form.Add(new("client_id", _credentials.ClientId!));
            form.Add(new("client_secret", _credentials.ClientSecret!));
        }

        // client_secret_basic (RFC 6749 §2.3.1): id and secret each form-encoded, joined, then base64-encoded.
        var basic = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(Uri.EscapeDataString(_credentials.ClientId!) + ":" + Uri.EscapeDataString(_credentials.ClientSecret!)));
        var request = new MatrixRequest(HttpMethod.Post, "oauth2/token")
        {
            Form = form,
            Authorization = inForm ? null : new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", basic),
        };
        return _http.SendAsync(request, accessToken: null, budget, cancellationToken);
    }

    /// <summary>What a refused grant means, in MAS's terms.</summary>
    private static MatrixException Refused(MatrixException e, string clientId) => new(e.Status, e.Errcode, e.Status switch
    {
        401 => $"MAS refused admin client {clientId} ({e.Error}): its id or secret is wrong, or its client_auth_method is neither client_secret_basic nor client_secret_post",
        403 => $"MAS refused admin client {clientId} the {MasAdminClient.AdminScope} scope ({e.Error}): list the client in MAS's policy.data.admin_clients",
        _ => $"MAS refused the client-credentials grant of client {clientId}: {e.Error}",
    }, inner: e);
}
