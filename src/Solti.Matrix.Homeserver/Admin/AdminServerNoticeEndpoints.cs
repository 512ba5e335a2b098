using System.Text.Json;
using Solti.Matrix.Homeserver.Admin.Users;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Homeserver.Sync;

namespace Solti.Matrix.Homeserver.Admin;

/// <summary>Server notices (<c>/_synapse/admin/v1/send_server_notice</c>, and its <c>PUT …/{txnId}</c> form whose
/// retransmission answers the first event id), as Synapse sends them: each user's notices room belongs to the system
/// user of <c>server_notices</c> (created on the first notice: private chat, <c>users_default</c> −10, the configured
/// name, tagged <c>m.server_notice</c> in the user's account data), the user invited (or joined with <c>auto_join</c>)
/// unless already in it, then the event sent as the system user. Without <c>server_notices</c> Synapse answers 400
/// "Server notices are not enabled on this server".</summary>
public static class AdminServerNoticeEndpoints
{
    private const string Path = "/_synapse/admin/v1/send_server_notice";

    /// <summary>The tag Synapse puts on every notices room.</summary>
    public const string Tag = "m.server_notice";

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.Map("POST", Path, "admin.server_notice", AuthMode.Admin, scope => Send(scope, txnId: null));
        routes.Map("PUT", Path + "/{txnId}", "admin.server_notice.txn", AuthMode.Admin, scope => Send(scope, scope.Route("txnId")));
    }

    private static Reply Send(RequestScope scope, string? txnId)
    {
        var state = scope.State;
        var txnKey = txnId is null ? null : string.Join('\u001f', "server_notice", scope.Requester.TxnScope(state.Options.Compatibility.TxnScope), txnId);
        if (txnKey is not null && state.Data.Transactions.TryGetValue(txnKey, out var seen)
            && state.NowMs - seen.CreatedMs < (long)state.Options.TransactionLifetime.TotalMilliseconds
            && state.Data.Events.ContainsKey(seen.EventId))
        {
            return Reply.Ok(new JsonObject { ["event_id"] = seen.EventId });
        }

        var body = scope.Body;
        foreach (var key in new[] { "user_id", "content" })
        {
            if (!body.ContainsKey(key))
            {
                throw Errors.MissingParam(key);
            }
        }

        var notices = state.Options.ServerNotices ?? throw Errors.Unknown(400, "Server notices are not enabled on this server");
        if (body["user_id"] is not JsonValue u || u.GetValueKind() != JsonValueKind.String || !MatrixIds.IsUserId(u.GetValue<string>()))
        {
            throw Errors.InvalidParam("Invalid user id");
        }

        var userId = u.GetValue<string>();
        if (!state.IsLocal(userId))
        {
            throw Errors.Unknown(400, "Server notices can only be sent to local users");
        }

        AdminUsers.RequireLocal(state, userId);
        var content = body["content"] as JsonObject ?? throw Errors.BadJson("content must be an object");
        var type = Json.OptionalString(body, "type") ?? "m.room.message";
        var stateKey = Json.OptionalString(body, "state_key");

        var server = scope.Server;
        var system = $"@{notices.SystemMxidLocalpart}:{state.ServerName}";
        var room = NoticeRoom(server, notices, system, userId);
        if (server.Authorizer.Membership(room, userId) is not ("join" or "invite"))
        {
            server.Memberships.SetMembership(room, system, userId, "invite", reason: null);
            if (notices.AutoJoin)
            {
                server.Memberships.SetMembership(room, userId, userId, "join", reason: null);
            }
        }

        var e = server.Events.Append(room, type, system, (JsonObject)content.DeepClone(), stateKey);
        if (txnKey is not null)
        {
            state.Data.Transactions[txnKey] = new TransactionRecord { EventId = e.EventId, CreatedMs = state.NowMs };
        }

        return Reply.Ok(new JsonObject { ["event_id"] = e.EventId });
    }

    /// <summary>The user's notices room: one the user is invited to or joined that the system user is in, else a new one.</summary>
    private static RoomRecord NoticeRoom(ServerContext server, ServerNoticesSettings notices, string system, string userId)
    {
        var state = server.State;
        var existing = state.Data.Rooms.Values.FirstOrDefault(r => !r.Blocked
            && server.Authorizer.Membership(r, userId) is "join" or "invite"
            && server.Authorizer.Membership(r, system) == "join");
        if (existing is not null)
        {
            return existing;
        }

        var request = new JsonObject
        {
            ["preset"] = "private_chat",
            ["power_level_content_override"] = new JsonObject { ["users_default"] = -10 },
            ["name"] = notices.RoomName,
        };
        if (notices.RoomTopic is { } topic)
        {
            request["topic"] = topic;
        }

        var (room, _) = server.Creation.Create(new Auth.Requester(system, null, 0, "", IsAdmin: false), request);
        if (notices.SystemMxidDisplayName is not null || notices.SystemMxidAvatarUrl is not null)
        {
            // Synapse joins the notices user with this profile (creator_join_profile); here its join is then updated.
            server.Events.Append(room, "m.room.member", system, new JsonObject
            {
                ["membership"] = "join",
                ["displayname"] = notices.SystemMxidDisplayName,
                ["avatar_url"] = notices.SystemMxidAvatarUrl,
            }, system);
        }

        AccountData.Set(state, userId, room.RoomId, "m.tag", new JsonObject { ["tags"] = new JsonObject { [Tag] = new JsonObject() } });
        return room;
    }
}
