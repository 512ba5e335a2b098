namespace Solti.Matrix.Homeserver.Auth;

/// <summary>Issues and revokes access tokens, refresh tokens and devices.</summary>
public static class SessionTokens
{
    public sealed record Issued(string AccessToken, string? RefreshToken, long? ExpiresInMs);

    /// <summary>Creates the device when it does not exist; an existing one keeps its display name.</summary>
    public static DeviceRecord EnsureDevice(ServerState state, string userId, string deviceId, string? displayName)
    {
        if (state.FindDevice(userId, deviceId) is { } existing)
        {
            return existing;
        }

        var device = new DeviceRecord { UserId = userId, DeviceId = deviceId, DisplayName = displayName };
        state.Data.Devices[ServerState.DeviceKey(userId, deviceId)] = device;
        E2ee.DeviceLists.Changed(state, userId);
        return device;
    }

    /// <summary>Synapse's limit on device display names.</summary>
    public static void CheckDisplayName(string? name)
    {
        if (name is { Length: > 100 })
        {
            throw new HomeserverErrorException(400, "M_TOO_LARGE", "Device display name is too long (max 100)");
        }
    }

    /// <summary>Sets <c>display_name</c> when the body has it; a new name changes the user's device list.</summary>
    public static void Rename(ServerState state, DeviceRecord device, JsonObject body)
    {
        var name = Json.OptionalString(body, "display_name");
        CheckDisplayName(name);
        if (body.ContainsKey("display_name") && name != device.DisplayName)
        {
            device.DisplayName = name;
            E2ee.DeviceLists.Changed(state, device.UserId);
        }
    }

    /// <summary>A new token for a device, replacing every older token of that device.</summary>
    public static Issued IssueForDevice(ServerState state, string userId, string deviceId, bool refreshable)
    {
        RevokeDeviceTokens(state, userId, deviceId);
        return Issue(state, userId, deviceId, refreshable);
    }

    /// <summary>A device-less token (admin login-as-user), optionally expiring at <paramref name="validUntilMs"/>.</summary>
    public static string IssueDeviceless(ServerState state, string userId, long? validUntilMs)
    {
        var token = NewAccessToken(state, userId, null);
        token.ValidUntilMs = validUntilMs;
        return token.Token;
    }

    /// <summary>Swaps a refresh token for a new pair; the old one lives until the new pair is used.</summary>
    public static Issued Refresh(ServerState state, RefreshTokenRecord old)
    {
        var issued = Issue(state, old.UserId, old.DeviceId, refreshable: true);
        old.Next = issued.RefreshToken;
        return issued;
    }

    public static void RetirePredecessors(ServerState state, string refreshToken)
    {
        foreach (var predecessor in state.Data.RefreshTokens.Values.Where(r => r.Next == refreshToken).ToList())
        {
            state.Data.RefreshTokens.Remove(predecessor.Token);
            RemoveAccessTokensOf(state, predecessor.Token);
        }
    }

    public static void RevokeDeviceTokens(ServerState state, string userId, string deviceId)
    {
        foreach (var token in state.Data.AccessTokens.Values.Where(t => t.UserId == userId && t.DeviceId == deviceId).ToList())
        {
            state.Data.AccessTokens.Remove(token.Token);
        }

        foreach (var refresh in state.Data.RefreshTokens.Values.Where(t => t.UserId == userId && t.DeviceId == deviceId).ToList())
        {
            state.Data.RefreshTokens.Remove(refresh.Token);
        }
    }

    /// <summary>Deletes a device with every token it holds, its keys and its to-device inbox; the user's device list
    /// changes.</summary>
    public static void DeleteDevice(ServerState state, string userId, string deviceId)
    {
        RevokeDeviceTokens(state, userId, deviceId);
        if (state.Data.Devices.Remove(ServerState.DeviceKey(userId, deviceId)))
        {
            E2ee.ToDeviceInbox.Drop(state, userId, deviceId);
            E2ee.DeviceLists.Changed(state, userId);
        }
    }

    /// <summary>Deletes all devices and tokens of a user, keeping <paramref name="keepDeviceId"/> if given.</summary>
    public static void LogoutAll(ServerState state, string userId, string? keepDeviceId = null)
    {
        foreach (var device in state.DevicesOf(userId).Where(d => d.DeviceId != keepDeviceId).ToList())
        {
            DeleteDevice(state, userId, device.DeviceId);
        }

        foreach (var token in state.Data.AccessTokens.Values.Where(t => t.UserId == userId && t.DeviceId is null).ToList())
        {
            state.Data.AccessTokens.Remove(token.Token);
        }
    }

    private static Issued Issue(ServerState state, string userId, string deviceId, bool refreshable)
    {
        var access = NewAccessToken(state, userId, deviceId);
        if (!refreshable)
        {
            return new Issued(access.Token, null, null);
        }

        var lifetime = (long)state.Options.RefreshableAccessTokenLifetime.TotalMilliseconds;
        access.ValidUntilMs = state.NowMs + lifetime;
        var refresh = new RefreshTokenRecord { Token = Identifiers.RefreshToken(userId), UserId = userId, DeviceId = deviceId };
        state.Data.RefreshTokens[refresh.Token] = refresh;
        access.RefreshToken = refresh.Token;
        return new Issued(access.Token, refresh.Token, lifetime);
    }

    private static AccessTokenRecord NewAccessToken(ServerState state, string userId, string? deviceId)
    {
        var record = new AccessTokenRecord
        {
            Token = Identifiers.AccessToken(userId),
            Id = state.Data.NextTokenId++,
            UserId = userId,
            DeviceId = deviceId,
        };
        state.Data.AccessTokens[record.Token] = record;
        return record;
    }

    private static void RemoveAccessTokensOf(ServerState state, string refreshToken)
    {
        foreach (var token in state.Data.AccessTokens.Values.Where(t => t.RefreshToken == refreshToken).ToList())
        {
            state.Data.AccessTokens.Remove(token.Token);
        }
    }
}
