namespace Solti.Matrix.Mas;

/// <summary>Users: find by username, create, password, admin flag, deactivate/reactivate, lock/unlock.</summary>
public sealed partial class MasAdminClient
{
    /// <summary>The user whose username (Matrix localpart) is <paramref name="username"/>, or null when MAS has none.</summary>
    public Task<MasResource?> FindUserAsync(string username, CancellationToken cancellationToken = default) =>
        GetOrNullAsync("users/by-username/" + Segment(username), cancellationToken);

    /// <summary>Creates the user (MAS also provisions it on the homeserver) with the display name and avatar given.</summary>
    public Task<MasResource> CreateUserAsync(string username, string? displayName, string? avatarUrl, CancellationToken cancellationToken = default)
    {
        var body = new JsonObject { ["username"] = username };
        if (displayName is not null)
        {
            body["displayname"] = displayName;
        }

        if (avatarUrl is not null)
        {
            body["avatar_url"] = avatarUrl;
        }

        return PostAsync("users", body, cancellationToken, idempotent: false);
    }

    /// <summary>Sets the user's password (MAS checks its strength).</summary>
    public Task SetPasswordAsync(string userId, string password, CancellationToken cancellationToken = default) =>
        SendAsync(MatrixRequest.Post($"{Api}/users/{Segment(userId)}/set-password", new JsonObject { ["password"] = password }), cancellationToken);

    /// <summary>Sets whether the user may ask for admin rights (MAS's <c>admin</c>).</summary>
    public Task<MasResource> SetAdminAsync(string userId, bool admin, CancellationToken cancellationToken = default) =>
        PostAsync($"users/{Segment(userId)}/set-admin", new JsonObject { ["admin"] = admin }, cancellationToken);

    /// <summary>Deactivates the user (every session ends); with <paramref name="erase"/> the homeserver also erases it.</summary>
    public Task<MasResource> DeactivateUserAsync(string userId, bool erase, CancellationToken cancellationToken = default) =>
        PostAsync($"users/{Segment(userId)}/deactivate", new JsonObject { ["skip_erase"] = !erase }, cancellationToken);

    /// <summary>Reactivates a deactivated user.</summary>
    public Task<MasResource> ReactivateUserAsync(string userId, CancellationToken cancellationToken = default) =>
        PostAsync($"users/{Segment(userId)}/reactivate", null, cancellationToken);

    /// <summary>Locks (<paramref name="locked"/>) or unlocks the user.</summary>
    public Task<MasResource> SetLockedAsync(string userId, bool locked, CancellationToken cancellationToken = default) =>
        PostAsync($"users/{Segment(userId)}/{(locked ? "lock" : "unlock")}", null, cancellationToken);
}
