using Solti.Matrix.Homeserver.Admin.Users;

namespace Solti.Matrix.Homeserver.Mas;

/// <summary>The admin API's users (docs/design/mas-facts.md §3.4). Creating a user provisions its Synapse account;
/// lock, unlock, deactivate and reactivate are synced to Synapse at once.</summary>
public static class MasAdminUserEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapAdmin("GET", "/users", "users.list", (scope, _) => List(scope));
        routes.MapAdmin("POST", "/users", "users.add", (scope, _) => Add(scope));
        routes.MapAdmin("GET", "/users/by-username/{username}", "users.by_username", (scope, _) => ByUsername(scope));
        routes.MapAdmin("GET", "/users/{id}", "users.get", (scope, _) => JsonApi.One(Format(Find(scope))));
        routes.MapAdmin("POST", "/users/{id}/set-password", "users.set_password", (scope, _) => SetPassword(scope));
        routes.MapAdmin("POST", "/users/{id}/set-admin", "users.set_admin", (scope, _) =>
        {
            var user = Find(scope);
            user.Admin = MasJson.Bool(MasJson.Body(scope), "admin") ?? throw MasErrors.BadRequest("Invalid request body: missing field `admin`");
            return JsonApi.One(Format(user));
        });
        routes.MapAdmin("POST", "/users/{id}/deactivate", "users.deactivate", (scope, _) => Deactivate(scope));
        routes.MapAdmin("POST", "/users/{id}/reactivate", "users.reactivate", (scope, _) =>
        {
            var user = Find(scope);
            user.DeactivatedAtMs = null;
            if (scope.State.FindUser(user.MatrixId(scope.State.ServerName)) is { } synapse)
            {
                synapse.Deactivated = false;
            }

            return JsonApi.One(Format(user));
        });
        routes.MapAdmin("POST", "/users/{id}/lock", "users.lock", (scope, _) => SetLocked(scope, true));
        routes.MapAdmin("POST", "/users/{id}/unlock", "users.unlock", (scope, _) => SetLocked(scope, false));
    }

    public static JsonObject Format(MasUser user) => JsonApi.Resource("user", user.Id, $"{JsonApi.Base}/users/{user.Id}", new JsonObject
    {
        ["username"] = user.Username,
        ["created_at"] = JsonApi.Time(user.CreatedAtMs),
        ["locked_at"] = JsonApi.Time(user.LockedAtMs),
        ["deactivated_at"] = JsonApi.Time(user.DeactivatedAtMs),
        ["admin"] = user.Admin,
        ["legacy_guest"] = user.LegacyGuest,
    });

    /// <summary>The user named by the route's <c>{id}</c>; 400 for a malformed id, 404 for an unknown one.</summary>
    public static MasUser Find(RequestScope scope, string name = "id")
    {
        var id = JsonApi.RouteId(scope, name);
        return scope.State.Data.Mas.Users.GetValueOrDefault(id) ?? throw MasErrors.UserNotFound(id);
    }

    /// <summary>The rule for weak passwords here (MAS uses zxcvbn): fewer than 8 characters, or characters of only one
    /// class among lower case letters, upper case letters, digits and the rest.</summary>
    public static bool IsWeak(string password)
    {
        var classes = new[] { password.Any(char.IsLower), password.Any(char.IsUpper), password.Any(char.IsDigit), password.Any(c => !char.IsLetterOrDigit(c)) };
        return password.Length < 8 || classes.Count(c => c) < 2;
    }

    private static Reply List(RequestScope scope)
    {
        var admin = JsonApi.BoolFilter(scope, "filter[admin]") ?? JsonApi.BoolFilter(scope, "filter[can_request_admin]");
        var guest = JsonApi.BoolFilter(scope, "filter[legacy-guest]");
        var search = scope.Query("filter[search]");
        var status = JsonApi.StatusFilter(scope, "active", "locked", "deactivated");
        var users = scope.State.Data.Mas.Users.Values.Where(u =>
            (admin is null || u.Admin == admin)
            && (guest is null || u.LegacyGuest == guest)
            && (search is null || u.Username.Contains(search, StringComparison.Ordinal))
            && status switch
            {
                "active" => u.IsValid,
                "locked" => u.LockedAtMs is not null && u.DeactivatedAtMs is null,
                "deactivated" => u.DeactivatedAtMs is not null,
                _ => true,
            });
        return JsonApi.Page(scope, "users", users, u => u.Id, Format);
    }

    private static Reply ByUsername(RequestScope scope)
    {
        var username = scope.Route("username");
        var user = scope.State.Data.Mas.FindUserByName(username) ?? throw MasErrors.NotFound($"User with username \"{username}\" not found");
        return JsonApi.One(Format(user), $"{JsonApi.Base}/users/by-username/{username}");
    }

    private static Reply Add(RequestScope scope)
    {
        var body = MasJson.Body(scope);
        var username = MasJson.RequiredString(body, "username");
        var state = scope.State;
        if (state.Data.Mas.FindUserByName(username) is not null)
        {
            throw MasErrors.Admin(409, "User already exists");
        }

        if (username.Length is 0 or > 255 || username.StartsWith('_') || !MatrixIds.IsLocalpart(username))
        {
            throw MasErrors.BadRequest("Username is not valid");
        }

        if (MasJson.Bool(body, "skip_homeserver_check") != true && state.FindUser($"@{username}:{state.ServerName}") is not null)
        {
            throw MasErrors.Admin(409, "Username is reserved by the homeserver");
        }

        var user = new MasUser { Id = Ulid.Next(state), Username = username, CreatedAtMs = state.NowMs };
        state.Data.Mas.Users[user.Id] = user;
        MasSessions.ProvisionUser(state, user, MasJson.Text(body, "displayname"), MasJson.Text(body, "avatar_url"));
        return JsonApi.One(Format(user), status: 201);
    }

    private static Reply SetPassword(RequestScope scope)
    {
        if (!scope.State.Options.AuthenticationService!.PasswordsEnabled)
        {
            throw MasErrors.Admin(403, "Password auth is disabled");
        }

        var user = Find(scope);
        var body = MasJson.Body(scope);
        var password = MasJson.RequiredString(body, "password");
        if (MasJson.Bool(body, "skip_password_check") != true && IsWeak(password))
        {
            throw MasErrors.BadRequest("Password is too weak");
        }

        user.PasswordHash = PasswordHasher.Hash(password);
        return new Reply(204, new JsonObject());
    }

    /// <summary>Deactivates in MAS, ends every session of the user and deactivates the Synapse account (erasing it
    /// unless <c>skip_erase</c>), which deletes its devices.</summary>
    private static Reply Deactivate(RequestScope scope)
    {
        var user = Find(scope);
        var skipErase = MasJson.Bool(MasJson.Body(scope, optional: true), "skip_erase") ?? false;
        var state = scope.State;
        user.DeactivatedAtMs ??= state.NowMs;
        MasSessions.EndAllOf(state, user);
        if (state.FindUser(user.MatrixId(state.ServerName)) is { } synapse)
        {
            AccountDeactivation.Deactivate(scope.Server, synapse, erase: !skipErase);
        }

        return JsonApi.One(Format(user));
    }

    private static Reply SetLocked(RequestScope scope, bool locked)
    {
        var user = Find(scope);
        user.LockedAtMs = locked ? user.LockedAtMs ?? scope.State.NowMs : null;
        if (scope.State.FindUser(user.MatrixId(scope.State.ServerName)) is { } synapse)
        {
            synapse.Locked = locked;
        }

        return JsonApi.One(Format(user));
    }
}
