namespace Solti.Matrix.Homeserver.Admin.Users;

/// <summary><c>GET /_synapse/admin/v2/users</c>: filter, order, then page by offset.</summary>
public static class AdminUserList
{
    private static readonly string[] OrderColumns =
    [
        "name", "is_guest", "admin", "user_type", "deactivated", "shadow_banned", "displayname",
        "avatar_url", "creation_ts", "last_seen_ts", "locked",
    ];

    public static Reply Handle(RequestScope scope)
    {
        var state = scope.State;
        var from = NonNegative(scope, "from", 0);
        var limit = NonNegative(scope, "limit", 100);
        var userIdFilter = scope.Query("user_id");
        var name = scope.Query("name");
        var guests = scope.QueryBool("guests") ?? true;
        var deactivated = scope.QueryBool("deactivated") ?? false;

        // admins (1.91), locked (1.93) and not_user_type (1.88) are unknown to 1.67, which ignores them and lists locked
        // accounts too (Compatibility.UserListFilters).
        var newer = state.Options.Compatibility.UserListFilters;
        var admins = newer ? scope.QueryBool("admins") : null;
        var locked = !newer || (scope.QueryBool("locked") ?? false);
        var notUserTypes = newer ? scope.Context.Request.Query["not_user_type"].Select(t => t ?? "").ToHashSet(StringComparer.Ordinal) : [];
        var orderBy = scope.Query("order_by") ?? "name";
        if (!OrderColumns.Contains(orderBy))
        {
            throw Errors.InvalidParam($"Query parameter \"order_by\" must be one of [{string.Join(", ", OrderColumns.Select(c => $"\"{c}\""))}]");
        }

        var dir = scope.Query("dir") ?? "f";
        if (dir is not ("f" or "b"))
        {
            throw Errors.InvalidParam("Query parameter \"dir\" must be one of [\"b\", \"f\"]");
        }

        if (guests && scope.State.Options.AuthenticationService is not null)
        {
            // Synapse with MAS has no guests and refuses the filter's default (true): clients must send guests=false.
            throw Errors.InvalidParam("The guests parameter is not supported when delegating to MAS.");
        }

        // This server has no guest accounts, so the guest filter never removes anyone.
        var matching = state.Data.Users.Values
            .Where(u => deactivated || !u.Deactivated)
            .Where(u => locked || !u.Locked)
            .Where(u => admins is null || u.Admin == admins)
            .Where(u => !notUserTypes.Contains(u.UserType ?? ""))
            .Where(u => userIdFilter is null || u.UserId.Contains(userIdFilter, StringComparison.OrdinalIgnoreCase))
            .Where(u => name is null
                || Identifiers.Localpart(u.UserId).Contains(name, StringComparison.OrdinalIgnoreCase)
                || (u.DisplayName?.Contains(name, StringComparison.OrdinalIgnoreCase) ?? false))
            .ToList();

        var comparer = Comparer<UserRecord>.Create((a, b) =>
        {
            var primary = Compare(state, orderBy, a, b);
            return primary != 0 ? (dir == "b" ? -primary : primary) : string.CompareOrdinal(a.UserId, b.UserId);
        });
        matching.Sort(comparer);

        var page = matching.Skip(from).Take(limit).ToList();
        var users = new JsonArray();
        foreach (var user in page)
        {
            users.Add(AdminUserFormat.ListEntry(state, user));
        }

        var reply = new JsonObject { ["users"] = users, ["total"] = matching.Count };
        if (from + limit < matching.Count)
        {
            reply["next_token"] = (from + page.Count).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return Reply.Ok(reply);
    }

    private static int Compare(ServerState state, string column, UserRecord a, UserRecord b) => column switch
    {
        "name" => string.CompareOrdinal(a.UserId, b.UserId),
        "admin" => a.Admin.CompareTo(b.Admin),
        "user_type" => string.CompareOrdinal(a.UserType, b.UserType),
        "deactivated" => a.Deactivated.CompareTo(b.Deactivated),
        "shadow_banned" => a.ShadowBanned.CompareTo(b.ShadowBanned),
        "displayname" => string.CompareOrdinal(a.DisplayName, b.DisplayName),
        "avatar_url" => string.CompareOrdinal(a.AvatarUrl, b.AvatarUrl),
        "creation_ts" => a.CreationTsMs.CompareTo(b.CreationTsMs),
        "last_seen_ts" => Nullable.Compare(AdminUserFormat.LastSeen(state, a), AdminUserFormat.LastSeen(state, b)),
        "locked" => a.Locked.CompareTo(b.Locked),
        _ => 0,
    };

    private static int NonNegative(RequestScope scope, string name, int fallback)
    {
        var raw = scope.Query(name);
        if (raw is null)
        {
            return fallback;
        }

        if (!int.TryParse(raw, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value))
        {
            throw Errors.InvalidParam($"Query parameter {name} must be a string representing a positive integer.");
        }

        return value;
    }
}
