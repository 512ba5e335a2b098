using System.Globalization;
using Solti.Matrix.Accounts;

namespace Solti.Matrix;

/// <summary>The media admin API (Synapse's <c>docs/admin_api/media_admin_api.md</c>): one medium's info (Synapse 1.140
/// and later), a user's and a room's media, quarantine and protection, deletion of one medium or by age and size, and
/// the remote media cache's purge. Synapse answers <c>{}</c> to (un)quarantine and (un)protect whether or not it knows
/// the medium, and skips protected media when it quarantines.</summary>
public partial class SynapseAdminClient
{
    private static string MediaPath(params ReadOnlySpan<PathPart> parts) => MatrixPath.Build(MatrixPath.Admin + "/v1", parts);

    /// <summary>One medium's <c>media_info</c> (<c>quarantined_by</c>, <c>safe_from_quarantine</c>, …), null when the
    /// server does not know it; a server before Synapse 1.140 does not serve the query
    /// (<see cref="MatrixException.IsUnrecognized"/>).</summary>
    public virtual async Task<JsonObject?> MediaInfoAsync(string server, string mediaId, CancellationToken cancellationToken = default) =>
        (await Session.GetOrNullAsync(MediaPath("media", PathPart.Value(server), PathPart.Value(mediaId)), cancellationToken))?["media_info"]?.DeepClone() as JsonObject;

    /// <summary>Quarantines (or, <paramref name="quarantine"/> false, releases) one local or cached remote medium.</summary>
    public virtual Task SetQuarantineAsync(string server, string mediaId, bool quarantine, CancellationToken cancellationToken = default) =>
        Session.SendAsync(MatrixRequest.Post(MediaPath("media", quarantine ? "quarantine" : "unquarantine", PathPart.Value(server), PathPart.Value(mediaId)), null), cancellationToken);

    /// <summary>Protects (or no longer) one local medium from quarantine.</summary>
    public virtual Task SetProtectedAsync(string mediaId, bool safe, CancellationToken cancellationToken = default) =>
        Session.SendAsync(MatrixRequest.Post(MediaPath("media", safe ? "protect" : "unprotect", PathPart.Value(mediaId)), null), cancellationToken);

    /// <summary>Quarantines every medium a room's unencrypted events name; the number quarantined.</summary>
    public virtual async Task<int> QuarantineRoomMediaAsync(string roomId, CancellationToken cancellationToken = default) =>
        SynapseAccounts.Number((await Session.SendAsync(MatrixRequest.Post(MediaPath("room", PathPart.Value(roomId), "media", "quarantine"), null), cancellationToken))["num_quarantined"]);

    /// <summary>Quarantines every local medium a local user uploaded; the number quarantined.</summary>
    public virtual async Task<int> QuarantineUserMediaAsync(string userId, CancellationToken cancellationToken = default) =>
        SynapseAccounts.Number((await Session.SendAsync(MatrixRequest.Post(MediaPath("user", PathPart.Value(userId), "media", "quarantine"), null), cancellationToken))["num_quarantined"]);

    /// <summary>The mxc URIs a room's events name (Synapse skips encrypted events: their media are not listed), local and
    /// remote.</summary>
    public virtual async Task<(List<string> Local, List<string> Remote)> RoomMediaAsync(string roomId, CancellationToken cancellationToken = default)
    {
        var answer = await Session.SendAsync(MatrixRequest.Get(MediaPath("room", PathPart.Value(roomId), "media")), cancellationToken);
        static List<string> Uris(JsonNode? list) => [.. (list as JsonArray ?? []).Select(u => u?.GetValue<string>()).OfType<string>()];
        return (Uris(answer["local"]), Uris(answer["remote"]));
    }

    /// <summary>The media a local user uploaded, every page followed up to <paramref name="cap"/>, in Synapse's order
    /// (<paramref name="orderBy"/>, <paramref name="direction"/> <c>f</c>/<c>b</c>; neither: newest first), and the total.</summary>
    public virtual Task<(List<JsonObject> Media, int Total)> UserMediaAsync(string userId, string? orderBy = null, string? direction = null, int cap = int.MaxValue, CancellationToken cancellationToken = default) =>
        OffsetPagesAsync(MediaPath("users", PathPart.Value(userId), "media"), (orderBy is null ? "" : "&order_by=" + Uri.EscapeDataString(orderBy)) + (direction is null ? "" : "&dir=" + Uri.EscapeDataString(direction)),
            "media", "total", "next_token", cap, cancellationToken);

    /// <summary>Deletes one local medium: <c>{deleted_media, total}</c>; 404 <c>M_NOT_FOUND</c> for media the server does
    /// not have, 400 for remote media (Synapse deletes only local media).</summary>
    public virtual async Task<JsonObject> DeleteMediaAsync(string server, string mediaId, CancellationToken cancellationToken = default) =>
        (JsonObject)await Session.SendAsync(MatrixRequest.Delete(MediaPath("media", PathPart.Value(server), PathPart.Value(mediaId))), cancellationToken);

    /// <summary>Deletes local media last used before <paramref name="beforeTs"/> (milliseconds) and larger than
    /// <paramref name="sizeGt"/> bytes (Synapse keeps quarantined and protected media, and with
    /// <paramref name="keepProfiles"/> avatars): <c>{deleted_media, total}</c>. Through <c>/v1/media/delete</c>, or on
    /// Synapse before 1.78 the older <c>/v1/media/{serverName}/delete</c>.</summary>
    public virtual async Task<JsonObject> DeleteOldMediaAsync(string serverName, long beforeTs, long sizeGt, bool keepProfiles, CancellationToken cancellationToken = default)
    {
        var query = string.Create(CultureInfo.InvariantCulture, $"?before_ts={beforeTs}&size_gt={sizeGt}&keep_profiles={(keepProfiles ? "true" : "false")}");
        try
        {
            return (JsonObject)await Session.SendAsync(MatrixRequest.Post(MediaPath("media", "delete") + query, null), cancellationToken);
        }
        catch (MatrixException e) when (e.IsUnrecognized)
        {
            return (JsonObject)await Session.SendAsync(MatrixRequest.Post(MediaPath("media", PathPart.Value(serverName), "delete") + query, null), cancellationToken);
        }
    }

    /// <summary>Purges cached remote media last used before <paramref name="beforeTs"/> (milliseconds); the number deleted.</summary>
    public virtual async Task<int> PurgeRemoteMediaAsync(long beforeTs, CancellationToken cancellationToken = default) =>
        SynapseAccounts.Number((await Session.SendAsync(MatrixRequest.Post(MediaPath("purge_media_cache") + "?before_ts=" + beforeTs.ToString(CultureInfo.InvariantCulture), null), cancellationToken))["deleted"]);
}
