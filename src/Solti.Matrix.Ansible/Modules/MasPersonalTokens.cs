using Solti.Matrix.Mas;

namespace Solti.Matrix.Ansible.Modules;

/// <summary><c>matrix_token</c> on a homeserver that delegates to MAS, through MAS's admin API: a bot's token is a
/// personal access token bound to a device (MAS creates the device), minted, regenerated (rotate) or revoked as a
/// personal session. The device binds the token to the session, so rotate and revoke find it again by
/// <c>device_id</c>.</summary>
internal static class MasPersonalTokens
{
    /// <summary>The admin API over <paramref name="client"/>'s pipeline with MAS's admin API as the options give it.</summary>
    private static SynapseAdminClient Admin(MatrixClient client, MasCredentials? credentials) => new(client.Session) { MasCredentials = credentials };

    /// <summary>Mints a personal access token for <paramref name="userId"/> through MAS's admin API as
    /// <paramref name="credentials"/> give it; on a homeserver that does not delegate to MAS,
    /// <paramref name="elsewhere"/> (Synapse's login as a user).</summary>
    public static async Task<JsonObject> MintAsync(AnsibleModule module, MasCredentials credentials, string userId, Func<Task<JsonObject>> elsewhere, CancellationToken cancellationToken)
    {
        var validFor = MatrixTokenModule.ValidFor(module);
        var device = module.Str("device_id") ?? MasAdminClient.NewDeviceId();
        using var client = ConnectionOptions.Client(module, null, null, null, accessToken: module.Str("access_token"));
        var admin = Admin(client, credentials);
        if (!(await admin.AuthenticationAsync(cancellationToken)).IsDelegated)
        {
            return await elsewhere();
        }

        var result = new JsonObject { ["changed"] = true, ["user_id"] = userId, ["device_id"] = device, ["expires_at"] = validFor is { } lifetime ? MasAdminClient.Rfc3339(DateTimeOffset.UtcNow.Add(lifetime)) : null };
        if (module.CheckMode)
        {
            return result; // check mode never logs in, and minting is a login
        }

        var mas = (await admin.MasAsync(cancellationToken))!;
        var user = await UserAsync(mas, userId, cancellationToken);
        return Minted(module, result, await mas.MintDeviceTokenAsync(user, device, "solti-matrix matrix_token", validFor, cancellationToken));
    }

    /// <summary>Rotate without a password: regenerates the personal session bound to <c>device_id</c> (the old token stops
    /// working at once).</summary>
    public static async Task<JsonObject> RotateAsync(AnsibleModule module, string userId, CancellationToken cancellationToken)
    {
        var device = module.Str("device_id");
        if (ConnectionOptions.Mas(module) is not { } credentials || string.IsNullOrEmpty(device))
        {
            throw new ModuleFailedException("action=rotate needs password (a new login with the same device), or, on a homeserver that delegates to MAS, device_id and MAS's admin API (mas_client_id and mas_client_secret, or mas_token) to regenerate the personal access token bound to that device");
        }

        var validFor = MatrixTokenModule.ValidFor(module);
        using var client = ConnectionOptions.Client(module, null, null, null, accessToken: module.Str("access_token"));
        var mas = await Admin(client, credentials).MasAsync(cancellationToken)
            ?? throw new ModuleFailedException($"action=rotate without password regenerates a personal access token in MAS, but {client.Session.Http.Options.Homeserver} does not delegate authentication to MAS: give password");
        var user = await UserAsync(mas, userId, cancellationToken);
        var sessions = await mas.ActivePersonalSessionsOnAsync(user.Id, device, cancellationToken);
        if (sessions.Count != 1)
        {
            throw new ModuleFailedException(sessions.Count == 0
                ? $"{userId} has no active personal access token bound to device {device} in MAS: mint one first (action: mint, device_id: {device})"
                : $"{userId} has {sessions.Count} active personal access tokens bound to device {device} in MAS: revoke all but one first");
        }

        var result = new JsonObject { ["changed"] = true, ["user_id"] = userId, ["device_id"] = device, ["expires_at"] = null };
        if (module.CheckMode)
        {
            return result;
        }

        return Minted(module, result, await mas.RegeneratePersonalSessionAsync(sessions[0].Id, validFor, cancellationToken));
    }

    /// <summary>Revokes in MAS the personal sessions bound to the token's device; false when there is none to revoke
    /// there (no MAS admin API given, no delegation, or the token is a password login's, which /logout ends).</summary>
    public static async Task<bool> RevokeAsync(AnsibleModule module, MatrixClient client, JsonObject whoami, CancellationToken cancellationToken)
    {
        if (ConnectionOptions.Mas(module) is not { } credentials || whoami["device_id"]?.GetValue<string>() is not { } device || whoami["user_id"]?.GetValue<string>() is not { } userId)
        {
            return false;
        }

        if (await Admin(client, credentials).MasAsync(cancellationToken) is not { } mas || await mas.FindUserAsync(Identifiers.MatrixId.Localpart(userId), cancellationToken) is not { } user)
        {
            return false;
        }

        var sessions = await mas.ActivePersonalSessionsOnAsync(user.Id, device, cancellationToken);
        foreach (var session in sessions)
        {
            await mas.RevokePersonalSessionAsync(session.Id, cancellationToken);
        }

        return sessions.Count > 0;
    }

    private static async Task<MasResource> UserAsync(MasAdminClient mas, string userId, CancellationToken cancellationToken) =>
        await mas.FindUserAsync(Identifiers.MatrixId.Localpart(userId), cancellationToken)
            ?? throw new ModuleFailedException($"user_id: MAS has no account {Identifiers.MatrixId.Localpart(userId)} ({userId}); create it first (synapse_user)");

    /// <summary>The result with the new token (a secret, returned only in <c>token</c>) and its expiry.</summary>
    private static JsonObject Minted(AnsibleModule module, JsonObject result, MasResource session)
    {
        var token = session.Text("access_token") ?? throw new ModuleFailedException("MAS answered a personal session without its access_token");
        module.Reveal(result, "token", token);
        result["expires_at"] = session.Text("expires_at");
        return result;
    }
}
