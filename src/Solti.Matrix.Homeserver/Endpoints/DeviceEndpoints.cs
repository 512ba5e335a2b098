using System.Text.Json;

namespace Solti.Matrix.Homeserver.Endpoints;

/// <summary>The client's own devices: list, get, rename, and delete behind user-interactive authentication (a deleted
/// device takes its tokens, keys and to-device inbox with it).</summary>
public static class DeviceEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapClient("GET", "/devices", "devices.list", AuthMode.User, scope => Reply.Ok(new JsonObject
        {
            ["devices"] = new JsonArray([.. scope.State.DevicesOf(scope.Requester.UserId).OrderBy(d => d.DeviceId, StringComparer.Ordinal).Select(d => (JsonNode)Render(d))]),
        }));
        routes.MapClient("GET", "/devices/{deviceId}", "devices.get", AuthMode.User, scope =>
            Reply.Ok(Render(scope.State.FindDevice(scope.Requester.UserId, scope.Route("deviceId")) ?? throw Errors.NotFound("No device found"))));
        routes.MapClient("PUT", "/devices/{deviceId}", "devices.put", AuthMode.User, Rename);
        routes.MapClient("DELETE", "/devices/{deviceId}", "devices.delete", AuthMode.User, scope =>
        {
            InteractiveAuth.RequirePassword(scope, scope.BodyOrEmpty);
            SessionTokens.DeleteDevice(scope.State, scope.Requester.UserId, scope.Route("deviceId"));
            return Reply.Empty();
        });
        routes.MapClient("POST", "/delete_devices", "devices.delete_many", AuthMode.User, scope =>
        {
            var body = scope.BodyOrEmpty;
            if (body["devices"] is not JsonArray ids)
            {
                throw Errors.MissingParam("devices");
            }

            InteractiveAuth.RequirePassword(scope, body);
            foreach (var id in ids.OfType<JsonValue>().Where(v => v.GetValueKind() == JsonValueKind.String))
            {
                SessionTokens.DeleteDevice(scope.State, scope.Requester.UserId, id.GetValue<string>());
            }

            return Reply.Empty();
        });
    }

    private static Reply Rename(RequestScope scope)
    {
        var device = scope.State.FindDevice(scope.Requester.UserId, scope.Route("deviceId")) ?? throw Errors.NotFound("Not found");
        SessionTokens.Rename(scope.State, device, scope.Body);
        return Reply.Empty();
    }

    /// <summary>The client API's device: no user agent (Synapse drops it unless MSC3852 is on).</summary>
    private static JsonObject Render(DeviceRecord device) => new()
    {
        ["user_id"] = device.UserId,
        ["device_id"] = device.DeviceId,
        ["display_name"] = device.DisplayName,
        ["last_seen_ip"] = device.LastSeenIp,
        ["last_seen_ts"] = device.LastSeenTs,
    };
}
