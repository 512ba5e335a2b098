namespace Solti.Matrix.Homeserver.Admin.Users;

/// <summary>Resolves the <c>{userId}</c> of an admin route with Synapse's 400 for remote and 404 for unknown users.</summary>
public static class AdminTargets
{
    public static UserRecord LocalUser(RequestScope scope, string remoteError, string notFoundError = "User not found")
    {
        var userId = RequireLocal(scope, remoteError);
        return scope.State.FindUser(userId) ?? throw Errors.NotFound(notFoundError);
    }

    public static string RequireLocal(RequestScope scope, string remoteError)
    {
        var userId = scope.Route("userId");
        RequireUserIdShape(userId);

        if (!scope.State.IsLocal(userId))
        {
            throw Errors.Unknown(400, remoteError);
        }

        return userId;
    }

    /// <summary>Synapse's UserID.from_string only needs a sigil and a server part; localpart rules apply on creation.</summary>
    public static void RequireUserIdShape(string userId)
    {
        if (!userId.StartsWith('@') || !userId.Contains(':', StringComparison.Ordinal))
        {
            throw Errors.InvalidParam($"Invalid user id: {userId}");
        }
    }
}
