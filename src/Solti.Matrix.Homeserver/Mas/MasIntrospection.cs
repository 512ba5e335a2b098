namespace Solti.Matrix.Homeserver.Mas;

/// <summary>Why an MAS token is not active.</summary>
public enum MasTokenProblem
{
    None,
    Expired,
    Revoked,
    UserLocked,
    UserDeactivated,
}

/// <summary>What MAS knows of a token: its session, user, scope and device, and whether it is active.</summary>
public sealed record MasTokenInfo(MasAccessToken Token, MasUser? User, IReadOnlyList<string> Scope, string? DeviceId, string? ClientId, MasTokenProblem Problem)
{
    public bool Active => Problem == MasTokenProblem.None;
}

/// <summary>Token introspection, in-process: what MAS's <c>/oauth2/introspect</c> answers, and what Synapse does with
/// it in delegated mode (docs/design/mas-facts.md §2.3): inactive → 401 <c>M_UNKNOWN_TOKEN</c> "Token is not active",
/// no C-S API scope → 401 "Token doesn't grant access to the Matrix C-S API", admin iff <c>urn:synapse:admin:*</c>.</summary>
public static class MasIntrospection
{
    /// <summary>Null for a token MAS never issued or has replaced.</summary>
    public static MasTokenInfo? Resolve(ServerState state, string token)
    {
        var mas = state.Data.Mas;
        if (!mas.AccessTokens.TryGetValue(token, out var record) || record.Revoked)
        {
            return null;
        }

        MasUser? user;
        List<string> scope;
        string? deviceId;
        string? clientId = null;
        bool ended;
        switch (record.Kind)
        {
            case MasTokenKind.Compat when mas.CompatSessions.GetValueOrDefault(record.SessionId) is { } compat:
                user = mas.Users.GetValueOrDefault(compat.UserId);
                deviceId = compat.DeviceId;
                scope = [MasScopes.ClientApi];
                if (deviceId is not null)
                {
                    scope.Add(MasScopes.DevicePrefix + deviceId);
                }

                if (compat.IsSynapseAdmin)
                {
                    scope.Add(MasScopes.SynapseAdmin);
                }

                ended = compat.FinishedAtMs is not null;
                break;
            case MasTokenKind.OAuth2 when mas.OAuth2Sessions.GetValueOrDefault(record.SessionId) is { } oauth:
                user = oauth.UserId is { } uid ? mas.Users.GetValueOrDefault(uid) : null;
                scope = MasScopes.Parse(oauth.Scope) ?? [];
                deviceId = MasScopes.Devices(scope).FirstOrDefault();
                clientId = oauth.ClientId;
                ended = oauth.FinishedAtMs is not null;
                break;
            case MasTokenKind.Personal when mas.PersonalSessions.GetValueOrDefault(record.SessionId) is { } personal:
                user = mas.Users.GetValueOrDefault(personal.ActorUserId);
                scope = MasScopes.Parse(personal.Scope) ?? [];
                deviceId = MasScopes.Devices(scope).FirstOrDefault();
                clientId = personal.OwnerClientId;
                ended = personal.RevokedAtMs is not null;
                break;
            default:
                return null;
        }

        var problem = ended ? MasTokenProblem.Revoked
            : record.ExpiresAtMs is { } at && at <= state.NowMs ? MasTokenProblem.Expired
            : user is { DeactivatedAtMs: not null } ? MasTokenProblem.UserDeactivated
            : user is { LockedAtMs: not null } ? MasTokenProblem.UserLocked
            : MasTokenProblem.None;
        return new MasTokenInfo(record, user, scope, deviceId, clientId, problem);
    }

