using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Solti.Matrix.Homeserver.Auth;
using Solti.Matrix.Homeserver.Http;
using Solti.Matrix.Homeserver.State;

namespace Solti.Matrix.Homeserver.Admin;

/// <summary>Shared-secret registration: a single-use nonce, then an account whose request carries
/// HMAC-SHA1(secret, nonce\0user\0password\0admin|notadmin[\0user_type]).</summary>
public static class AdminRegistrationEndpoints
{
    private const string Path = "/_synapse/admin/v1/register";
    private static readonly TimeSpan NonceLifetime = TimeSpan.FromMinutes(1);
    private static readonly Dictionary<string, long> Nonces = [];

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.Map("GET", Path, "admin.register.nonce", AuthMode.None, scope =>
        {
            RequireEnabled(scope);
            var nonce = Identifiers.Nonce();
            lock (Nonces)
            {
                Nonces[nonce] = scope.State.NowMs;
            }

            return Reply.Ok(new JsonObject { ["nonce"] = nonce });
        });
        routes.Map("POST", Path, "admin.register", AuthMode.None, Register);
    }

    private static string RequireEnabled(RequestScope scope) =>
        scope.State.Options.RegistrationSharedSecret ?? throw Errors.Unknown(400, "Shared secret registration is not enabled");

    private static Reply Register(RequestScope scope)
    {
        var secret = RequireEnabled(scope);
        var body = scope.Body;
        var nonce = Json.RequiredString(body, "nonce");
        lock (Nonces)
        {
            if (!Nonces.Remove(nonce, out var issuedAt) || scope.State.NowMs - issuedAt > NonceLifetime.TotalMilliseconds)
            {
                throw Errors.Unknown(400, "unrecognised nonce");
            }
        }

        var username = Json.RequiredString(body, "username");
        var password = Json.RequiredString(body, "password");
        var admin = Json.OptionalBool(body, "admin") ?? false;
        var userType = Json.OptionalString(body, "user_type");
        var mac = Json.RequiredString(body, "mac");
        if (!MatrixIds.IsLocalpart(username))
        {
            throw new MatrixException(400, "M_INVALID_USERNAME", "User ID can only contain characters a-z, 0-9, or '=_-./+'");
        }

        if (userType is not (null or "bot" or "support"))
        {
            throw Errors.InvalidParam("Invalid user type");
        }

        var message = $"{nonce}\0{username}\0{password}\0{(admin ? "admin" : "notadmin")}" + (userType is null ? "" : "\0" + userType);
        var expected = HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(message));
        if (!CryptographicOperations.FixedTimeEquals(expected, Convert.FromHexString(IsHex(mac) ? mac : "")))
        {
            throw Errors.Forbidden("HMAC incorrect");
        }

        var userId = $"@{username}:{scope.State.ServerName}";
        if (scope.State.FindUser(userId) is not null)
        {
            throw Errors.UserInUse();
        }

        scope.State.Data.Users[userId] = new UserRecord
        {
            UserId = userId,
            PasswordHash = PasswordHasher.Hash(password),
            DisplayName = Json.OptionalString(body, "displayname") ?? username,
            Admin = admin,
            UserType = userType,
            CreationTsMs = scope.State.NowMs,
        };
        var deviceId = Identifiers.DeviceId();
        SessionTokens.EnsureDevice(scope.State, userId, deviceId, null);
        var issued = SessionTokens.IssueForDevice(scope.State, userId, deviceId, refreshable: false);
        return Reply.Ok(new JsonObject
        {
            ["access_token"] = issued.AccessToken,
            ["user_id"] = userId,
            ["home_server"] = scope.State.ServerName,
            ["device_id"] = deviceId,
        });
    }

    private static bool IsHex(string value) => value.Length % 2 == 0 && value.All(char.IsAsciiHexDigit);
}
