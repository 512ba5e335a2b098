namespace Solti.Matrix;

/// <summary>Accounts: upsert, deactivate, rate-limit overrides.</summary>
public partial class SynapseAdminClient
{
    private static string UserPath(string userId) => MatrixPath.Build(MatrixPath.Admin, "v2", "users", PathPart.Value(userId));

    private static string OverridePath(string userId) => MatrixPath.Build(MatrixPath.Admin, "v1", "users", PathPart.Value(userId), "override_ratelimit");

    /// <summary><c>PUT /v2/users/{id}</c>: creates or changes only the keys given (through MAS what it owns, on a
    /// homeserver that delegates to it, given <see cref="MasCredentials"/>).</summary>
    public virtual Task<JsonObject> PutUserAsync(string userId, JsonObject fields, CancellationToken cancellationToken = default) =>
        RoutedAsync(mas => PutMasAccountAsync(mas, userId, fields, cancellationToken),
            async () => NormalizeFlags((JsonObject)await Session.SendAsync(MatrixRequest.Put(UserPath(userId), fields), cancellationToken)), cancellationToken);

    /// <summary>Deactivates the account (<c>POST /v1/deactivate/{id}</c>, or through MAS on a homeserver that delegates to
    /// it); with <paramref name="erase"/>, Synapse also erases its profile and messages (GDPR erase).</summary>
    public virtual Task DeactivateUserAsync(string userId, bool erase, CancellationToken cancellationToken = default) =>
        RoutedAsync(mas => DeactivateMasAccountAsync(mas, userId, erase, cancellationToken), () => DeactivateOnSynapseAsync(userId, erase, cancellationToken), cancellationToken);

    private Task<JsonNode> DeactivateOnSynapseAsync(string userId, bool erase, CancellationToken cancellationToken) =>
        Session.SendAsync(MatrixRequest.Post(MatrixPath.Build(MatrixPath.Admin, "v1", "deactivate", PathPart.Value(userId)), new JsonObject { ["erase"] = erase }), cancellationToken);

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
