using System.Globalization;

namespace Solti.Matrix.Homeserver.Mas;

/// <summary>The admin API's JSON:API-like envelopes (docs/design/mas-facts.md §3.3): one resource
/// <c>{data:{type,id,attributes,links:{self}},links:{self}}</c>, or a page <c>{meta:{count},data:[…],links:{self,first,last,next?,prev?}}</c>
/// whose items carry <c>meta.page.cursor</c> (their id). Pages follow id order, which is creation order.</summary>
public static class JsonApi
{
    public const string Base = "/api/admin/v1";

    private const int DefaultPageSize = 10;

    /// <summary>RFC 3339 in UTC, with the milliseconds when there are any.</summary>
    public static JsonNode? Time(long? ms) => ms is { } value
        ? DateTimeOffset.FromUnixTimeMilliseconds(value).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFF'Z'", CultureInfo.InvariantCulture)
        : null;

    public static long? ParseTime(JsonObject body, string key)
    {
        var raw = Json.OptionalString(body, key);
        if (raw is null)
        {
            return null;
        }

        return DateTimeOffset.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at.ToUnixTimeMilliseconds()
            : throw MasErrors.BadRequest($"Invalid date-time in '{key}'");
    }

    public static JsonObject Resource(string type, string id, string self, JsonObject attributes) => new()
    {
        ["type"] = type,
        ["id"] = id,
        ["attributes"] = attributes,
        ["links"] = new JsonObject { ["self"] = self },
    };

    public static Reply One(JsonObject resource, string? self = null, int status = 200) => new(status, new JsonObject
    {
        ["data"] = resource,
        ["links"] = new JsonObject { ["self"] = self ?? resource["links"]!["self"]!.GetValue<string>() },
    });

    /// <summary>The id in the route value <paramref name="name"/>, canonical; 400 "Invalid ULID in path" when it is not one.</summary>
    public static string RouteId(RequestScope scope, string name = "id") =>
        Ulid.TryParse(scope.Route(name), out var id) ? Ulid.Format(id) : throw MasErrors.InvalidUlid();

    /// <summary>A page of <paramref name="items"/> (already filtered) as the request's <c>page[…]</c> and <c>count</c>
    /// parameters ask: <c>page[first]</c>/<c>page[after]</c> forward, <c>page[last]</c>/<c>page[before]</c> backward.</summary>
    public static Reply Page<T>(RequestScope scope, string path, IEnumerable<T> items, Func<T, string> id, Func<T, JsonObject> format)
    {
        var first = PageSize(scope, "page[first]");
        var last = PageSize(scope, "page[last]");
        if (first is not null && last is not null)
        {
            throw MasErrors.BadRequest("Cannot specify both `page[first]` and `page[last]` parameters");
        }

        var after = Cursor(scope, "page[after]");
        var before = Cursor(scope, "page[before]");
        var count = scope.Query("count") switch
        {
            null or "true" => "true",
            "false" => "false",
            "only" => "only",
            _ => throw MasErrors.BadRequest("Invalid count parameter"),
        };

        var all = items.OrderBy(id, StringComparer.Ordinal).ToList();
        var filters = string.Join('&', scope.Context.Request.Query
            .Where(q => !q.Key.StartsWith("page[", StringComparison.Ordinal))
            .SelectMany(q => q.Value.Select(v => $"{q.Key}={Uri.EscapeDataString(v ?? "")}")));
        string Link(string page) => $"{Base}/{path}?{(filters.Length > 0 ? filters + "&" : "")}{page}";
        var size = last ?? first ?? DefaultPageSize;
        var links = new JsonObject
        {
            ["self"] = $"{Base}/{path}{scope.Context.Request.QueryString}",
            ["first"] = Link($"page[first]={size}"),
            ["last"] = Link($"page[last]={size}"),
        };
        var body = new JsonObject();
        if (count != "false")
        {
            body["meta"] = new JsonObject { ["count"] = all.Count };
        }

        if (count == "only")
        {
            body["links"] = links;
            return Reply.Ok(body);
        }

        var window = all.Where(i => (after is null || string.CompareOrdinal(id(i), after) > 0) && (before is null || string.CompareOrdinal(id(i), before) < 0)).ToList();
        var page = last is not null ? window.TakeLast(size).ToList() : window.Take(size).ToList();
        var data = new JsonArray();
        foreach (var item in page)
        {
            var resource = format(item);
            resource["meta"] = new JsonObject { ["page"] = new JsonObject { ["cursor"] = id(item) } };
            data.Add(resource);
        }

        body["data"] = data;
        if (page.Count > 0)
        {
            var firstId = id(page[0]);
            var lastId = id(page[^1]);
            if (all.Any(i => string.CompareOrdinal(id(i), lastId) > 0))
            {
                links["next"] = Link($"page[after]={lastId}&page[first]={size}");
            }

            if (all.Any(i => string.CompareOrdinal(id(i), firstId) < 0))
            {
                links["prev"] = Link($"page[before]={firstId}&page[last]={size}");
            }
        }

        body["links"] = links;
        return Reply.Ok(body);
    }

    /// <summary>A boolean <c>filter[…]</c> parameter.</summary>
    public static bool? BoolFilter(RequestScope scope, string name) => scope.Query(name) switch
    {
        null => null,
        "true" => true,
        "false" => false,
        _ => throw MasErrors.BadRequest($"Invalid filter parameters: {name} must be true or false"),
    };

    /// <summary><c>filter[status]</c>, one of <paramref name="allowed"/>, or null.</summary>
    public static string? StatusFilter(RequestScope scope, params string[] allowed) => scope.Query("filter[status]") switch
    {
        null => null,
        var s when allowed.Contains(s) => s,
        var other => throw MasErrors.BadRequest($"Invalid filter parameters: unknown status {other}"),
    };

    /// <summary>A ULID <c>filter[…]</c> parameter, canonical.</summary>
    public static string? UlidFilter(RequestScope scope, string name) => scope.Query(name) switch
    {
        null => null,
        var raw when Ulid.TryParse(raw, out var parsed) => Ulid.Format(parsed),
        _ => throw MasErrors.BadRequest($"Invalid filter parameters: {name} must be a ULID"),
    };

    private static int? PageSize(RequestScope scope, string name) => scope.Query(name) switch
    {
        null => null,
        var raw when int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 => n,
        _ => throw MasErrors.BadRequest("Invalid pagination parameters"),
    };

    private static string? Cursor(RequestScope scope, string name) => scope.Query(name) switch
    {
        null => null,
        var raw when Ulid.TryParse(raw, out var parsed) => Ulid.Format(parsed),
        _ => throw MasErrors.BadRequest("Invalid pagination parameters"),
    };
}
