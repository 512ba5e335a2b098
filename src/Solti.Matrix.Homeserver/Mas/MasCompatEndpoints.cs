namespace Solti.Matrix.Homeserver.Mas;

/// <summary>MAS's compatibility layer, answering the legacy <c>/login</c>, <c>/refresh</c>, <c>/logout</c> and
/// <c>/logout/all</c> on a delegated homeserver (docs/design/mas-facts.md §4.1). A login is a compat session holding one
/// Synapse device; its token never expires unless the client asked for a refresh token.</summary>
public static class MasCompatEndpoints
{
    public static Reply Login(RequestScope scope)
    {
        var body = scope.Body;
        var type = Json.OptionalString(body, "type");
        var state = scope.State;
        if (type != "m.login.password" || !state.Options.AuthenticationService!.PasswordsEnabled)
        {
            throw Errors.Unknown(400, "Invalid login type");
        }

        var username = LoginUser(body);
        var password = Json.OptionalString(body, "password") ?? "";
        var userId = $"@{username}:{state.ServerName}";
        var limiter = scope.Server.RateLimiter;
        limiter.LoginAttempt(scope.ClientAddress, userId);
        var user = state.Data.Mas.FindUserByName(username);
        if (user is null || user.DeactivatedAtMs is not null || !PasswordHasher.Verify(password, user.PasswordHash))
        {
            limiter.LoginFailed(userId);
            throw Errors.Forbidden("Invalid username/password");
        }

        if (user.LockedAtMs is not null)
        {
            throw new HomeserverErrorException(401, "M_USER_LOCKED", "User account has been locked");
        }

        limiter.LoginSucceeded(userId);
        var deviceId = Json.OptionalString(body, "device_id") ?? Identifiers.DeviceId();
        MasSessions.ReplaceDevice(state, user, deviceId);
        var session = MasSessions.StartCompat(state, user, deviceId, Json.OptionalString(body, "initial_device_display_name"), AccessTokenAuthenticator.Origin(scope.Context).UserAgent);
        var issued = MasTokens.IssueCompat(state, session, Json.OptionalBool(body, "refresh_token") == true);
        var reply = new JsonObject
        {
            ["access_token"] = issued.AccessToken,
            ["device_id"] = deviceId,
            ["user_id"] = user.MatrixId(state.ServerName),
        };
        AddRefresh(reply, issued);
        return Reply.Ok(reply);
    }

    /// <summary>Swaps a refresh token for a new pair; the old refresh token and its access token die.</summary>
    public static Reply Refresh(RequestScope scope)
    {
        var token = Json.OptionalString(scope.Body, "refresh_token") ?? throw Errors.MissingParam("refresh_token");
        var state = scope.State;
        var mas = state.Data.Mas;
        if (!mas.RefreshTokens.TryGetValue(token, out var refresh) || refresh.Consumed
            || mas.CompatSessions.GetValueOrDefault(refresh.SessionId) is not { FinishedAtMs: null } session
            || mas.Users.GetValueOrDefault(session.UserId) is not { IsValid: true })
        {
            throw Errors.UnknownToken("Invalid refresh token", softLogout: false);
        }

        refresh.Consumed = true;
        if (mas.AccessTokens.GetValueOrDefault(refresh.AccessToken) is { } old)
        {
            old.Revoked = true;
        }

        var issued = MasTokens.IssueCompat(state, session, refreshable: true);
        var reply = new JsonObject { ["access_token"] = issued.AccessToken };
        AddRefresh(reply, issued);
        return Reply.Ok(reply);
    }

    /// <summary>Finishes the session of the token (compat or OAuth 2.0), which deletes its device.</summary>
    public static Reply Logout(RequestScope scope)
    {
        var (token, _) = Caller(scope);
        var mas = scope.State.Data.Mas;
        if (token.Kind == MasTokenKind.Compat)
        {
            MasSessions.FinishCompat(scope.State, mas.CompatSessions[token.SessionId]);
        }
        else
        {
            MasSessions.FinishOAuth2(scope.State, mas.OAuth2Sessions[token.SessionId]);
        }

        return Reply.Empty();
    }

    /// <summary>Finishes every compat session of the token's user.</summary>
    public static Reply LogoutAll(RequestScope scope)
    {
        var (_, info) = Caller(scope);
        if (info.User is { } user)
        {
            foreach (var session in scope.State.Data.Mas.CompatSessions.Values.Where(s => s.UserId == user.Id && s.FinishedAtMs is null).ToList())
            {
                MasSessions.FinishCompat(scope.State, session);
            }
        }

        return Reply.Empty();
    }

    private static (MasAccessToken Token, MasTokenInfo Info) Caller(RequestScope scope)
    {
        var token = AccessTokenAuthenticator.ReadToken(scope.Context.Request) is { Length: > 0 } t ? t : throw Errors.MissingToken();
        if (MasIntrospection.Resolve(scope.State, token) is not { Active: true } info || info.Token.Kind == MasTokenKind.Personal)
        {
            throw Errors.UnknownToken("Invalid access token", softLogout: false);
        }

        return (info.Token, info);
    }

    /// <summary>The localpart from the deprecated top-level <c>user</c> (which wins) or an <c>m.id.user</c> identifier;
    /// a full user id is reduced to its localpart.</summary>
    private static string LoginUser(JsonObject body)
    {
        var user = Json.OptionalString(body, "user");
        if (user is null)
        {
            if (body["identifier"] is not JsonObject identifier)
            {
                throw Errors.BadJson("Missing identifier");
            }

            if (Json.OptionalString(identifier, "type") != "m.id.user")
            {
                throw Errors.Unknown(400, "Unsupported login identifier");
            }

            user = Json.OptionalString(identifier, "user") ?? throw Errors.BadJson("Missing user in identifier");
        }

        if (user.StartsWith('@') && user.IndexOf(':', StringComparison.Ordinal) is > 1 and var colon)
        {
            user = user[1..colon];
        }

        return user.ToLowerInvariant();
    }

    private static void AddRefresh(JsonObject reply, MasTokens.Issued issued)
    {
        if (issued.RefreshToken is not null)
        {
            reply["refresh_token"] = issued.RefreshToken;
            reply["expires_in_ms"] = issued.ExpiresInMs;
        }
    }
}
