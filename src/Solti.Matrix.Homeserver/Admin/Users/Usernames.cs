namespace Solti.Matrix.Homeserver.Admin.Users;

/// <summary>Localpart rules applied when an account is created, with Synapse's M_INVALID_USERNAME wording.</summary>
public static class Usernames
{
    /// <summary>Synapse's check_username, in its order.</summary>
    public static string Check(ServerState state, string localpart)
    {
        if (localpart.Length > 0 && !MatrixIds.IsLocalpart(localpart))
        {
            throw new HomeserverErrorException(400, "M_INVALID_USERNAME", "User ID can only contain characters a-z, 0-9, or '=_-./+'");
        }

        if (localpart.Length == 0)
        {
            throw new HomeserverErrorException(400, "M_INVALID_USERNAME", "User ID cannot be empty");
        }

        if (localpart[0] == '_')
        {
            throw new HomeserverErrorException(400, "M_INVALID_USERNAME", "User ID may not begin with _");
        }

        var userId = $"@{localpart}:{state.ServerName}";
        if (state.Data.Users.Keys.Any(k => string.Equals(k, userId, StringComparison.OrdinalIgnoreCase)))
        {
            throw Errors.UserInUse();
        }

        if (localpart.All(char.IsAsciiDigit))
        {
            throw new HomeserverErrorException(400, "M_INVALID_USERNAME", "Numeric user IDs are reserved for guest users.");
        }

        if (userId.Length > 255)
        {
            throw new HomeserverErrorException(400, "M_INVALID_USERNAME", "User ID may not be longer than 255 characters");
        }

        return userId;
    }
}
