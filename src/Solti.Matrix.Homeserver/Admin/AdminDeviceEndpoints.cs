using System.Text.Json.Nodes;
using Solti.Matrix.Homeserver.Admin.Users;
using Solti.Matrix.Homeserver.Auth;
using Solti.Matrix.Homeserver.Http;
using Solti.Matrix.Homeserver.State;

namespace Solti.Matrix.Homeserver.Admin;

/// <summary>A user's devices: list, create, get, rename, delete, and bulk delete.</summary>
public static class AdminDeviceEndpoints
{
    private const string Devices = "/_synapse/admin/v2/users/{userId}/devices";

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.Map("GET", Devices, "admin.devices.list", AuthMode.Admin, scope =>
        {
            var user = User(scope);
            var devices = scope.State.DevicesOf(user.UserId).OrderBy(d => d.DeviceId, StringComparer.Ordinal).Select(d => (JsonNode)Format(d)).ToList();
            return Reply.Ok(new JsonObject { ["devices"] = new JsonArray([.. devices]), ["total"] = devices.Count });
        });
        routes.Map("POST", Devices, "admin.devices.create", AuthMode.Admin, scope =>
        {
            var user = User(scope, "Can only create devices for local users");
            var deviceId = scope.Body["device_id"] switch
            {
                null => throw Errors.Unknown(400, "Missing device_id"),
                System.Text.Json.Nodes.JsonValue v when v.TryGetValue<string>(out var id) && id.Length > 0 => id,
                _ => throw Errors.Unknown(400, "device_id must be a string"),
            };
            SessionTokens.EnsureDevice(scope.State, user.UserId, deviceId, displayName: null);
            return new Reply(201, new JsonObject());
        });
        routes.Map("GET", Devices + "/{deviceId}", "admin.devices.get", AuthMode.Admin, scope =>
            Reply.Ok(Format(Device(scope, User(scope)))));
        routes.Map("PUT", Devices + "/{deviceId}", "admin.devices.put", AuthMode.Admin, scope =>
        {
            var device = Device(scope, User(scope));
            if (scope.Body.ContainsKey("display_name"))
            {
                device.DisplayName = Json.OptionalString(scope.Body, "display_name");
            }

            return Reply.Empty();
        });
        routes.Map("DELETE", Devices + "/{deviceId}", "admin.devices.delete", AuthMode.Admin, scope =>
        {
            var user = User(scope);
            SessionTokens.DeleteDevice(scope.State, user.UserId, scope.Route("deviceId"));
            return Reply.Empty();
        });
        routes.Map("POST", "/_synapse/admin/v2/users/{userId}/delete_devices", "admin.devices.delete_many", AuthMode.Admin, scope =>
        {
            var user = User(scope);
            if (scope.Body["devices"] is not JsonArray ids || ids.Any(id => id is not JsonValue v || !v.TryGetValue<string>(out _)))
            {
                throw Errors.BadJson("'devices' must be a list of device ids");
            }

            foreach (var id in ids)
            {
                SessionTokens.DeleteDevice(scope.State, user.UserId, id!.GetValue<string>());
            }

            return Reply.Empty();
        });
    }

    private static UserRecord User(RequestScope scope, string notLocal = "Can only lookup local users")
    {
        var userId = scope.Route("userId");
        AdminUsers.RequireLocalId(scope.State, userId, notLocal);
        return scope.State.FindUser(userId) ?? throw Errors.NotFound("Unknown user");
    }

    private static DeviceRecord Device(RequestScope scope, UserRecord user) =>
        scope.State.FindDevice(user.UserId, scope.Route("deviceId")) ?? throw Errors.NotFound("No device found");

    /// <summary>Never-seen devices report nulls, as Synapse does.</summary>
    public static JsonObject Format(DeviceRecord device) => new()
    {
        ["user_id"] = device.UserId,
        ["device_id"] = device.DeviceId,
        ["display_name"] = device.DisplayName,
        ["last_seen_user_agent"] = device.LastSeenUserAgent,
        ["last_seen_ts"] = device.LastSeenTs,
        ["last_seen_ip"] = device.LastSeenIp,
    };
}
