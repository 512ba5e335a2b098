using System.Globalization;
using System.Text.Json;
using Solti.Matrix.Homeserver.Sync;

namespace Solti.Matrix.Homeserver.Endpoints;

/// <summary><c>GET /sync</c> (a real long poll: see <see cref="SyncResponses"/>) and the user's sync filters.</summary>
public static class SyncEndpoints
{
    private static readonly string[] PresenceStates = ["online", "offline", "unavailable"];

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapClient("GET", "/sync", "sync", AuthMode.User, Sync);
        routes.MapClient("POST", "/user/{userId}/filter", "filter.create", AuthMode.User, CreateFilter);
        routes.MapClient("GET", "/user/{userId}/filter/{filterId}", "filter.get", AuthMode.User, GetFilter);
    }

    /// <summary>Parses and checks the request under the lock, then answers outside it.</summary>
    private static Reply Sync(RequestScope scope)
    {
        if (scope.Query("from") is not null)
        {
            throw Errors.Unknown(400, "'from' is not a valid query parameter. Did you mean 'since'?");
        }

        if (scope.Query("set_presence") is { } presence && !PresenceStates.Contains(presence))
        {
            throw Errors.InvalidParam($"Query parameter 'set_presence' must be one of [{string.Join(", ", PresenceStates.Select(p => $"'{p}'"))}]");
        }

        var filterParameter = scope.Query("filter");
        var request = new SyncResponses.Request(
            scope.Requester,
            StreamTokens.Parse(scope.Query("since")),
            scope.QueryBool("full_state") ?? false,
            filterParameter,
            Filter(scope, filterParameter),
            scope.QueryInt("timeout", 0));
        var syncs = scope.Server.Syncs;
        return Reply.Deferred(async cancellation => Reply.Ok(await syncs.AnswerAsync(request, cancellation)));
    }

    /// <summary>Inline JSON (starts with <c>{</c>) or the id of a stored filter, as Synapse reads <c>filter=</c>.</summary>
    private static SyncFilter Filter(RequestScope scope, string? parameter)
    {
        if (parameter is null)
        {
            return SyncFilter.Default;
        }

        if (parameter.StartsWith('{'))
        {
            try
            {
                return JsonNode.Parse(parameter) is JsonObject inline ? SyncFilter.Parse(inline) : throw Errors.NotJson();
            }
            catch (JsonException)
            {
                throw new HomeserverErrorException(400, "M_NOT_JSON", "Invalid filter JSON");
            }
        }

        return StoredFilter(scope, scope.Requester.UserId, parameter) is { } stored
            ? SyncFilter.Parse(stored)
            : throw Errors.InvalidParam("No such filter");
    }

    private static JsonObject? StoredFilter(RequestScope scope, string userId, string filterId) =>
        int.TryParse(filterId, NumberStyles.None, CultureInfo.InvariantCulture, out var index)
        && scope.State.Data.Filters.TryGetValue(userId, out var filters) && index < filters.Count
            ? filters[index]
            : null;

    private static Reply CreateFilter(RequestScope scope)
    {
        var userId = scope.Route("userId");
        if (userId != scope.Requester.UserId)
        {
            throw Errors.Forbidden("Cannot create filters for other users");
        }

        var filter = scope.Body;
        SyncFilter.Parse(filter); // the parts we read must be of the right types
        if (!scope.State.Data.Filters.TryGetValue(userId, out var filters))
        {
            scope.State.Data.Filters[userId] = filters = [];
        }

        filters.Add((JsonObject)filter.DeepClone());
        return Reply.Ok(new JsonObject { ["filter_id"] = (filters.Count - 1).ToString(CultureInfo.InvariantCulture) });
    }

    private static Reply GetFilter(RequestScope scope)
    {
        var userId = scope.Route("userId");
        if (userId != scope.Requester.UserId)
        {
            throw Errors.Forbidden("Cannot get filters for other users");
        }

        var filterId = scope.Route("filterId");
        if (!int.TryParse(filterId, NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            throw Errors.Unknown(400, "Invalid filter_id");
        }

        return StoredFilter(scope, userId, filterId) is { } filter ? Reply.Ok(filter.DeepClone()) : throw Errors.NotFound("No such filter");
    }
}
