namespace Solti.Matrix.Accounts;

/// <summary>What to write to an account: <paramref name="Fields"/> in Synapse's admin shape (<c>displayname</c>,
/// <c>admin</c>, <c>deactivated</c>, <c>user_type</c>, …), and a password (a secret, never printed) with whether setting
/// it logs the account's devices out (null: the server's default).</summary>
public sealed record AccountWrite(JsonObject Fields, string? Password = null, bool? LogoutDevices = null)
{
    /// <summary>The body of Synapse's <c>PUT /v2/users/{id}</c>: the fields, and the password with
    /// <c>logout_devices</c> when given.</summary>
    public JsonObject SynapseBody()
    {
        var body = (JsonObject)Fields.DeepClone();
        if (Password is not null)
        {
            body["password"] = Password;
            if (LogoutDevices is { } logout)
            {
                body["logout_devices"] = logout;
            }
        }

        return body;
    }

    /// <summary>The field names; never the password.</summary>
    public override string ToString() => $"AccountWrite {{ {string.Join(", ", Fields.Select(f => f.Key))}{(Password is null ? "" : ", password")} }}";
}

/// <summary>A listing of accounts, with the filters of Synapse's <c>GET /_synapse/admin/v2/users</c>: <paramref name="Name"/>
/// (part of the localpart or display name), <paramref name="Admin"/> keeps only admins (true) or non-admins (false),
/// <paramref name="Deactivated"/> includes deactivated accounts, <paramref name="Cap"/> stops after that many. Synapse
/// ignores the filters it does not know yet (<c>not_user_type</c> before 1.88, <c>admins</c> before 1.91, <c>locked</c>
/// before 1.93), so the listing also applies <see cref="Matches"/> to every row it gets: the answer is the same on every
/// release.</summary>
public sealed record AccountQuery(string? Name = null, bool? Admin = null, bool Deactivated = false, int Cap = int.MaxValue)
{
    /// <summary>Part of the user id (Synapse's <c>user_id</c> filter; it ignores it when <see cref="Name"/> is given).</summary>
    public string? UserId { get; init; }

    /// <summary>Include guest accounts (Synapse's <c>guests</c>; null: the server's default, which includes them; a
    /// homeserver delegating to MAS has none and is always asked with <c>false</c>).</summary>
    public bool? Guests { get; init; }

    /// <summary>Include locked accounts (Synapse's <c>locked</c>, 1.93 and later; it excludes them by default).</summary>
    public bool Locked { get; init; }

    /// <summary>Only accounts of these types (<c>""</c>: a regular user); filtered here, Synapse has no such filter.</summary>
    public IReadOnlyList<string>? UserTypes { get; init; }

    /// <summary>Leave out accounts of these types (<c>""</c>: regular users); Synapse's <c>not_user_type</c> (1.88 and later).</summary>
    public IReadOnlyList<string>? NotUserTypes { get; init; }

    /// <summary>Synapse's <c>order_by</c> (null: by name).</summary>
    public string? OrderBy { get; init; }

    /// <summary>Reverse the order (Synapse's <c>dir=b</c>).</summary>
    public bool Backwards { get; init; }

    /// <summary>Whether a filter the server may ignore (or has not) is set: then the listing reads every page and counts
    /// the matches itself instead of taking the server's <c>total</c>.</summary>
    public bool CountsItself => Admin is not null || UserTypes is not null || NotUserTypes is not null;

    /// <summary>The query string of <c>/v2/users</c> for these filters (the admin filter only when
    /// <paramref name="serverFiltersAdmin"/>; <paramref name="guests"/> overrides <see cref="Guests"/>).</summary>
    public string SynapseFilters(bool serverFiltersAdmin, bool? guests)
    {
        var query = new System.Text.StringBuilder();
        void Add(string key, string value) => query.Append('&').Append(key).Append('=').Append(Uri.EscapeDataString(value));
        if (Name is not null)
        {
            Add("name", Name);
        }

        if (UserId is not null)
        {
            Add("user_id", UserId);
        }

        if (serverFiltersAdmin && Admin is { } admin)
        {
            Add("admins", admin ? "true" : "false");
        }

        Add("deactivated", Deactivated ? "true" : "false");
        if ((guests ?? Guests) is { } includeGuests)
        {
            Add("guests", includeGuests ? "true" : "false");
        }

        if (Locked)
        {
            Add("locked", "true");
        }

        foreach (var type in NotUserTypes ?? [])
        {
            Add("not_user_type", type);
        }

        if (OrderBy is not null)
        {
            Add("order_by", OrderBy);
        }

        if (Backwards)
        {
            Add("dir", "b");
        }

        return query.ToString();
    }

    /// <summary>Whether <paramref name="account"/> passes the flag and type filters (as the newest Synapse applies them).</summary>
    public bool Matches(Account account)
    {
        var type = account.UserType ?? "";
        return (Admin is not { } admin || account.Admin == admin)
            && (Deactivated || !account.Deactivated)
            && (Locked || !account.Locked)
            && (Guests != false || account["is_guest"] is not JsonValue g || g.GetValueKind() != JsonValueKind.True)
            && (UserTypes is null || UserTypes.Contains(type, StringComparer.Ordinal))
            && (NotUserTypes is null || !NotUserTypes.Contains(type, StringComparer.Ordinal));
    }
}
