namespace Solti.Matrix.Homeserver.Admin.Users;

/// <summary>What Synapse does on deactivation: logout everywhere, leave every room, drop 3PIDs and password.</summary>
public static class AccountDeactivation
{
    public static void Deactivate(ServerContext server, UserRecord user, bool erase)
    {
        var state = server.State;
        SessionTokens.LogoutAll(state, user.UserId);
        foreach (var room in state.Data.Rooms.Values.ToList())
        {
            if (server.Authorizer.Membership(room, user.UserId) is "join" or "invite" or "knock")
            {
                server.Memberships.Leave(room, user.UserId);
            }
        }

        user.ThreePids = [];
        user.PasswordHash = null;
        user.Deactivated = true;
        if (erase)
        {
            user.DisplayName = null;
            user.AvatarUrl = null;
            user.Erased = true;
        }
    }
}
