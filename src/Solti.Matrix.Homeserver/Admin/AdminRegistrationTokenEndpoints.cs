using System.Text.Json;

namespace Solti.Matrix.Homeserver.Admin;

/// <summary>Synapse's registration-token admin API (<c>/_synapse/admin/v1/registration_tokens</c>).</summary>
public static class AdminRegistrationTokenEndpoints
{
    private const string Path = "/_synapse/admin/v1/registration_tokens";
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-";

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.Map("GET", Path, "admin.registration_tokens.list", AuthMode.Admin, List);
        routes.Map("POST", Path + "/new", "admin.registration_tokens.new", AuthMode.Admin, New);
        routes.Map("GET", Path + "/{token}", "admin.registration_tokens.get", AuthMode.Admin, Get);
        routes.Map("PUT", Path + "/{token}", "admin.registration_tokens.put", AuthMode.Admin, Put);
        routes.Map("DELETE", Path + "/{token}", "admin.registration_tokens.delete", AuthMode.Admin, Delete);
    }

    private static Reply List(RequestScope scope)
    {
        var valid = scope.QueryBool("valid");
        var now = scope.State.NowMs;
        var tokens = new JsonArray();
        foreach (var record in scope.State.Data.RegistrationTokens.Values)
        {
            if (valid is null || IsValid(record, now) == valid)
            {
                tokens.Add(Render(record));
            }
        }

        return Reply.Ok(new JsonObject { ["registration_tokens"] = tokens });
    }

    private static Reply New(RequestScope scope)
    {
        var state = scope.State;
        var body = scope.Body;
        string token;
        if (body.ContainsKey("token"))
        {
            token = body["token"] is JsonValue v && v.GetValueKind() == JsonValueKind.String
                ? v.GetValue<string>()
                : throw Errors.InvalidParam("token must be a string");
            if (token.Length is 0 or > 64)
            {
                throw Errors.InvalidParam("token must not be empty and must not be longer than 64 characters");
            }

            if (token.Any(c => !Alphabet.Contains(c, StringComparison.Ordinal)))
            {
                throw Errors.InvalidParam("token must consist only of characters matched by the regex [A-Za-z0-9-_]");
            }
        }
        else
        {
            var length = body["length"] switch
            {
                null => 16,
                JsonValue l when l.GetValueKind() == JsonValueKind.Number && l.TryGetValue<long>(out var n) => n,
                _ => throw Errors.InvalidParam("length must be an integer"),
            };
            if (length is <= 0 or > 64)
            {
                throw Errors.InvalidParam("length must be greater than zero and not greater than 64");
            }

            do
            {
                token = Identifiers.Random(Alphabet, (int)length);
            }
            while (state.Data.RegistrationTokens.ContainsKey(token));
        }

        var usesAllowed = UsesAllowed(body);
        var expiry = ExpiryTime(state, body);
        if (state.Data.RegistrationTokens.ContainsKey(token))
        {
            throw Errors.InvalidParam($"Token already exists: {token}");
        }

        var record = new RegistrationTokenRecord { Token = token, UsesAllowed = usesAllowed, ExpiryTime = expiry };
        state.Data.RegistrationTokens[token] = record;
        return Reply.Ok(Render(record));
    }

    private static Reply Get(RequestScope scope) => Reply.Ok(Render(Find(scope)));

    private static Reply Put(RequestScope scope)
    {
        var body = scope.Body;
        var usesAllowed = body.ContainsKey("uses_allowed") ? UsesAllowed(body) : null;
        var expiry = body.ContainsKey("expiry_time") ? ExpiryTime(scope.State, body) : null;
        var record = Find(scope);
        if (body.ContainsKey("uses_allowed"))
        {
            record.UsesAllowed = usesAllowed;
        }

        if (body.ContainsKey("expiry_time"))
        {
            record.ExpiryTime = expiry;
        }

        return Reply.Ok(Render(record));
    }

    private static Reply Delete(RequestScope scope)
    {
        var record = Find(scope);
        scope.State.Data.RegistrationTokens.Remove(record.Token);
        return Reply.Empty();
    }

    private static RegistrationTokenRecord Find(RequestScope scope)
    {
        var token = scope.Route("token");
        return scope.State.Data.RegistrationTokens.GetValueOrDefault(token) ?? throw Errors.NotFound($"No such registration token: {token}");
    }

    private static int? UsesAllowed(JsonObject body) => body["uses_allowed"] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out var n) && n >= 0 => n,
        _ => throw Errors.InvalidParam("uses_allowed must be a non-negative integer or null"),
    };

    private static long? ExpiryTime(ServerState state, JsonObject body)
    {
        long? expiry = body["expiry_time"] switch
        {
            null => null,
            JsonValue v when v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out var n) => n,
            _ => throw Errors.InvalidParam("expiry_time must be an integer or null"),
        };
        if (expiry < state.NowMs)
        {
            throw Errors.InvalidParam("expiry_time must not be in the past");
        }

        return expiry;
    }

    /// <summary>Usable for registration: uses left and not expired (Synapse's <c>valid=true</c> filter).</summary>
    private static bool IsValid(RegistrationTokenRecord record, long now) =>
        (record.UsesAllowed is null || record.Pending + record.Completed < record.UsesAllowed)
        && (record.ExpiryTime is null || record.ExpiryTime > now);

    private static JsonObject Render(RegistrationTokenRecord record) => new()
    {
        ["token"] = record.Token,
        ["uses_allowed"] = record.UsesAllowed,
        ["pending"] = record.Pending,
        ["completed"] = record.Completed,
        ["expiry_time"] = record.ExpiryTime,
    };
}