    /// <summary>Synapse's requester for a bearer token in delegated mode. Call under the state lock.</summary>
    public static Requester AuthenticateForSynapse(ServerState state, HttpContext context, string token)
    {
        var info = Resolve(state, token);
        if (info is not { Active: true })
        {
            throw NotActive();
        }

        if (!MasScopes.GrantsClientApi(info.Scope))
        {
            throw Errors.UnknownToken("Token doesn't grant access to the Matrix C-S API", softLogout: false);
        }

        if (MasScopes.Devices(info.Scope).Count > 1)
        {
            throw Errors.Unknown(500, "Multiple device IDs in scopes");
        }

        if (info.User is null)
        {
            throw NotActive(); // a client-credentials token acts as no user
        }

        var userId = info.User.MatrixId(state.ServerName);
        if (state.FindUser(userId) is not { Deactivated: false })
        {
            throw NotActive();
        }

        DeviceRecord? device = null;
        if (info.DeviceId is { } deviceId && (device = state.FindDevice(userId, deviceId)) is null)
        {
            throw NotActive(); // Synapse checks the device on every request: a deleted device ends the token
        }

        var (address, userAgent) = AccessTokenAuthenticator.Origin(context);
        Touch(state, info.Token, address, userAgent);
        if (device is not null)
        {
            AccessTokenAuthenticator.MarkSeen(state, device, context);
        }

        return new Requester(userId, info.DeviceId, info.Token.TokenId, token, info.Scope.Contains(MasScopes.SynapseAdmin));
    }

    /// <summary>The body of <c>POST /oauth2/introspect</c> (RFC 7662) for <paramref name="token"/>.</summary>
    public static JsonObject Describe(ServerState state, string token, Uri issuer)
    {
        if (Resolve(state, token) is not { Active: true } info)
        {
            return new JsonObject { ["active"] = false };
        }

        var scope = new List<string>(info.Scope);
        if (scope.Contains(MasScopes.ClientApi))
        {
            scope.Add(MasScopes.UnstableClientApi); // MAS adds the unstable counterparts
        }

        if (info.DeviceId is { } device && info.Token.Kind == MasTokenKind.Compat)
        {
            scope.Add(MasScopes.UnstableDevicePrefix + device);
        }

        var body = new JsonObject
        {
            ["active"] = true,
            ["scope"] = MasScopes.Join(scope),
            ["client_id"] = info.ClientId,
            ["token_type"] = "access_token",
            ["iat"] = info.Token.CreatedAtMs / 1000,
            ["nbf"] = info.Token.CreatedAtMs / 1000,
            ["iss"] = issuer.ToString(),
            ["jti"] = info.Token.TokenId.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (info.Token.ExpiresAtMs is { } exp)
        {
            body["exp"] = exp / 1000;
            body["expires_in"] = Math.Max(0, (exp - state.NowMs) / 1000);
        }

        if (info.User is { } user)
        {
            body["sub"] = user.Id;
            body["username"] = user.Username;
        }

        if (info.DeviceId is not null)
        {
            body["device_id"] = info.DeviceId;
        }

        return body;
    }

    /// <summary>Records the session's last activity.</summary>
    public static void Touch(ServerState state, MasAccessToken token, string? address, string? userAgent)
    {
        var mas = state.Data.Mas;
        var now = state.NowMs;
        switch (token.Kind)
        {
            case MasTokenKind.Compat when mas.CompatSessions.GetValueOrDefault(token.SessionId) is { } compat:
                (compat.LastActiveAtMs, compat.LastActiveIp) = (now, address);
                compat.UserAgent ??= userAgent;
                break;
            case MasTokenKind.OAuth2 when mas.OAuth2Sessions.GetValueOrDefault(token.SessionId) is { } oauth:
                (oauth.LastActiveAtMs, oauth.LastActiveIp) = (now, address);
                oauth.UserAgent ??= userAgent;
                break;
            case MasTokenKind.Personal when mas.PersonalSessions.GetValueOrDefault(token.SessionId) is { } personal:
                (personal.LastActiveAtMs, personal.LastActiveIp) = (now, address);
                break;
        }
    }

    private static HomeserverErrorException NotActive() => Errors.UnknownToken("Token is not active", softLogout: false);
}
