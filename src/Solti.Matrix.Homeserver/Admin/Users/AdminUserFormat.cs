using System.Text.Json.Nodes;
using Solti.Matrix.Homeserver.State;

namespace Solti.Matrix.Homeserver.Admin.Users;

/// <summary>The admin API's user objects, in the current format or Synapse 1.67's (0/1 flags, creation_ts in seconds).</summary>
public static class AdminUserFormat
{
    /// <summary><c>GET /_synapse/admin/v2/users/{id}</c>.</summary>
    public static JsonObject Details(ServerState state, UserRecord user)
    {
        var legacy = state.Options.Compatibility.LegacyAdminUserFormat;
        if (legacy)
        {
            // Exactly the keys Synapse 1.67 answers (see the recordings).
            return new JsonObject
            {
                ["name"] = user.UserId,
                ["is_guest"] = 0,
                ["admin"] = Flag(user.Admin, legacy),
                ["consent_version"] = null,
                ["consent_server_notice_sent"] = null,
                ["appservice_id"] = null,
                ["creation_ts"] = Created(user, legacy),
                ["user_type"] = user.UserType,
                ["deactivated"] = Flag(user.Deactivated, legacy),
                ["shadow_banned"] = Flag(user.ShadowBanned, legacy),
                ["displayname"] = user.DisplayName,
                ["avatar_url"] = user.AvatarUrl,
                ["threepids"] = user.ThreePids.DeepClone(),
                ["external_ids"] = user.ExternalIds.DeepClone(),
            };
        }

        return new JsonObject
        {
            ["name"] = user.UserId,
            ["displayname"] = user.DisplayName,
            ["threepids"] = user.ThreePids.DeepClone(),
            ["avatar_url"] = user.AvatarUrl,
            ["is_guest"] = false,
            ["admin"] = user.Admin,
            ["deactivated"] = user.Deactivated,
            ["erased"] = user.Erased,
            ["shadow_banned"] = user.ShadowBanned,
            ["creation_ts"] = user.CreationTsMs,
            ["appservice_id"] = null,
            ["consent_server_notice_sent"] = null,
            ["consent_version"] = null,
            ["consent_ts"] = null,
            ["external_ids"] = user.ExternalIds.DeepClone(),
            ["user_type"] = user.UserType,
            ["locked"] = user.Locked,
            ["suspended"] = false,
            ["last_seen_ts"] = LastSeen(state, user),
        };
    }

    /// <summary>An entry of <c>GET /_synapse/admin/v2/users</c>.</summary>
    public static JsonObject ListEntry(ServerState state, UserRecord user)
    {
        var legacy = state.Options.Compatibility.LegacyAdminUserFormat;
        var entry = new JsonObject
        {
            ["name"] = user.UserId,
            ["user_type"] = user.UserType,
            ["is_guest"] = Flag(false, legacy),
            ["admin"] = Flag(user.Admin, legacy),
            ["deactivated"] = Flag(user.Deactivated, legacy),
            ["shadow_banned"] = Flag(user.ShadowBanned, legacy),
            ["displayname"] = user.DisplayName,
            ["avatar_url"] = user.AvatarUrl,
            ["creation_ts"] = Created(user, legacy),
        };
        if (!legacy)
        {
            entry["approved"] = true;
            entry["erased"] = user.Erased;
            entry["last_seen_ts"] = LastSeen(state, user);
            entry["locked"] = user.Locked;
        }

        return entry;
    }

    private static JsonNode Flag(bool value, bool legacy) => legacy ? JsonValue.Create(value ? 1 : 0) : JsonValue.Create(value);

    private static long Created(UserRecord user, bool legacy) => legacy ? user.CreationTsMs / 1000 : user.CreationTsMs;

    private static long? LastSeen(ServerState state, UserRecord user) =>
        state.DevicesOf(user.UserId).Select(d => d.LastSeenTs).Max();
}
