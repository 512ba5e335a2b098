namespace Solti.Matrix.Accounts;

/// <summary>An account as its authority knows it, in Synapse's admin shape (<c>GET /v2/users/{id}</c>): the typed flags
/// are always booleans (Synapse 1.67 answers 0/1; MAS's own flags replace Synapse's on a delegated homeserver), and
/// <see cref="ToJson"/> keeps every other key the server answered, for reports and for comparing desired fields.</summary>
public sealed class Account
{
    private static readonly string[] FlagKeys = ["admin", "deactivated", "is_guest", "shadow_banned", "locked", "erased"];

    private readonly JsonObject _fields;

    private Account(string userId, JsonObject fields)
    {
        UserId = userId;
        _fields = fields;
    }

    /// <summary>The full user id.</summary>
    public string UserId { get; }

    /// <summary>Whether the account has admin rights.</summary>
    public bool Admin => Flag("admin");

    /// <summary>Whether the account is deactivated.</summary>
    public bool Deactivated => Flag("deactivated");

    /// <summary>Whether the account is locked.</summary>
    public bool Locked => Flag("locked");

    /// <summary>The display name, when it has one.</summary>
    public string? DisplayName => _fields["displayname"] is JsonValue v && v.TryGetValue<string>(out var name) ? name : null;

    /// <summary>The <c>user_type</c> (<c>bot</c>, <c>support</c>; null for a regular user).</summary>
    public string? UserType => _fields["user_type"] is JsonValue v && v.TryGetValue<string>(out var type) ? type : null;

    /// <summary>One key of the account as the server shapes it (null when absent).</summary>
    public JsonNode? this[string key] => _fields[key];

    /// <summary>The account as the admin API shapes it (a copy).</summary>
    public JsonObject ToJson() => (JsonObject)_fields.DeepClone();

    /// <summary>Synapse's answer for <paramref name="userId"/> (its <c>name</c>, else <paramref name="userId"/>), with
    /// 1.67's 0/1 flags as booleans: the one place they are read.</summary>
    public static Account FromSynapse(JsonObject answer, string? userId = null)
    {
        var fields = (JsonObject)answer.DeepClone();
        foreach (var key in FlagKeys)
        {
            if (fields[key] is JsonValue value && value.GetValueKind() == JsonValueKind.Number)
            {
                fields[key] = value.ToJsonString() != "0";
            }
        }

        var name = fields["name"] is JsonValue n && n.TryGetValue<string>(out var text) ? text : userId ?? throw new ArgumentException("an account needs its user id", nameof(userId));
        fields["name"] = name;
        return new Account(name, fields);
    }

    /// <summary>This account with the flags its authority owns (MAS's, on a delegated homeserver).</summary>
    public Account WithOwnerFlags(bool admin, bool deactivated, bool locked)
    {
        var fields = ToJson();
        fields["admin"] = admin;
        fields["deactivated"] = deactivated;
        fields["locked"] = locked;
        return new Account(UserId, fields);
    }

    private bool Flag(string key) => _fields[key] is JsonValue v && v.GetValueKind() == JsonValueKind.True;

    /// <inheritdoc/>
    public override string ToString() => $"Account {UserId}";
}
