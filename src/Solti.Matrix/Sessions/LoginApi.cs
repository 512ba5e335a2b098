namespace Solti.Matrix.Sessions;

/// <summary>The unauthenticated session calls: password login and refresh.</summary>
internal sealed class LoginApi(MatrixHttpPipeline http)
{
    public async Task<SessionCredentials> PasswordLoginAsync(string userId, string password, string deviceId, string displayName, bool refreshToken, CallBudget budget, CancellationToken cancellationToken)
    {
        var body = PasswordAuth(userId, password);
        body["device_id"] = deviceId;
        body["initial_device_display_name"] = displayName;
        if (refreshToken)
        {
            body["refresh_token"] = true;
        }

        var reply = await http.SendAsync(MatrixRequest.Post(MatrixPath.Client + "/login", body), null, budget, cancellationToken);
        return Read(reply, userId, deviceId, null);
    }

    /// <summary>The password proof of a user: a login's body, and the <c>auth</c> of a user-interactive authentication
    /// (deleting a device).</summary>
    public static JsonObject PasswordAuth(string userId, string password) => new()
    {
        ["type"] = "m.login.password",
        ["identifier"] = new JsonObject { ["type"] = "m.id.user", ["user"] = userId },
        ["password"] = password,
    };

    /// <summary>Refreshes at <c>v3/refresh</c>, and where that is not served (Synapse before 1.72 has only
    /// <c>v1/refresh</c>, PR #14364) at <c>v1/refresh</c>.</summary>
    public async Task<SessionCredentials> RefreshAsync(SessionCredentials current, CallBudget budget, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["refresh_token"] = current.RefreshToken };
        JsonNode reply;
        try
        {
            reply = await http.SendAsync(MatrixRequest.Post(MatrixPath.Client + "/refresh", body), null, budget, cancellationToken);
        }
        catch (MatrixException e) when (e.IsUnrecognized)
        {
            reply = await http.SendAsync(MatrixRequest.Post("/_matrix/client/v1/refresh", body), null, budget, cancellationToken);
        }

        return Read(reply, current.UserId, current.DeviceId, current.RefreshToken);
    }

    private SessionCredentials Read(JsonNode reply, string? userId, string? deviceId, string? previousRefresh)
    {
        var token = reply["access_token"]?.GetValue<string>()
            ?? throw new MatrixException(200, MatrixErrorCodes.BadResponse, "the server's answer has no access_token");
        var expiresIn = reply["expires_in_ms"]?.GetValue<long>();
        return new SessionCredentials(
            token,
            reply["device_id"]?.GetValue<string>() ?? deviceId,
            reply["refresh_token"]?.GetValue<string>() ?? previousRefresh,
            expiresIn is { } ms ? http.Options.Time.GetUtcNow().AddMilliseconds(ms) : null,
            reply["user_id"]?.GetValue<string>() ?? userId);
    }
}
