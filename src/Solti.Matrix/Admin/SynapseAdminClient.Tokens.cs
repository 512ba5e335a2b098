namespace Solti.Matrix;

/// <summary>Admin login-as-user: a device-less token for a user without a password.</summary>
public partial class SynapseAdminClient
{
    /// <summary>An access token for <paramref name="userId"/> without its password and without a new device; it expires
    /// at <paramref name="validUntilMs"/> (milliseconds since the epoch) when given.</summary>
    public virtual async Task<string> LoginAsUserAsync(string userId, long? validUntilMs, CancellationToken cancellationToken = default)
    {
        var body = new JsonObject();
        if (validUntilMs is { } until)
        {
            body["valid_until_ms"] = until;
        }

        var reply = await SendMasOwnedAsync(MatrixRequest.Post(MatrixPath.Build(MatrixPath.Admin, "v1", "users", PathPart.Value(userId), "login"), body, idempotent: false), "Tokens for a user (login as a user)", cancellationToken);
        return reply["access_token"]?.GetValue<string>() ?? throw new Errors.MatrixException(200, Errors.MatrixErrorCodes.BadResponse, "login-as-user answered without access_token");
    }
}
