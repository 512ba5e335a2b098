namespace Solti.Matrix.Homeserver.Mas;

/// <summary>The admin API's personal sessions: personal access tokens minted by an admin (docs/design/mas-facts.md
/// §3.7, §4.2). A <c>urn:matrix:client:device:&lt;ID&gt;</c> scope provisions that Synapse device at creation; revoking
/// deletes it. The token is shown only on create and regenerate.</summary>
public static class MasPersonalSessionEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapAdmin("GET", "/personal-sessions", "personal_sessions.list", (scope, _) => List(scope));
        routes.MapAdmin("POST", "/personal-sessions", "personal_sessions.add", Add);
        routes.MapAdmin("GET", "/personal-sessions/{id}", "personal_sessions.get", (scope, _) => JsonApi.One(Format(Find(scope), scope.State)));
        routes.MapAdmin("POST", "/personal-sessions/{id}/revoke", "personal_sessions.revoke", (scope, _) =>
        {
            var session = Find(scope);
            if (session.RevokedAtMs is not null)
            {
                throw MasErrors.Admin(409, $"Personal session with ID {session.Id} is already revoked");
            }

            MasSessions.RevokePersonal(scope.State, session);
            return JsonApi.One(Format(session, scope.State));
        });
        routes.MapAdmin("POST", "/personal-sessions/{id}/regenerate", "personal_sessions.regenerate", Regenerate);
    }

    public static JsonObject Format(MasPersonalSession s, ServerState state, string? accessToken = null)
    {
        var resource = Format(s);
        var attributes = resource["attributes"]!.AsObject();
        attributes["expires_at"] = s.RevokedAtMs is null && s.AccessToken is { } current && state.Data.Mas.AccessTokens.GetValueOrDefault(current) is { } token
            ? JsonApi.Time(token.ExpiresAtMs)
            : null;
        if (accessToken is not null)
        {
            attributes["access_token"] = accessToken;
        }

        return resource;
    }

    private static JsonObject Format(MasPersonalSession s) => JsonApi.Resource("personal-session", s.Id, $"{JsonApi.Base}/personal-sessions/{s.Id}", new JsonObject
    {
        ["created_at"] = JsonApi.Time(s.CreatedAtMs),
        ["revoked_at"] = JsonApi.Time(s.RevokedAtMs),
        ["owner_user_id"] = s.OwnerUserId,
        ["owner_client_id"] = s.OwnerClientId,
        ["actor_user_id"] = s.ActorUserId,
        ["human_name"] = s.HumanName,
        ["scope"] = s.Scope,
        ["last_active_at"] = JsonApi.Time(s.LastActiveAtMs),
        ["last_active_ip"] = s.LastActiveIp,
        ["expires_at"] = null,
    });

    private static Reply List(RequestScope scope)
    {
        var actor = MasAdminSessionEndpoints.UserFilter(scope, "filter[actor_user]");
        var ownerUser = MasAdminSessionEndpoints.UserFilter(scope, "filter[owner_user]");
        var ownerClient = scope.Query("filter[owner_client]");
        var status = JsonApi.StatusFilter(scope, "active", "revoked");
        var scopes = scope.Context.Request.Query["filter[scope]"].Select(s => s ?? "").ToList();
        var state = scope.State;
        var sessions = state.Data.Mas.PersonalSessions.Values.Where(s =>
            (actor is null || s.ActorUserId == actor)
            && (ownerUser is null || s.OwnerUserId == ownerUser)
            && (ownerClient is null || s.OwnerClientId == ownerClient)
            && (status is null || (status == "active") == (s.RevokedAtMs is null))
            && scopes.All(wanted => (MasScopes.Parse(s.Scope) ?? []).Contains(wanted)));
        return JsonApi.Page(scope, "personal-sessions", sessions, s => s.Id, s => Format(s, state));
    }

    private static Reply Add(RequestScope scope, MasCaller caller)
    {
        var body = MasJson.Body(scope);
        var actorId = MasJson.RequiredString(body, "actor_user_id");
        var scopeTokens = MasScopes.Parse(MasJson.RequiredString(body, "scope"));
        if (scopeTokens is null)
        {
            throw MasErrors.BadRequest("Invalid scope");
        }

        var expiresIn = ExpiresIn(body);
        var state = scope.State;
        var actor = (Ulid.TryParse(actorId, out var parsed) ? state.Data.Mas.Users.GetValueOrDefault(Ulid.Format(parsed)) : null)
            ?? throw MasErrors.NotFound("User not found");
        if (actor.DeactivatedAtMs is not null)
        {
            throw MasErrors.Admin(410, "User is not active");
        }

        var session = new MasPersonalSession
        {
            Id = Ulid.Next(state),
            OwnerClientId = caller.ClientId,
            OwnerUserId = caller.UserId,
            ActorUserId = actor.Id,
            HumanName = MasJson.Text(body, "human_name") ?? "",
            Scope = MasScopes.Join(scopeTokens),
            CreatedAtMs = state.NowMs,
        };
        state.Data.Mas.PersonalSessions[session.Id] = session;
        var token = MasTokens.IssuePersonal(state, session, expiresIn);
        MasSessions.ProvisionDevices(state, actor, scopeTokens);
        return JsonApi.One(Format(session, state, token.Token), status: 201);
    }

    /// <summary>A new token for the session (same scope, new expiry); the old one stops working at once. Only the
    /// session's owner may do it, and not for a revoked session.</summary>
    private static Reply Regenerate(RequestScope scope, MasCaller caller)
    {
        var id = JsonApi.RouteId(scope);
        var state = scope.State;
        var session = state.Data.Mas.PersonalSessions.GetValueOrDefault(id) ?? throw MasErrors.NotFound("Session not found");
        var expiresIn = ExpiresIn(MasJson.Body(scope, optional: true));
        if (session.OwnerClientId != caller.ClientId || session.OwnerUserId != caller.UserId)
        {
            throw MasErrors.Admin(403, "Session does not belong to you");
        }

        if (session.RevokedAtMs is not null)
        {
            throw MasErrors.Admin(422, "Session not valid");
        }

        if (!state.Data.Mas.Users.ContainsKey(session.ActorUserId))
        {
            throw MasErrors.NotFound("User not found");
        }

        var token = MasTokens.IssuePersonal(state, session, expiresIn);
        return JsonApi.One(Format(session, state, token.Token), status: 201);
    }

    private static long? ExpiresIn(JsonObject body) => MasJson.Number(body, "expires_in") switch
    {
        null => null,
        > 0 and var seconds => seconds,
        _ => throw MasErrors.BadRequest("Invalid request body: expires_in must be a positive number of seconds"),
    };

    private static MasPersonalSession Find(RequestScope scope)
    {
        var id = JsonApi.RouteId(scope);
        return scope.State.Data.Mas.PersonalSessions.GetValueOrDefault(id) ?? throw MasErrors.NotFound($"Personal session with ID {id} not found");
    }
}
