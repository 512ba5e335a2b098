using System.Text.RegularExpressions;

namespace Solti.Matrix.Homeserver.Faults;

/// <summary>Admin-only test controls under <c>/_solti/testing/v1</c>: faults, token expiry, to-device holds, request counters, unserved requests.</summary>
public static class ControlEndpoints
{
    public const string Prefix = "/_solti/testing/v1";

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.Map("POST", Prefix + "/faults", "control.faults.add", AuthMode.Admin, AddFault);
        routes.Map("GET", Prefix + "/faults", "control.faults.list", AuthMode.Admin, scope => Reply.Ok(new JsonObject
        {
            ["faults"] = new JsonArray([.. scope.Server.Faults.Rules().Select(r => (JsonNode)new JsonObject
            {
                ["fault_id"] = r.Id,
                ["remaining"] = r.Remaining,
            })]),
        }));
        routes.Map("DELETE", Prefix + "/faults", "control.faults.clear", AuthMode.Admin, scope =>
        {
            scope.Server.Faults.Clear();
            return Reply.Empty();
        });
        routes.Map("POST", Prefix + "/expire_token", "control.expire_token", AuthMode.Admin, ExpireToken);
        routes.Map("GET", Prefix + "/counters", "control.counters", AuthMode.Admin, scope => Reply.Ok(new JsonObject
        {
            ["counters"] = new JsonObject([.. scope.Server.Counters.Snapshot().Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))]),
            ["writes"] = scope.Server.Counters.Writes,
            ["in_flight"] = scope.Server.Counters.InFlight,
        }));
        routes.Map("POST", Prefix + "/to_device_hold", "control.to_device_hold", AuthMode.Admin, ToDeviceHold);
        routes.Map("GET", Prefix + "/unserved", "control.unserved", AuthMode.Admin, Unserved);
        routes.Map("DELETE", Prefix + "/unserved", "control.unserved.clear", AuthMode.Admin, scope =>
        {
            scope.Server.Unserved.Clear();
            return Reply.Empty();
        });
        routes.Map("DELETE", Prefix + "/counters", "control.counters.reset", AuthMode.Admin, scope =>
        {
            scope.Server.Counters.Reset();
            return Reply.Empty();
        });
    }

    /// <summary>Method, template, last path, status and count of every request answered <c>M_UNRECOGNIZED</c>.</summary>
    private static Reply Unserved(RequestScope scope) => Reply.Ok(new JsonObject
    {
        ["requests"] = new JsonArray([.. scope.Server.Unserved.Snapshot().Select(e => (JsonNode)new JsonObject
        {
            ["method"] = e.Method,
            ["template"] = e.Template,
            ["path"] = e.LastPath,
            ["status"] = e.Status,
            ["count"] = e.Count,
        })]),
    });

    /// <summary>Body: <c>{path?: regex, method?, endpoint?, status?, errcode?, error?, retry_after_ms?, delay_ms?, drop?, count?}</c>;
    /// <c>count</c> defaults to 1, null applies forever.</summary>
    private static Reply AddFault(RequestScope scope)
    {
        var body = scope.Body;
        Regex? pattern = null;
        if (Json.OptionalString(body, "path") is { } path)
        {
            try
            {
                pattern = new Regex(path, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException e)
            {
                throw Errors.InvalidParam($"'path' is not a valid regular expression: {e.Message}");
            }
        }

        var status = Json.OptionalLong(body, "status");
        if (status is not null and not (>= 400 and <= 599))
        {
            throw Errors.InvalidParam("'status' must be an HTTP error status (400-599)");
        }

        var drop = Json.OptionalBool(body, "drop") ?? false;
        var delay = Json.OptionalLong(body, "delay_ms") ?? 0;
        if (status is null && !drop && delay <= 0)
        {
            throw Errors.InvalidParam("a fault needs 'status', 'drop' or 'delay_ms'");
        }

        var count = body.ContainsKey("count") ? Json.OptionalLong(body, "count") : 1;
        var rule = new FaultRule
        {
            Id = Identifiers.Random("abcdefghijklmnopqrstuvwxyz", 12),
            PathPattern = pattern,
            Method = Json.OptionalString(body, "method"),
            Endpoint = Json.OptionalString(body, "endpoint"),
            Remaining = count is null ? null : (int)Math.Max(1, count.Value),
            Status = (int?)status,
            Errcode = Json.OptionalString(body, "errcode"),
            Error = Json.OptionalString(body, "error"),
            RetryAfterMs = Json.OptionalLong(body, "retry_after_ms"),
            DelayMs = (int)Math.Clamp(delay, 0, 600_000),
            Drop = drop,
        };
        scope.Server.Faults.Add(rule);
        return Reply.Ok(new JsonObject { ["fault_id"] = rule.Id });
    }

    /// <summary>Body: <c>{user_id, device_id, hold}</c>: holds back the device's new to-device messages (queued,
    /// invisible to <c>/sync</c>, never acknowledged) or releases them (then delivered by the next sync).</summary>
    private static Reply ToDeviceHold(RequestScope scope)
    {
        var userId = Json.RequiredString(scope.Body, "user_id");
        var deviceId = Json.RequiredString(scope.Body, "device_id");
        var hold = Json.OptionalBool(scope.Body, "hold") ?? throw Errors.MissingParam("hold");
        if (scope.State.FindDevice(userId, deviceId) is null)
        {
            throw Errors.NotFound("No such device");
        }

        E2ee.ToDeviceInbox.Hold(scope.State, userId, deviceId, hold);
        return Reply.Ok(new JsonObject { ["held"] = hold });
    }

    /// <summary>Expires one token (<c>access_token</c>) or every token of a user or device (<c>user_id</c>, <c>device_id</c>) now.</summary>
    private static Reply ExpireToken(RequestScope scope)
    {
        var body = scope.Body;
        var token = Json.OptionalString(body, "access_token");
        var userId = Json.OptionalString(body, "user_id");
        var deviceId = Json.OptionalString(body, "device_id");
        if (token is null && userId is null)
        {
            throw Errors.MissingParam("access_token");
        }

        var now = scope.State.NowMs;
        var expired = 0;
        foreach (var record in scope.State.Data.AccessTokens.Values)
        {
            if (token is not null ? record.Token == token : record.UserId == userId && (deviceId is null || record.DeviceId == deviceId))
            {
                record.ValidUntilMs = now;
                expired++;
            }
        }

        foreach (var record in scope.State.Data.Mas.AccessTokens.Values.Where(t => !t.Revoked))
        {
            if (Mas.MasIntrospection.Resolve(scope.State, record.Token) is { } info
                && (token is not null ? record.Token == token : info.User?.MatrixId(scope.State.ServerName) == userId && (deviceId is null || info.DeviceId == deviceId)))
            {
                record.ExpiresAtMs = now; // a MAS token (delegated authentication)
                expired++;
            }
        }

        return expired == 0 ? throw Errors.NotFound("No such access token") : Reply.Ok(new JsonObject { ["expired"] = expired });
    }
}
