namespace Solti.Matrix.Homeserver.Admin.Users;

/// <summary>Local-user checks for ids that come from a request body (route ids go through <see cref="AdminTargets"/>).</summary>
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
}
