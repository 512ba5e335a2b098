namespace Solti.Matrix.Homeserver.Auth;

/// <summary>Resolves the bearer token of a request the way Synapse does, with Synapse's 401s; when authentication is
/// delegated, through MAS's introspection.</summary>
public static class AccessTokenAuthenticator
{
    /// <summary>Returns the token from the Authorization header, "" for an empty bearer, null for none.</summary>
    public static string? ReadToken(HttpRequest request)
    {
        string? header = request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
        {
            return null;
        }

        const string Bearer = "Bearer ";
        if (!header.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase))
        {
            return "";
        }

        return header[Bearer.Length..].Trim();
    }

    /// <summary>Call under the state lock.</summary>
    public static Requester Authenticate(ServerState state, HttpContext context)
    {
        var token = ReadToken(context.Request);
        if (token is null)
        {
            throw Errors.MissingToken();
        }

        if (token.Length == 0)
        {
            throw Errors.MissingToken("Invalid Authorization header.");
        }

        if (state.Options.AuthenticationService is not null)
        {
            return Mas.MasIntrospection.AuthenticateForSynapse(state, context, token); // every token is MAS's, introspected
        }

        if (!state.Data.AccessTokens.TryGetValue(token, out var record) || state.FindUser(record.UserId) is not { } user)
        {
            throw Errors.UnknownToken("Invalid access token passed.", softLogout: false);
        }

        if (record.ValidUntilMs is { } until && until <= state.NowMs)
        {
            throw Errors.UnknownToken("Access token has expired", softLogout: true);
        }

        if (user.Deactivated)
        {
            throw Errors.UnknownToken("Invalid access token passed.", softLogout: false);
        }

        if (user.Locked)
        {
            throw new HomeserverErrorException(401, "M_USER_LOCKED", "User account has been locked", new() { ["soft_logout"] = true });
        }

        if (state.Options.AccountValidity.Enabled && user.ExpirationTsMs is { } expires && state.NowMs >= expires)
        {
            throw new HomeserverErrorException(403, "M_EXPIRED_ACCOUNT", "User account has expired");
        }

        MarkUsed(state, record);
        if (record.DeviceId is { } deviceId && state.FindDevice(record.UserId, deviceId) is { } device)
        {
            MarkSeen(state, device, context);
        }

        return new Requester(record.UserId, record.DeviceId, record.Id, token, user.Admin);
    }

    /// <summary>Where the request came from: the client's address and user agent (null when it sent none).</summary>
    public static (string? Address, string? UserAgent) Origin(HttpContext context) =>
        (context.Connection.RemoteIpAddress?.ToString(), context.Request.Headers.UserAgent.ToString() is { Length: > 0 } ua ? ua : null);

    /// <summary>Records that <paramref name="device"/> was just used by the request (Synapse's <c>last_seen_*</c>).</summary>
    public static void MarkSeen(ServerState state, DeviceRecord device, HttpContext context)
    {
        device.LastSeenTs = state.NowMs;
        (device.LastSeenIp, device.LastSeenUserAgent) = Origin(context);
    }

    /// <summary>The first use of a refreshed access token retires the refresh token it replaced.</summary>
    private static void MarkUsed(ServerState state, AccessTokenRecord record)
    {
        if (record.Used)
        {
            return;
        }

        record.Used = true;
        if (record.RefreshToken is { } refresh)
        {
            SessionTokens.RetirePredecessors(state, refresh);
        }
    }
}
