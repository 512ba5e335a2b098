using Solti.Matrix.Sessions;

namespace Solti.Matrix;

/// <summary>The Synapse admin API over a (self-healing) admin session (one partial file per area). Answers are normalized across Synapse
/// releases: 1.67's 0/1 flags become booleans.</summary>
public partial class SynapseAdminClient(MatrixSession session)
{
    /// <summary>The admin session every request of this client is sent with (it heals as any session does).</summary>
    public MatrixSession Session => session;

    /// <summary>The Synapse version the server reports (<c>GET /v1/server_version</c>), or an empty string when it
    /// reports none.</summary>
    public virtual async Task<string> ServerVersionAsync(CancellationToken cancellationToken = default) =>
        (await session.SendAsync(MatrixRequest.Get(MatrixPath.Admin + "/v1/server_version"), cancellationToken))["server_version"]?.GetValue<string>() ?? "";

    /// <summary>The account, or null when the server does not know it (on a homeserver that delegates to MAS, given
    /// <see cref="MasCredentials"/>: when MAS does not; its <c>admin</c>, <c>deactivated</c> and <c>locked</c> are MAS's).</summary>
    public virtual async Task<JsonObject?> GetUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        var user = await GetOrNullAsync(UserPath(userId), cancellationToken) is { } found
            ? NormalizeFlags(found)
            : null;
        return await MasAsync(cancellationToken) is { } mas ? await MasAccountAsync(mas, userId, user, cancellationToken) : user;
    }

    /// <summary>Reads of things that may not exist: "absent" (<see cref="Errors.MatrixException.IsAbsent"/>) is null; any
    /// other failure, an endpoint the server does not serve among them, propagates.</summary>
    private async Task<JsonObject?> GetOrNullAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            return (JsonObject)await session.SendAsync(MatrixRequest.Get(path), cancellationToken);
        }
        catch (Errors.MatrixException e) when (e.IsAbsent)
        {
            return null;
        }
    }

    /// <summary>The user's devices as the admin API lists them (<c>device_id</c>, <c>display_name</c>,
    /// <c>last_seen_ts</c>, …).</summary>
    public virtual async Task<JsonArray> ListDevicesAsync(string userId, CancellationToken cancellationToken = default) =>
        (await session.SendAsync(MatrixRequest.Get(DevicesPath(userId)), cancellationToken))["devices"] as JsonArray ?? [];

    /// <summary>Creates the device if it does not exist (a no-op otherwise), so a later login can claim it.</summary>
    public virtual Task CreateDeviceAsync(string userId, string deviceId, CancellationToken cancellationToken = default) =>
        session.SendAsync(MatrixRequest.Post(DevicesPath(userId), new JsonObject { ["device_id"] = deviceId }), cancellationToken);

    /// <summary>Deletes devices in bulk (one request per 1,000); on a homeserver that delegates to MAS, given
    /// <see cref="MasCredentials"/>, by ending their MAS sessions (<c>SynapseAdminClient.MasDevices.cs</c>).</summary>
    public virtual async Task DeleteDevicesAsync(string userId, IReadOnlyCollection<string> deviceIds, CancellationToken cancellationToken = default)
    {
        if (await MasAsync(cancellationToken) is { } mas)
        {
            deviceIds = await EndMasSessionsAsync(mas, userId, deviceIds, cancellationToken);
        }

        foreach (var batch in deviceIds.Chunk(1000))
        {
            var body = new JsonObject { ["devices"] = new JsonArray([.. batch.Select(id => (JsonNode)id)]) };
            await session.SendAsync(MatrixRequest.Post(MatrixPath.Build(MatrixPath.Admin, "v2", "users", PathPart.Value(userId), "delete_devices"), body), cancellationToken);
        }
    }

    private static string DevicesPath(string userId) => MatrixPath.Build(MatrixPath.Admin, "v2", "users", PathPart.Value(userId), "devices");

    /// <summary>Synapse ≤ 1.7x answers 0/1 for these flags; newer ones answer booleans.</summary>
    internal static JsonObject NormalizeFlags(JsonObject user)
    {
        foreach (var key in new[] { "admin", "deactivated", "is_guest", "shadow_banned", "locked", "erased" })
        {
            if (user[key] is JsonValue value && value.GetValueKind() == JsonValueKind.Number)
            {
                user[key] = value.GetValue<long>() != 0;
            }
        }

        return user;
    }
}
