namespace Solti.Matrix.Accounts;

/// <summary>A registration token in Synapse's shape (MAS's are read into it): how many may register with it
/// (<paramref name="UsesAllowed"/>, null: no limit), how many are registering and have registered, and when it expires
/// (<paramref name="ExpiryTime"/>, milliseconds since the epoch; null: never).</summary>
public sealed record RegistrationToken(string Token, long? UsesAllowed, long Pending, long Completed, long? ExpiryTime)
{
    /// <summary>The token as Synapse's admin API shapes it.</summary>
    public JsonObject ToJson() => new()
    {
        ["token"] = Token,
        ["uses_allowed"] = UsesAllowed,
        ["pending"] = Pending,
        ["completed"] = Completed,
        ["expiry_time"] = ExpiryTime,
    };

    /// <summary>Synapse's answer.</summary>
    public static RegistrationToken FromSynapse(JsonNode answer) => new(
        answer["token"]?.GetValue<string>() ?? throw new MatrixException(200, MatrixErrorCodes.BadResponse, "a registration token answered without token"),
        Whole(answer["uses_allowed"]), Whole(answer["pending"]) ?? 0, Whole(answer["completed"]) ?? 0, Whole(answer["expiry_time"]));

    /// <summary>A JSON integer however it was built (an <c>int</c> or a <c>long</c> node, or parsed), or null.</summary>
    internal static long? Whole(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && long.TryParse(value.ToJsonString(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var whole) ? whole : null;
}

/// <summary>Limits to set on a registration token; a null limit is not set (left as it is, or the server's default).</summary>
public sealed record RegistrationTokenLimits(long? UsesAllowed = null, long? ExpiryTime = null);

/// <summary>A registration token to create: its text (null: generated, <paramref name="Length"/> characters, else the
/// server's default) and its limits.</summary>
public sealed record NewRegistrationToken(string? Token, int? Length, RegistrationTokenLimits Limits);
