namespace Solti.Matrix;

/// <summary>Per-user rate-limit overrides (Synapse's, on any homeserver).</summary>
public partial class SynapseAdminClient
{
    private static string OverridePath(string userId) => MatrixPath.Build(MatrixPath.Admin, "v1", "users", PathPart.Value(userId), "override_ratelimit");

    /// <summary>The override, or an empty object when none is set.</summary>
    public virtual async Task<JsonObject> GetRatelimitOverrideAsync(string userId, CancellationToken cancellationToken = default) =>
        (JsonObject)await Session.SendAsync(MatrixRequest.Get(OverridePath(userId)), cancellationToken);

    /// <summary>Sets the user's rate-limit override: <paramref name="messagesPerSecond"/> and
    /// <paramref name="burstCount"/>, 0 for no limit.</summary>
    public virtual Task SetRatelimitOverrideAsync(string userId, long messagesPerSecond, long burstCount, CancellationToken cancellationToken = default) =>
        Session.SendAsync(MatrixRequest.Post(OverridePath(userId), new JsonObject { ["messages_per_second"] = messagesPerSecond, ["burst_count"] = burstCount }), cancellationToken);

    /// <summary>Removes the user's rate-limit override: the server's own limits apply again.</summary>
    public virtual Task DeleteRatelimitOverrideAsync(string userId, CancellationToken cancellationToken = default) =>
        Session.SendAsync(MatrixRequest.Delete(OverridePath(userId)), cancellationToken);
}
