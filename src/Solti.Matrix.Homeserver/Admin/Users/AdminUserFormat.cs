namespace Solti.Matrix.Homeserver.Admin.Users;

/// <summary>The admin API's user objects, current Synapse or 1.67 (0/1 integers, creation_ts in seconds).</summary>
public static class AdminUserFormat
{
    public static JsonObject Full(ServerState state, UserRecord user)
    {
        var legacy = state.Options.Compatibility.LegacyAdminUserFormat;
        if (legacy)
        {
            // Key set and order exactly as recorded from Synapse 1.67.
            return new JsonObject
            {
                ["name"] = user.UserId,
                ["is_guest"] = 0,
                ["admin"] = Flag(user.Admin),
                ["consent_version"] = null,
                ["consent_server_notice_sent"] = null,
                ["appservice_id"] = null,
                ["creation_ts"] = user.CreationTsMs / 1000,
                ["user_type"] = user.UserType,
                ["deactivated"] = Flag(user.Deactivated),
                ["shadow_banned"] = Flag(user.ShadowBanned),
                ["displayname"] = user.DisplayName,
                ["avatar_url"] = user.AvatarUrl,
                ["threepids"] = user.ThreePids.DeepClone(),
                ["external_ids"] = user.ExternalIds.DeepClone(),
            };
        }

        // Current Synapse's admin handler: key order as it builds them; "approved" only with MSC3866 on.
        return new JsonObject
        {
            ["name"] = user.UserId,
            ["admin"] = user.Admin,
            ["deactivated"] = user.Deactivated,
            ["locked"] = user.Locked,
            ["shadow_banned"] = user.ShadowBanned,
            ["creation_ts"] = user.CreationTsMs,
            ["appservice_id"] = null,
            ["consent_server_notice_sent"] = null,
            ["consent_version"] = null,
            ["consent_ts"] = null,
            ["user_type"] = user.UserType,
            ["is_guest"] = false,
            ["suspended"] = false,
            ["displayname"] = user.DisplayName,
            ["avatar_url"] = user.AvatarUrl,
            ["threepids"] = user.ThreePids.DeepClone(),
            ["external_ids"] = user.ExternalIds.DeepClone(),
            ["erased"] = user.Erased,
            ["last_seen_ts"] = LastSeen(state, user),
        };
    }

    /// <summary>An entry of <c>GET /_synapse/admin/v2/users</c>.</summary>
    public static JsonObject ListEntry(ServerState state, UserRecord user)
    {
        if (state.Options.Compatibility.LegacyAdminUserFormat)
        {
            return new JsonObject
            {
                ["name"] = user.UserId,
                ["user_type"] = user.UserType,
                ["is_guest"] = 0,
                ["admin"] = Flag(user.Admin),
                ["deactivated"] = Flag(user.Deactivated),
                ["shadow_banned"] = Flag(user.ShadowBanned),
                ["displayname"] = user.DisplayName,
                ["avatar_url"] = user.AvatarUrl,
                ["creation_ts"] = user.CreationTsMs / 1000,
            };
        }

        return new JsonObject
        {
            ["name"] = user.UserId,
            ["user_type"] = user.UserType,
            ["is_guest"] = false,
            ["admin"] = user.Admin,
            ["deactivated"] = user.Deactivated,
            ["shadow_banned"] = user.ShadowBanned,
            ["displayname"] = user.DisplayName,
            ["avatar_url"] = user.AvatarUrl,
            ["creation_ts"] = user.CreationTsMs,
            ["approved"] = true,
            ["erased"] = user.Erased,
            ["last_seen_ts"] = LastSeen(state, user),
            ["locked"] = user.Locked,
            ["suspended"] = false,
        };
    }

    /// <summary>The latest device activity, null when no device was ever seen.</summary>
    public static long? LastSeen(ServerState state, UserRecord user) =>
        state.DevicesOf(user.UserId).Max(d => d.LastSeenTs);

    private static int Flag(bool value) => value ? 1 : 0;
}
