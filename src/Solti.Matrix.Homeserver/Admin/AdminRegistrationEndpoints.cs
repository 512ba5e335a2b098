using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Solti.Matrix.Homeserver.Admin.Users;

namespace Solti.Matrix.Homeserver.Admin;

/// <summary>Shared-secret registration (<c>/_synapse/admin/v1/register</c>), unauthenticated like Synapse's.</summary>
public static class AdminRegistrationEndpoints
{
    private const string Path = "/_synapse/admin/v1/register";

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.Map("GET", Path, "admin.register.nonce", AuthMode.None, scope =>
            Reply.Ok(new JsonObject { ["nonce"] = RegistrationNonces.Issue(Served(scope).State) }));
        routes.Map("POST", Path, "admin.register", AuthMode.None, scope => Register(Served(scope)));
    }

    /// <summary>A homeserver that delegates authentication to MAS does not serve shared-secret registration (Synapse
    /// registers the servlet only without <c>matrix_authentication_service</c>): MAS registers users there.</summary>
    private static RequestScope Served(RequestScope scope) => scope.State.Options.AuthenticationService is null
        ? scope
        : throw Errors.Unrecognized(scope.State.Options.Compatibility.UnrecognizedStatus(404));

    private static Reply Register(RequestScope scope)
    {
        var state = scope.State;
        var secret = state.Options.RegistrationSharedSecret ?? throw Errors.Unknown(400, "Shared secret registration is not enabled");
        var body = scope.Body;
        if (body["nonce"] is not JsonValue nonceValue || nonceValue.GetValueKind() != JsonValueKind.String)
        {
            throw Errors.BadJson("nonce must be specified");
        }

        var nonce = nonceValue.GetValue<string>();
        if (!RegistrationNonces.Consume(state, nonce))
        {
            throw Errors.Unknown(400, "unrecognised nonce");
        }

        var username = SafeString(body, "username", "Invalid username");
        var password = SafeString(body, "password", "Invalid password");
        var admin = Truthy(body["admin"]);
        var userType = body["user_type"] switch
        {
            null => null,
            JsonValue v when v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() is "bot" or "support" => v.GetValue<string>(),
            _ => throw Errors.Unknown(400, "Invalid user type"),
        };
        var displayName = Json.OptionalString(body, "displayname");
        var gotMac = Json.OptionalString(body, "mac") ?? throw Errors.MissingParam("mac");

        var message = $"{nonce}\0{username}\0{password}\0{(admin ? "admin" : "notadmin")}" + (userType is null ? "" : "\0" + userType);
        var wantMac = Convert.ToHexStringLower(HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(message)));
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(wantMac), Encoding.UTF8.GetBytes(gotMac)))
        {
            throw Errors.Forbidden("HMAC incorrect");
        }

        var refreshable = body["refresh_token"] switch
        {
            null => false,
            JsonValue r when r.GetValueKind() is JsonValueKind.True or JsonValueKind.False => r.GetValue<bool>(),
            _ => throw Errors.Unknown(400, "refresh_token must be a boolean"),
        };
        var localpart = username.ToLowerInvariant();
        var userId = Usernames.Check(state, localpart);
        state.Data.Users[userId] = new UserRecord
        {
            UserId = userId,
            PasswordHash = PasswordHasher.Hash(password),
            Admin = admin,
            UserType = userType,
            DisplayName = displayName ?? localpart,
            CreationTsMs = state.NowMs,
        };
        var reply = new JsonObject { ["user_id"] = userId, ["home_server"] = state.ServerName };
        if (Truthy(body["inhibit_login"]))
        {
            return Reply.Ok(reply);
        }

        // Like the client register endpoint, the body may choose the device and its display name.
        var deviceId = body["device_id"] is JsonValue d && d.GetValueKind() == JsonValueKind.String && d.GetValue<string>().Length > 0
            ? d.GetValue<string>()
            : Identifiers.DeviceId();
        SessionTokens.EnsureDevice(state, userId, deviceId, Json.OptionalString(body, "initial_device_display_name"));
        var issued = SessionTokens.IssueForDevice(state, userId, deviceId, refreshable);
        reply["device_id"] = deviceId;
        reply["access_token"] = issued.AccessToken;
        if (issued.RefreshToken is not null)
        {
            reply["refresh_token"] = issued.RefreshToken;
            reply["expires_in_ms"] = issued.ExpiresInMs;
        }

        return Reply.Ok(reply);
    }

    /// <summary>Python truthiness, which Synapse applies to <c>admin</c> and <c>inhibit_login</c>.</summary>
    private static bool Truthy(JsonNode? node) => node switch
    {
        null => false,
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.String => v.GetValue<string>().Length > 0,
            JsonValueKind.Number => v.ToJsonString() is not ("0" or "0.0"),
            _ => false,
        },
        JsonArray a => a.Count > 0,
        JsonObject o => o.Count > 0,
        _ => false,
    };

    private static string SafeString(JsonObject body, string key, string invalid)
    {
        if (!body.ContainsKey(key))
        {
            throw Errors.BadJson($"{key} must be specified");
        }

        if (body[key] is not JsonValue v || v.GetValueKind() != JsonValueKind.String
            || v.GetValue<string>() is var value && (value.Length > 512 || value.Contains('\0', StringComparison.Ordinal)))
        {
            throw Errors.Unknown(400, invalid);
        }

        return value;
    }
}
