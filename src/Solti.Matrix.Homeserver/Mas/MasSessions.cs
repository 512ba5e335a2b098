namespace Solti.Matrix.Homeserver.Mas;

/// <summary>What MAS does to sessions and what it then syncs to Synapse: finishing or revoking a session deletes its
/// Synapse device (once no other live session of the user holds it), as MAS's device sync does.</summary>
public static class MasSessions
{
    public static MasCompatSession StartCompat(ServerState state, MasUser user, string deviceId, string? humanName, string? userAgent)
    {
        var session = new MasCompatSession
        {
            Id = Ulid.Next(state),
            UserId = user.Id,
            DeviceId = deviceId,
            CreatedAtMs = state.NowMs,
            HumanName = humanName,
            UserAgent = userAgent,
        };
        state.Data.Mas.CompatSessions[session.Id] = session;
        SessionTokens.EnsureDevice(state, user.MatrixId(state.ServerName), deviceId, humanName);
        return session;
    }

    public static void FinishCompat(ServerState state, MasCompatSession session)
    {
        session.FinishedAtMs = state.NowMs;
        foreach (var refresh in state.Data.Mas.RefreshTokens.Values.Where(r => r.SessionId == session.Id))
        {
            refresh.Consumed = true;
        }

        if (session.DeviceId is { } device && state.Data.Mas.Users.GetValueOrDefault(session.UserId) is { } user)
        {
            DropDevice(state, user, device);
        }
    }

    public static void FinishOAuth2(ServerState state, MasOAuth2Session session) => session.FinishedAtMs = state.NowMs;

    public static void RevokePersonal(ServerState state, MasPersonalSession session)
    {
        session.RevokedAtMs = state.NowMs;
        if (state.Data.Mas.Users.GetValueOrDefault(session.ActorUserId) is { } user)
        {
            foreach (var device in MasScopes.Devices(MasScopes.Parse(session.Scope) ?? []))
            {
                DropDevice(state, user, device);
            }
        }
    }

    /// <summary>Ends every session acting as <paramref name="user"/>: compat, OAuth 2.0 and personal.</summary>
    public static void EndAllOf(ServerState state, MasUser user)
    {
        var mas = state.Data.Mas;
        foreach (var compat in mas.CompatSessions.Values.Where(s => s.UserId == user.Id && s.FinishedAtMs is null).ToList())
        {
            FinishCompat(state, compat);
        }

        foreach (var oauth in mas.OAuth2Sessions.Values.Where(s => s.UserId == user.Id && s.FinishedAtMs is null).ToList())
        {
            FinishOAuth2(state, oauth);
        }

        foreach (var personal in mas.PersonalSessions.Values.Where(s => s.ActorUserId == user.Id && s.RevokedAtMs is null).ToList())
        {
            RevokePersonal(state, personal);
        }
    }

    /// <summary>Finishes the compat sessions of <paramref name="user"/> that hold <paramref name="deviceId"/> (MAS's
    /// <c>finish_sessions_to_replace_device</c>) before a login takes that device.</summary>
    public static void ReplaceDevice(ServerState state, MasUser user, string deviceId)
    {
        foreach (var compat in state.Data.Mas.CompatSessions.Values.Where(s => s.UserId == user.Id && s.DeviceId == deviceId && s.FinishedAtMs is null).ToList())
        {
            FinishCompat(state, compat);
        }
    }

    /// <summary>Provisions a device in Synapse for a personal session's device scope.</summary>
    public static void ProvisionDevices(ServerState state, MasUser user, IEnumerable<string> scope)
    {
        foreach (var device in MasScopes.Devices(scope))
        {
            SessionTokens.EnsureDevice(state, user.MatrixId(state.ServerName), device, null);
        }
    }

    /// <summary>Creates the Synapse account of an MAS user (MAS's <c>provision_user</c>); an existing one gets the
    /// profile fields given.</summary>
    public static UserRecord ProvisionUser(ServerState state, MasUser user, string? displayName, string? avatarUrl)
    {
        var userId = user.MatrixId(state.ServerName);
        if (state.FindUser(userId) is not { } record)
        {
            record = new UserRecord { UserId = userId, DisplayName = displayName ?? user.Username, CreationTsMs = state.NowMs };
            state.Data.Users[userId] = record;
        }
        else if (displayName is not null)
        {
            record.DisplayName = displayName;
        }

        if (avatarUrl is not null)
        {
            record.AvatarUrl = avatarUrl;
        }

        record.Locked = user.LockedAtMs is not null;
        return record;
    }

    private static void DropDevice(ServerState state, MasUser user, string deviceId)
    {
        var mas = state.Data.Mas;
        var stillHeld = mas.CompatSessions.Values.Any(s => s.UserId == user.Id && s.DeviceId == deviceId && s.FinishedAtMs is null)
            || mas.PersonalSessions.Values.Any(s => s.ActorUserId == user.Id && s.RevokedAtMs is null && MasScopes.Devices(MasScopes.Parse(s.Scope) ?? []).Contains(deviceId));
        if (!stillHeld)
        {
            SessionTokens.DeleteDevice(state, user.MatrixId(state.ServerName), deviceId);
        }
    }
}
