using Solti.Matrix.Homeserver.Auth;
using Solti.Matrix.Homeserver.Http;
using Solti.Matrix.Homeserver.Rooms;
using Solti.Matrix.Homeserver.State;

namespace Solti.Matrix.Homeserver.Admin.Users;

/// <summary>Lookups and account actions the admin endpoints share.</summary>
public static class AdminUsers
{
    /// <summary>A local user that exists, else Synapse's 400 (not local) or 404.</summary>
    public static UserRecord RequireLocal(ServerState state, string userId, string notLocal = "Can only look up local users")
    {
        RequireLocalId(state, userId, notLocal);
        return state.FindUser(userId) ?? throw Errors.NotFound("User not found");
    }

    public static void RequireLocalId(ServerState state, string userId, string notLocal)
    {
        if (!MatrixIds.IsUserId(userId))
        {
            throw Errors.InvalidParam($"Invalid user ID: {userId}");
        }

        if (!state.IsLocal(userId))
        {
            throw Errors.Unknown(400, notLocal);
        }
    }

    /// <summary>Deactivation as Synapse does it: no password, no devices or tokens, out of every room.</summary>
    public static void Deactivate(ServerContext server, UserRecord user, bool erase)
    {
        user.Deactivated = true;
        user.PasswordHash = null;
        SessionTokens.LogoutAll(server.State, user.UserId);
        foreach (var room in server.State.Data.Rooms.Values.ToList())
        {
            if (server.Authorizer.Membership(room, user.UserId) is "join" or "invite")
            {
                server.Memberships.SetMembership(room, user.UserId, user.UserId, "leave", reason: null);
            }
        }

        if (erase)
        {
            user.Erased = true;
            user.DisplayName = null;
            user.AvatarUrl = null;
        }
    }
}
