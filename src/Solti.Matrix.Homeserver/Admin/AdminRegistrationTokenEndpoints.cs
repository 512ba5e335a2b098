using System.Text.Json;
using System.Text.Json.Nodes;
using Solti.Matrix.Homeserver.Auth;
using Solti.Matrix.Homeserver.Http;
using Solti.Matrix.Homeserver.State;

namespace Solti.Matrix.Homeserver.Admin;

/// <summary>Registration tokens: list (optionally only valid ones), create, get, update, delete.</summary>
public static class AdminRegistrationTokenEndpoints
{
    private const string Path = "/_synapse/admin/v1/registration_tokens";
    private const string TokenAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-";

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.Map("GET", Path, "admin.registration_tokens.list", AuthMode.Admin, scope =>
        {
            var valid = scope.QueryBool("valid");
            var now = scope.State.NowMs;
            var tokens = scope.State.Data.RegistrationTokens.Values
                .Where(t => valid is null || IsValid(t, now) == valid)
                .OrderBy(t => t.Token, StringComparer.Ordinal)
                .Select(t => (JsonNode)Format(t));
            return Reply.Ok(new JsonObject { ["registration_tokens"] = new JsonArray([.. tokens]) });
        });
        routes.Map("POST", Path + "/new", "admin.registration_tokens.create", AuthMode.Admin, Create);
        routes.Map("GET", Path + "/{token}", "admin.registration_tokens.get", AuthMode.Admin, scope => Reply.Ok(Format(Find(scope))));
        routes.Map("PUT", Path + "/{token}", "admin.registration_tokens.update", AuthMode.Admin, scope =>
        {
            var token = Find(scope);
            var body = scope.Body;
            if (body.ContainsKey("uses_allowed"))
            {
                token.UsesAllowed = UsesAllowed(body);
            }

            if (body.ContainsKey("expiry_time"))
            {
                token.ExpiryTime = ExpiryTime(body, scope.State.NowMs);
            }

            return Reply.Ok(Format(token));
        });
        routes.Map("DELETE", Path + "/{token}", "admin.registration_tokens.delete", AuthMode.Admin, scope =>
        {
            scope.State.Data.RegistrationTokens.Remove(Find(scope).Token);
            return Reply.Empty();
        });
    }

    private static Reply Create(RequestScope scope)
    {
        var body = scope.BodyOrEmpty;
        var tokens = scope.State.Data.RegistrationTokens;
        var value = Json.OptionalString(body, "token");
        if (value is not null)
        {
            if (value.Length is 0 or > 64 || value.Any(c => !TokenAlphabet.Contains(c, StringComparison.Ordinal)))
            {
                throw Errors.InvalidParam("token must consist only of characters matched by the regex [A-Za-z0-9._~-] and be at most 64 characters");
            }

            if (tokens.ContainsKey(value))
            {
                throw Errors.InvalidParam($"Token already exists: {value}");
            }
        }
        else
        {
            var length = Json.OptionalLong(body, "length") ?? 16;
            if (length is < 1 or > 64)
            {
                throw Errors.InvalidParam("length must be an integer > 0 and <= 64");
            }

            do
            {
                value = Identifiers.Random(TokenAlphabet[..^4], (int)length);
            }
            while (tokens.ContainsKey(value));
        }

        var token = new RegistrationTokenRecord
        {
            Token = value,
            UsesAllowed = UsesAllowed(body),
            ExpiryTime = ExpiryTime(body, scope.State.NowMs),
        };
        tokens[value] = token;
        return Reply.Ok(Format(token));
    }

    private static RegistrationTokenRecord Find(RequestScope scope)
    {
        var value = scope.Route("token");
        return scope.State.Data.RegistrationTokens.GetValueOrDefault(value) ?? throw Errors.NotFound($"No such registration token: {value}");
    }

    private static int? UsesAllowed(JsonObject body) => body["uses_allowed"] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out var n) && n >= 0 => n,
        _ => throw Errors.InvalidParam("uses_allowed must be a non-negative integer or null"),
    };

    private static long? ExpiryTime(JsonObject body, long now) => body["expiry_time"] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out var t) =>
            t >= now ? t : throw Errors.InvalidParam("expiry_time must not be in the past"),
        _ => throw Errors.InvalidParam("expiry_time must be an integer or null"),
    };

    private static bool IsValid(RegistrationTokenRecord token, long now) =>
        (token.UsesAllowed is null || token.Pending + token.Completed < token.UsesAllowed) && (token.ExpiryTime is null || token.ExpiryTime > now);

    private static JsonObject Format(RegistrationTokenRecord token) => new()
    {
        ["token"] = token.Token,
        ["uses_allowed"] = token.UsesAllowed,
        ["pending"] = token.Pending,
        ["completed"] = token.Completed,
        ["expiry_time"] = token.ExpiryTime,
    };
}
