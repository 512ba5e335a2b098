using System.Globalization;

namespace Solti.Matrix.Mas;

/// <summary>MAS's admin API (<c>/api/admin/v1</c>) as an admin client: one partial file per resource. Requests carry a
/// token with the <c>urn:mas:admin</c> scope: the one given, or one from the client-credentials grant at
/// <c>/oauth2/token</c> (<c>client_secret_basic</c>, else <c>client_secret_post</c>), kept in the credential cache while it
/// lasts (<see cref="MasCredentials.Cache"/>: one grant for many processes) and asked again once when MAS refuses it
/// (its tokens live five minutes and have no refresh token). Errors keep MAS's status and its <c>errors[].title</c>.
/// See docs/mas.md and docs/design/mas-facts.md §3.</summary>
public sealed partial class MasAdminClient : IDisposable
{
    /// <summary>The scope MAS's admin API requires.</summary>
    public const string AdminScope = "urn:mas:admin";

    private const string Api = "api/admin/v1";
    private const int PageSize = 100;

    private readonly MatrixHttpPipeline _http;
    private readonly MasCredentials _credentials;
    private readonly SemaphoreSlim _grant = new(1, 1);
    /// <summary>The grant's token in use (unused when a token is given: that one is sent as it is).</summary>
    private string? _token;
    private bool _secretInForm;

    /// <summary>A client of the MAS at <paramref name="url"/>, with the HTTP settings (timeouts, retries, certificate
    /// checks, user agent) of <paramref name="http"/>.</summary>
    public MasAdminClient(MatrixClientOptions http, Uri url, MasCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(credentials);
        if (!credentials.HasToken && !credentials.HasClient)
        {
            throw new ArgumentException("MAS's admin API needs a token with the urn:mas:admin scope or a client id and secret", nameof(credentials));
        }

        var baseUrl = url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");
        _http = new MatrixHttpPipeline(http.ForService(baseUrl));
        _credentials = credentials;
    }

    /// <summary>MAS's base URL.</summary>
    public Uri Url => _http.Options.Homeserver;

    /// <summary>Closes the client's HTTP connections.</summary>
    public void Dispose()
    {
        _http.Dispose();
        _grant.Dispose();
    }

    /// <summary>Sends <paramref name="request"/> (a path under <c>/api/admin/v1</c>) with the admin token; a refused grant
    /// token is replaced once.</summary>
    private async Task<JsonNode> SendAsync(MatrixRequest request, CancellationToken cancellationToken)
    {
        var token = await TokenAsync(stale: null, cancellationToken);
        try
        {
            return await _http.SendAsync(request, token, cancellationToken);
        }
        catch (MatrixException e) when (e.Status == 401 && !_credentials.HasToken)
        {
            token = await TokenAsync(stale: token, cancellationToken);
            return await _http.SendAsync(request, token, cancellationToken);
        }
        catch (MatrixException e) when (e.Status == 401)
        {
            throw new MatrixException(e.Status, e.Errcode, $"MAS's admin API refused the given token ({e.Error}): it needs a working token with the {AdminScope} scope", inner: e);
        }
    }

    /// <summary>The token to send: the given one, else the grant's, asked anew when <paramref name="stale"/> is the one
    /// held (one grant for concurrent callers).</summary>
    private async Task<string> TokenAsync(string? stale, CancellationToken cancellationToken)
    {
        if (_credentials.HasToken)
        {
            return _credentials.AccessToken!;
        }

        await _grant.WaitAsync(cancellationToken);
        try
        {
            if (_token is null || _token == stale)
            {
                _token = Cached(stale) ?? await GrantSharedAsync(stale, cancellationToken);
            }

            return _token;
        }
        finally
        {
            _grant.Release();
        }
    }

    /// <summary>The key of this client's token in the credential cache: MAS's URL and the client id.</summary>
    private string CacheKey => "mas-client:" + _credentials.ClientId;

    /// <summary>A token of this client that the credential cache holds, is not <paramref name="stale"/> and lasts at least
    /// another half minute; else null.</summary>
    private string? Cached(string? stale) =>
        _credentials.Cache?.Read(Url, CacheKey) is { } kept && kept.AccessToken != stale && kept.ExpiresAt > DateTimeOffset.UtcNow.AddSeconds(30)
            ? kept.AccessToken
            : null;

