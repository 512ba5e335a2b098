using System.Globalization;

namespace Solti.Matrix.Mas;

/// <summary>MAS's admin API (<c>/api/admin/v1</c>) as an admin client: one partial file per resource. Requests go through
/// the pipeline's authentication step with a token with the <c>urn:mas:admin</c> scope from <see cref="MasAdminTokens"/>:
/// the one given, or one from the client-credentials grant at <c>/oauth2/token</c>, kept in the credential cache while it
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
    private readonly MasAdminTokens _tokens;

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
        _tokens = new MasAdminTokens(_http, credentials);
    }

    /// <summary>MAS's base URL.</summary>
    public Uri Url => _http.Options.Homeserver;

    /// <summary>Closes the client's HTTP connections.</summary>
    public void Dispose()
    {
        _http.Dispose();
        _tokens.Dispose();
    }

    /// <summary>Sends <paramref name="request"/> (a path under <c>/api/admin/v1</c>) with the admin token; a refused grant
    /// token is replaced once.</summary>
    private Task<JsonNode> SendAsync(MatrixRequest request, CancellationToken cancellationToken) =>
        _http.SendAuthenticatedAsync(request, _tokens, _http.NewBudget(), cancellationToken);

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
