using System.Text.Json;
using Solti.Matrix.Homeserver.Admin.Users;

namespace Solti.Matrix.Homeserver.Admin;

/// <summary>Synapse's admin device API under <c>/_synapse/admin/v2/users/{userId}/devices</c>.</summary>
public static class AdminDeviceEndpoints
{
    private const string RemoteError = "Can only lookup local users";

    public static void Map(IEndpointRouteBuilder routes)
    {
        const string Base = "/_synapse/admin/v2/users/{userId}";
        routes.Map("GET", Base + "/devices", "admin.devices.list", AuthMode.Admin, List);
        routes.Map("POST", Base + "/devices", "admin.devices.create", AuthMode.Admin, Create);
        routes.Map("GET", Base + "/devices/{deviceId}", "admin.devices.get", AuthMode.Admin, Get);
        routes.Map("PUT", Base + "/devices/{deviceId}", "admin.devices.put", AuthMode.Admin, Put);
        routes.Map("DELETE", Base + "/devices/{deviceId}", "admin.devices.delete", AuthMode.Admin, Delete);
        routes.Map("POST", Base + "/delete_devices", "admin.devices.delete_many", AuthMode.Admin, DeleteMany);
    }

    private static UserRecord Target(RequestScope scope) => AdminTargets.LocalUser(scope, RemoteError, "Unknown user");

    private static Reply List(RequestScope scope)
    {
        var user = Target(scope);
        var devices = new JsonArray();
        foreach (var device in scope.State.DevicesOf(user.UserId).OrderBy(d => d.DeviceId, StringComparer.Ordinal))
        {
            devices.Add(Render(device));
        }

        return Reply.Ok(new JsonObject { ["devices"] = devices, ["total"] = devices.Count });
    }

    /// <summary>201 even when the device already existed (then nothing changes), as Synapse answers.</summary>
    private static Reply Create(RequestScope scope)
    {
        var user = AdminTargets.LocalUser(scope, "Can only create devices for local users", "Unknown user");
        var deviceId = scope.Body["device_id"] switch
        {
            JsonValue v when v.GetValueKind() == JsonValueKind.String && v.GetValue<string>().Length > 0 => v.GetValue<string>(),
            null => throw Errors.Unknown(400, "Missing device_id"),
            JsonValue v when v.GetValueKind() is JsonValueKind.String or JsonValueKind.False || (v.GetValueKind() == JsonValueKind.Number && v.ToJsonString() == "0") =>
                throw Errors.Unknown(400, "Missing device_id"),
            _ => throw Errors.Unknown(400, "device_id must be a string"),
        };
        SessionTokens.EnsureDevice(scope.State, user.UserId, deviceId, displayName: null);
        return new Reply(201, new JsonObject());
    }

    private static Reply Get(RequestScope scope)
    {
        var user = Target(scope);
        var device = scope.State.FindDevice(user.UserId, scope.Route("deviceId")) ?? throw Errors.NotFound("No device found");
        return Reply.Ok(Render(device));
    }

    private static Reply Put(RequestScope scope)
    {
        var user = Target(scope);
        var body = scope.BodyOrEmpty;
        SessionTokens.CheckDisplayName(Json.OptionalString(body, "display_name"));
        var device = scope.State.FindDevice(user.UserId, scope.Route("deviceId")) ?? throw Errors.NotFound("Not found");
        SessionTokens.Rename(scope.State, device, body);
        return Reply.Empty();
    }

    private static Reply Delete(RequestScope scope)
    {
        var user = Target(scope);
        SessionTokens.DeleteDevice(scope.State, user.UserId, scope.Route("deviceId"));
        return Reply.Empty();
    }

    private static Reply DeleteMany(RequestScope scope)
    {
        var user = Target(scope);
        if (scope.Body["devices"] is not JsonArray ids)
        {
            throw scope.Body.ContainsKey("devices") ? Errors.BadJson("'devices' must be a list") : Errors.MissingParam("devices");
        }

        foreach (var id in ids)
        {
            if (id is JsonValue v && v.GetValueKind() == JsonValueKind.String)
            {
                SessionTokens.DeleteDevice(scope.State, user.UserId, v.GetValue<string>());
            }
        }

        return Reply.Empty();
    }

    /// <summary>Key order as recorded from Synapse; never-seen fields are null.</summary>
    private static JsonObject Render(DeviceRecord device) => new()
    {
        ["user_id"] = device.UserId,
        ["device_id"] = device.DeviceId,
        ["display_name"] = device.DisplayName,
        ["last_seen_user_agent"] = device.LastSeenUserAgent,
        ["last_seen_ts"] = device.LastSeenTs,
        ["last_seen_ip"] = device.LastSeenIp,
    };
}