    /// <summary>One grant for every process of this OS user: under the cache's lock for the client, the cache is read
    /// again (another process may have just made the grant) before asking MAS; the new token is kept there.</summary>
    private async Task<string> GrantSharedAsync(string? stale, CancellationToken cancellationToken)
    {
        if (!_credentials.MayGrant)
        {
            throw new MatrixException(0, MatrixErrorCodes.MasTokenNeeded, $"MAS's admin API needs a token with the {AdminScope} scope here: its client-credentials grant is a login, which check mode never makes: give an admin token, or let a run outside check mode keep one in the credential cache");
        }

        if (_credentials.Cache is not { } cache)
        {
            return (await GrantAsync(cancellationToken)).Token;
        }

        using (await cache.LockAsync(Url, CacheKey, _http.Options.Retry.TotalBudget, cancellationToken))
        {
            if (Cached(stale) is { } fresh)
            {
                return fresh;
            }

            var (token, lifetime) = await GrantAsync(cancellationToken);
            cache.Write(Url, new Sessions.StoredSession(CacheKey, token, null, null, DateTimeOffset.UtcNow.Add(lifetime)));
            return token;
        }
    }

    /// <summary>The client-credentials grant (RFC 6749 §4.4) for <see cref="AdminScope"/>: the secret in the Basic header,
    /// or, when MAS refuses that because the client is set up for <c>client_secret_post</c>, in the form.</summary>
    private async Task<(string Token, TimeSpan Lifetime)> GrantAsync(CancellationToken cancellationToken)
    {
        var clientId = _credentials.ClientId!;
        JsonNode reply;
        try
        {
            reply = await RequestGrantAsync(inForm: _secretInForm, cancellationToken);
        }
        catch (MatrixException e) when (e.Status == 401 && !_secretInForm)
        {
            try
            {
                reply = await RequestGrantAsync(inForm: true, cancellationToken);
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
            ? (text, lifetime)
            : throw new MatrixException(200, MatrixErrorCodes.BadResponse, $"MAS's token endpoint answered client {clientId} without access_token");
    }

    private Task<JsonNode> RequestGrantAsync(bool inForm, CancellationToken cancellationToken)
    {
        var form = new List<KeyValuePair<string, string>> { new("grant_type", "client_credentials"), new("scope", AdminScope) };
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
        return _http.SendAsync(request, accessToken: null, cancellationToken);
    }

    /// <summary>What a refused grant means, in MAS's terms.</summary>
    private static MatrixException Refused(MatrixException e, string clientId) => new(e.Status, e.Errcode, e.Status switch
    {
        401 => $"MAS refused admin client {clientId} ({e.Error}): its id or secret is wrong, or its client_auth_method is neither client_secret_basic nor client_secret_post",
        403 => $"MAS refused admin client {clientId} the {AdminScope} scope ({e.Error}): list the client in MAS's policy.data.admin_clients",
        _ => $"MAS refused the client-credentials grant of client {clientId}: {e.Error}",
    }, inner: e);

    /// <summary>One resource: <c>GET</c>, or null when MAS says it does not exist (<see cref="MasFailures.IsAbsent"/>).</summary>
    private async Task<MasResource?> GetOrNullAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            return MasResource.From((await SendAsync(MatrixRequest.Get(Api + "/" + path), cancellationToken))["data"]);
        }
        catch (MatrixException e) when (MasFailures.IsAbsent(e))
        {
            return null;
        }
    }

    /// <summary>A <c>POST</c> that answers one resource.</summary>
    private async Task<MasResource> PostAsync(string path, JsonObject? body, CancellationToken cancellationToken, bool idempotent = true) =>
        MasResource.From((await SendAsync(MatrixRequest.Post(Api + "/" + path, body, idempotent), cancellationToken))["data"]);

    /// <summary>Every resource of <paramref name="collection"/> matching <paramref name="filters"/> (<c>filter[…]</c>
    /// parameters), following the cursors page by page.</summary>
    public async Task<IReadOnlyList<MasResource>> ListAsync(string collection, IReadOnlyList<KeyValuePair<string, string>> filters, CancellationToken cancellationToken = default)
    {
        var query = "";
        for (var i = 0; i < filters.Count; i++)
        {
            query += "&filter[" + Uri.EscapeDataString(filters[i].Key) + "]=" + Uri.EscapeDataString(filters[i].Value);
        }

        var items = new List<MasResource>();
        string? after = null;
        do
        {
            var page = await SendAsync(MatrixRequest.Get($"{Api}/{collection}?page[first]={PageSize.ToString(CultureInfo.InvariantCulture)}{query}{(after is null ? "" : "&page[after]=" + after)}"), cancellationToken);
            var data = page["data"] as JsonArray ?? [];
            items.AddRange(data.Select(MasResource.From));
            after = page["links"]?["next"] is JsonValue && data.Count > 0
                ? data[^1]?["meta"]?["page"]?["cursor"]?.GetValue<string>() ?? items[^1].Id
                : null;
        }
        while (after is not null);
        return items;
    }

    /// <summary>A path segment with reserved characters encoded.</summary>
    private static string Segment(string value) => Uri.EscapeDataString(value);

    /// <summary>A time in RFC 3339 (UTC, milliseconds), as MAS's admin API takes it.</summary>
    public static string Rfc3339(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
