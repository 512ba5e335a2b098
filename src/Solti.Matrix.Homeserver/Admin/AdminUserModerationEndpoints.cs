using System.Text.Json;
using Solti.Matrix.Homeserver.Admin.Users;

namespace Solti.Matrix.Homeserver.Admin;

/// <summary>Synapse's admin API for moderating accounts: shadow-ban (<c>/v1/users/{userId}/shadow_ban</c>), the async
/// redaction of a user's events (<c>/v1/user/{userId}/redact</c>, <c>/v1/user/redact_status/{id}</c>; Synapse 1.116,
/// <see cref="Configuration.Compatibility.UserRedaction"/>) and account validity (<c>/v1/account_validity/validity</c>,
/// not registered with MAS).</summary>
public static class AdminUserModerationEndpoints
{
    private const string ShadowBanPath = "/_synapse/admin/v1/users/{userId}/shadow_ban";

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.Map("POST", ShadowBanPath, "admin.users.shadow_ban", AuthMode.Admin, scope => ShadowBan(scope, true));
        routes.Map("DELETE", ShadowBanPath, "admin.users.shadow_ban.delete", AuthMode.Admin, scope => ShadowBan(scope, false));
        routes.Map("POST", "/_synapse/admin/v1/user/{userId}/redact", "admin.users.redact", AuthMode.None, Redact);
        routes.Map("GET", "/_synapse/admin/v1/user/redact_status/{redactId}", "admin.users.redact_status", AuthMode.None, RedactStatus);
        routes.Map("POST", "/_synapse/admin/v1/account_validity/validity", "admin.account_validity", AuthMode.Admin, AccountValidity);

        // Testing control: {"hold": true} keeps user redactions asked from then on "active"; false runs the held ones now.
        routes.Map("POST", Faults.ControlEndpoints.Prefix + "/redaction_hold", "control.redaction_hold", AuthMode.Admin, scope =>
            Reply.Ok(new JsonObject { ["released"] = UserRedactions.Hold(scope.Server, Json.OptionalBool(scope.Body, "hold") ?? throw Errors.MissingParam("hold")) }));
    }

    /// <summary>Synapse stores the flag on the account row: an unknown local user is <c>404 "No row found"</c>.</summary>
    private static Reply ShadowBan(RequestScope scope, bool banned)
    {
        AdminTargets.RequireLocal(scope, "Only local users can be shadow-banned");
        var user = scope.State.FindUser(scope.Route("userId")) ?? throw Errors.NotFound("No row found");
        user.ShadowBanned = banned;
        return Reply.Ok(new JsonObject());
    }

    /// <summary>An unknown endpoint before Synapse 1.116 (answered before the token is looked at, as there); then the
    /// admin check.</summary>
    private static void RequireRedaction(RequestScope scope)
    {
        var compatibility = scope.State.Options.Compatibility;
        if (!compatibility.UserRedaction)
        {
            throw Errors.Unrecognized(compatibility.UnrecognizedStatus(404));
        }

        scope.RequesterOrNull = Auth.AccessTokenAuthenticator.Authenticate(scope.State, scope.Context);
        if (!scope.Requester.IsAdmin)
        {
            throw Errors.NotAdmin();
        }
    }

    /// <summary>Body <c>{rooms, reason?, limit?, use_admin?}</c> checked as Synapse's model does (strict types, 400
    /// <c>M_BAD_JSON</c>); an empty <c>rooms</c> means the rooms the user is joined to or banned from.</summary>
    private static Reply Redact(RequestScope scope)
    {
        RequireRedaction(scope);
        var userId = scope.Route("userId");
        AdminTargets.RequireUserIdShape(userId);
        var body = scope.Body;
        var rooms = body["rooms"] switch
        {
            null => throw Errors.BadJson("rooms: field required"),
            JsonArray list when list.All(r => r is JsonValue v && v.GetValueKind() == JsonValueKind.String) => list.Select(r => r!.GetValue<string>()).ToList(),
            _ => throw Errors.BadJson("rooms: value is not a valid list of strings"),
        };
        var reason = body["reason"] switch
        {
            null => null,
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            _ => throw Errors.BadJson("reason: str type expected"),
        };
        long? limit = body["limit"] switch
        {
            null => null,
            var node when Json.TryGetInteger(node, out var n) => n,
            _ => throw Errors.BadJson("limit: value is not a valid integer"),
        };
        if (body["use_admin"] is { } useAdmin && (useAdmin is not JsonValue flag || flag.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False)))
        {
            throw Errors.BadJson("use_admin: value is not a valid boolean");
        }

        if (limit is < 0)
        {
            throw Errors.Unknown(400, "If limit is provided it must be a non-negative integer greater than 0.");
        }

        if (rooms.Count == 0)
        {
            var authorizer = scope.Server.Authorizer;
            rooms = [.. scope.State.Data.Rooms.Values.Where(r => authorizer.Membership(r, userId) is "join" or "ban").Select(r => r.RoomId).Order(StringComparer.Ordinal)];
        }

        var record = UserRedactions.Schedule(scope.Server, new UserRedactionRecord
        {
            RedactId = Identifiers.DeleteId(),
            UserId = userId,
            Requester = scope.Requester.UserId,
            Rooms = rooms,
            Reason = reason,
            Limit = limit is > 0 ? (int)Math.Min(limit.Value, int.MaxValue) : 1000,
        });
        return Reply.Ok(new JsonObject { ["redact_id"] = record.RedactId });
    }

    private static Reply RedactStatus(RequestScope scope)
    {
        RequireRedaction(scope);
        var redactId = scope.Route("redactId");
        var record = UserRedactions.Find(scope.State, redactId) ?? throw Errors.NotFound($"redact id '{redactId}' not found");
        var reply = new JsonObject { ["status"] = record.Status };
        if (record.Status == "complete")
        {
            reply["failed_redactions"] = record.FailedRedactions.DeepClone();
        }
        else if (record.Status == "failed")
        {
            reply["error"] = record.Error ?? "Unknown error, please check the logs for more information.";
        }

        return Reply.Ok(reply);
    }

    /// <summary>As Synapse: <c>user_id</c> is required; the expiry is <c>expiration_ts</c>, else now plus the configured
    /// period. With account validity disabled Synapse still answers 200 and stores nothing when <c>expiration_ts</c> is
    /// given, and fails with a 500 when it is not (no period to add).</summary>
    private static Reply AccountValidity(RequestScope scope)
    {
        var body = scope.Body;
        if (body["user_id"] is null)
        {
            throw Errors.Unknown(400, "Missing property 'user_id' in the request body");
        }

        var userId = body["user_id"] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : throw Errors.BadJson("'user_id' must be a string");
        long? given = body["expiration_ts"] switch
        {
            null => null,
            var node when Json.TryGetInteger(node, out var ts) => ts,
            _ => throw Errors.BadJson("'expiration_ts' must be an integer"),
        };
        Json.OptionalBool(body, "enable_renewal_emails");
        var settings = scope.State.Options.AccountValidity;
        if (given is null && (!settings.Enabled || settings.Period is null))
        {
            throw Errors.Unknown(500, "Internal server error");
        }

        var expiry = given ?? scope.State.NowMs + (long)settings.Period!.Value.TotalMilliseconds;
        if (settings.Enabled && scope.State.FindUser(userId) is { } user)
        {
            user.ExpirationTsMs = expiry;
        }

        return Reply.Ok(new JsonObject { ["expiration_ts"] = expiry });
    }
}
