namespace Solti.Matrix.Homeserver.Mas;

/// <summary>The admin API's user registration tokens (docs/design/mas-facts.md §3.8), addressed by ULID.</summary>
public static class MasRegistrationTokenEndpoints
{
    private const string Path = "user-registration-tokens";
    private const string Alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapAdmin("GET", "/" + Path, "registration_tokens.list", (scope, _) => List(scope));
        routes.MapAdmin("POST", "/" + Path, "registration_tokens.add", (scope, _) => Add(scope));
        routes.MapAdmin("GET", "/" + Path + "/{id}", "registration_tokens.get", (scope, _) => JsonApi.One(Format(Find(scope), scope.State.NowMs)));
        routes.MapAdmin("PUT", "/" + Path + "/{id}", "registration_tokens.update", (scope, _) => Update(scope));
        routes.MapAdmin("POST", "/" + Path + "/{id}/revoke", "registration_tokens.revoke", (scope, _) =>
        {
            var token = Find(scope);
            if (token.RevokedAtMs is not null)
            {
                throw MasErrors.BadRequest($"Registration token with ID {token.Id} is already revoked");
            }

            token.RevokedAtMs = scope.State.NowMs;
            return JsonApi.One(Format(token, scope.State.NowMs));
        });
        routes.MapAdmin("POST", "/" + Path + "/{id}/unrevoke", "registration_tokens.unrevoke", (scope, _) =>
        {
            var token = Find(scope);
            if (token.RevokedAtMs is null)
            {
                throw MasErrors.BadRequest($"Registration token with ID {token.Id} is not revoked");
            }

            token.RevokedAtMs = null;
            return JsonApi.One(Format(token, scope.State.NowMs));
        });
    }

    public static JsonObject Format(MasRegistrationToken t, long nowMs) => JsonApi.Resource("user-registration_token", t.Id, $"{JsonApi.Base}/{Path}/{t.Id}", new JsonObject
    {
        ["token"] = t.Token,
        ["valid"] = t.IsValid(nowMs),
        ["usage_limit"] = t.UsageLimit,
        ["times_used"] = t.TimesUsed,
        ["created_at"] = JsonApi.Time(t.CreatedAtMs),
        ["last_used_at"] = JsonApi.Time(t.LastUsedAtMs),
        ["expires_at"] = JsonApi.Time(t.ExpiresAtMs),
        ["revoked_at"] = JsonApi.Time(t.RevokedAtMs),
    });

    private static Reply List(RequestScope scope)
    {
        var now = scope.State.NowMs;
        var used = JsonApi.BoolFilter(scope, "filter[used]");
        var revoked = JsonApi.BoolFilter(scope, "filter[revoked]");
        var expired = JsonApi.BoolFilter(scope, "filter[expired]");
        var valid = JsonApi.BoolFilter(scope, "filter[valid]");
        var tokens = scope.State.Data.Mas.RegistrationTokens.Values.Where(t =>
            (used is null || (t.TimesUsed > 0) == used)
            && (revoked is null || (t.RevokedAtMs is not null) == revoked)
            && (expired is null || t.IsExpired(now) == expired)
            && (valid is null || t.IsValid(now) == valid));
        return JsonApi.Page(scope, Path, tokens, t => t.Id, t => Format(t, now));
    }

    /// <summary>All fields optional: a random token, no usage limit, no expiry. A token string already in use is 409.</summary>
    private static Reply Add(RequestScope scope)
    {
        var body = MasJson.Body(scope, optional: true);
        var state = scope.State;
        var value = MasJson.Text(body, "token") ?? Identifiers.Random(Alnum, 12);
        if (value.Length == 0 || state.Data.Mas.RegistrationTokens.Values.Any(t => t.Token == value))
        {
            throw MasErrors.Admin(409, "A registration token with this token already exists");
        }

        var token = new MasRegistrationToken
        {
            Id = Ulid.Next(state),
            Token = value,
            UsageLimit = UsageLimit(body),
            ExpiresAtMs = MasJson.Field(() => JsonApi.ParseTime(body, "expires_at")),
            CreatedAtMs = state.NowMs,
        };
        state.Data.Mas.RegistrationTokens[token.Id] = token;
        return JsonApi.One(Format(token, state.NowMs), status: 201);
    }

    /// <summary>Sets the fields given; a null removes the limit or the expiry; an absent field stays.</summary>
    private static Reply Update(RequestScope scope)
    {
        var token = Find(scope);
        var body = MasJson.Body(scope);
        if (body.ContainsKey("usage_limit"))
        {
            token.UsageLimit = UsageLimit(body);
        }

        if (body.ContainsKey("expires_at"))
        {
            token.ExpiresAtMs = MasJson.Field(() => JsonApi.ParseTime(body, "expires_at"));
        }

        return JsonApi.One(Format(token, scope.State.NowMs));
    }

    private static int? UsageLimit(JsonObject body) => MasJson.Number(body, "usage_limit") switch
    {
        null => null,
        >= 0 and <= int.MaxValue and var n => (int)n,
        _ => throw MasErrors.BadRequest("Invalid request body: usage_limit must be a non-negative integer"),
    };

    private static MasRegistrationToken Find(RequestScope scope)
    {
        var id = JsonApi.RouteId(scope);
        return scope.State.Data.Mas.RegistrationTokens.GetValueOrDefault(id) ?? throw MasErrors.NotFound($"Registration token with ID {id} not found");
    }
}
