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

/// <summary>A listing of accounts: <paramref name="Name"/> is the server's filter on user id and display name,
/// <paramref name="Admin"/> keeps only admins (true) or non-admins (false), <paramref name="Deactivated"/> includes
/// deactivated accounts, <paramref name="Cap"/> stops after that many.</summary>
public sealed record AccountQuery(string? Name = null, bool? Admin = null, bool Deactivated = false, int Cap = int.MaxValue);
