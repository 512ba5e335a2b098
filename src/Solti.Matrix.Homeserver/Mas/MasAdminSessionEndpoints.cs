namespace Solti.Matrix.Homeserver.Mas;

/// <summary>The admin API's compat sessions (legacy <c>/login</c> sessions, one per Matrix device) and OAuth 2.0
/// sessions (docs/design/mas-facts.md §3.5, §3.6). Finishing a compat session deletes its Synapse device.</summary>
public static class MasAdminSessionEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapAdmin("GET", "/compat-sessions", "compat_sessions.list", (scope, _) => ListCompat(scope));
        routes.MapAdmin("GET", "/compat-sessions/{id}", "compat_sessions.get", (scope, _) => JsonApi.One(FormatCompat(FindCompat(scope))));
        routes.MapAdmin("POST", "/compat-sessions/{id}/finish", "compat_sessions.finish", (scope, _) =>
        {
            var session = FindCompat(scope);
            if (session.FinishedAtMs is not null)
            {
                throw MasErrors.BadRequest($"Compatibility session with ID {session.Id} is already finished");
            }

            MasSessions.FinishCompat(scope.State, session);
            return JsonApi.One(FormatCompat(session));
        });
        routes.MapAdmin("GET", "/oauth2-sessions", "oauth2_sessions.list", (scope, _) => ListOAuth2(scope));
        routes.MapAdmin("GET", "/oauth2-sessions/{id}", "oauth2_sessions.get", (scope, _) => JsonApi.One(FormatOAuth2(FindOAuth2(scope))));
        routes.MapAdmin("POST", "/oauth2-sessions/{id}/finish", "oauth2_sessions.finish", (scope, _) =>
        {
            var session = FindOAuth2(scope);
            if (session.FinishedAtMs is not null)
            {
                throw MasErrors.BadRequest($"OAuth 2.0 session with ID {session.Id} is already finished");
            }

            MasSessions.FinishOAuth2(scope.State, session);
            return JsonApi.One(FormatOAuth2(session));
        });
    }

    public static JsonObject FormatCompat(MasCompatSession s) => JsonApi.Resource("compat-session", s.Id, $"{JsonApi.Base}/compat-sessions/{s.Id}", new JsonObject
    {
        ["user_id"] = s.UserId,
        ["device_id"] = s.DeviceId,
        ["user_session_id"] = null,
        ["redirect_uri"] = null,
        ["created_at"] = JsonApi.Time(s.CreatedAtMs),
        ["user_agent"] = s.UserAgent,
        ["last_active_at"] = JsonApi.Time(s.LastActiveAtMs),
        ["last_active_ip"] = s.LastActiveIp,
        ["finished_at"] = JsonApi.Time(s.FinishedAtMs),
        ["human_name"] = s.HumanName,
    });

    public static JsonObject FormatOAuth2(MasOAuth2Session s) => JsonApi.Resource("oauth2-session", s.Id, $"{JsonApi.Base}/oauth2-sessions/{s.Id}", new JsonObject
    {
        ["created_at"] = JsonApi.Time(s.CreatedAtMs),
        ["finished_at"] = JsonApi.Time(s.FinishedAtMs),
        ["user_id"] = s.UserId,
        ["user_session_id"] = null,
        ["client_id"] = s.ClientId,
        ["scope"] = s.Scope,
        ["user_agent"] = s.UserAgent,
        ["last_active_at"] = JsonApi.Time(s.LastActiveAtMs),
        ["last_active_ip"] = s.LastActiveIp,
        ["human_name"] = null,
    });

    /// <summary><c>filter[user]</c>: a user ULID that must exist (404 otherwise).</summary>
    public static string? UserFilter(RequestScope scope, string name = "filter[user]")
    {
        var id = JsonApi.UlidFilter(scope, name);
        return id is null || scope.State.Data.Mas.Users.ContainsKey(id) ? id : throw MasErrors.UserNotFound(id);
    }

    private static Reply ListCompat(RequestScope scope)
    {
        var user = UserFilter(scope);
        var status = JsonApi.StatusFilter(scope, "active", "finished");
        var sessions = scope.State.Data.Mas.CompatSessions.Values.Where(s =>
            (user is null || s.UserId == user)
            && (status is null || (status == "active") == (s.FinishedAtMs is null)));
        return JsonApi.Page(scope, "compat-sessions", sessions, s => s.Id, FormatCompat);
    }

    private static Reply ListOAuth2(RequestScope scope)
    {
        var user = UserFilter(scope);
        var clients = scope.Context.Request.Query["filter[client]"].Select(c => c ?? "").ToList();
        var status = JsonApi.StatusFilter(scope, "active", "finished");
        var sessions = scope.State.Data.Mas.OAuth2Sessions.Values.Where(s =>
            (user is null || s.UserId == user)
            && (clients.Count == 0 || clients.Contains(s.ClientId))
            && (status is null || (status == "active") == (s.FinishedAtMs is null)));
        return JsonApi.Page(scope, "oauth2-sessions", sessions, s => s.Id, FormatOAuth2);
    }

    private static MasCompatSession FindCompat(RequestScope scope)
    {
        var id = JsonApi.RouteId(scope);
        return scope.State.Data.Mas.CompatSessions.GetValueOrDefault(id) ?? throw MasErrors.NotFound($"Compatibility session with ID {id} not found");
    }

    private static MasOAuth2Session FindOAuth2(RequestScope scope)
    {
        var id = JsonApi.RouteId(scope);
        return scope.State.Data.Mas.OAuth2Sessions.GetValueOrDefault(id) ?? throw MasErrors.NotFound($"OAuth 2.0 session with ID {id} not found");
    }
}
