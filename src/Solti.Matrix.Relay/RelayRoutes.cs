using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Solti.Matrix.Alerts;
using Solti.Matrix.Events;
using Solti.Matrix.Hooks;
using Solti.Matrix.Identifiers;
using Solti.Matrix.Outbox;

namespace Solti.Matrix.Relay;

/// <summary>The relay's endpoints: <c>POST /v1/events</c>, <c>POST /v1/hooks/alertmanager</c>,
/// <c>POST /v1/hooks/grafana</c>, <c>POST /v1/hooks/generic/{name}</c> (RelayRoutes.Hooks.cs), <c>GET /v1/status</c>, <c>GET /metrics</c>; anything else is a 404 that names them.</summary>
internal sealed partial class RelayRoutes(OutboxStore store, MatrixClient client, SchemaRegistry schemas, OutboxDelivery delivery, GroupCommit commits, Backpressure backpressure, RelayMetrics metrics, RelayAccess access, HookConfig config)
{
    private readonly AlertHooks _hooks = new(store, client, schemas, commits);

    public async Task HandleAsync(HttpContext context)
    {
        var (method, path) = (context.Request.Method, context.Request.Path.Value ?? "");
        if (access.Authenticate(context.Request) is { } unauthenticated)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"solti-matrix-relay\"";
            await Refuse(context, unauthenticated);
            return;
        }

        switch (method, path)
        {
            case ("POST", "/v1/events"):
                await AcceptAsync(context);
                break;
            case ("POST", _) when AlertHooks.SourceOf(path) is { } source:
                await HookAsync(context, source);
                break;
            case ("POST", _) when path.StartsWith(GenericPrefix, StringComparison.Ordinal):
                await GenericHookAsync(context, path[GenericPrefix.Length..]);
                break;
            case ("GET", "/metrics"):
                await Text(context, 200, metrics.Render(), "text/plain; version=0.0.4");
                break;
            case ("GET", "/v1/status"):
                var stats = store.Stats();
                await Json(context, 200, new JsonObject { ["pending"] = stats.Pending, ["delivered"] = stats.Delivered, ["dead"] = stats.Dead, ["oldest_pending_seconds"] = stats.OldestPendingAge?.TotalSeconds });
                break;
            default:
                await Json(context, 404, new JsonObject { ["error"] = $"no such endpoint: {method} {path} (POST /v1/events, POST /v1/hooks/alertmanager, POST /v1/hooks/grafana, POST /v1/hooks/generic/NAME, GET /v1/status, GET /metrics)" });
                break;
        }
    }

    /// <summary>Body: see <see cref="EventRequest"/>. 202 only after the commit is on disk.</summary>
    private async Task AcceptAsync(HttpContext context)
    {
        JsonObject body;
        try
        {
            body = await JsonNode.ParseAsync(context.Request.Body) as JsonObject ?? throw new JsonException("expected a JSON object");
        }
        catch (Exception e) when (e is JsonException or BadHttpRequestException)
        {
            await Reject(context, 400, "the body is not a JSON object: " + e.Message);
            return;
        }

        EventRequest request;
        try
        {
            request = EventRequest.Parse(body, schemas);
        }
        catch (Exception e) when (e is ArgumentException or SchemaValidationException)
        {
            var error = new JsonObject { ["error"] = e.Message };
            if (e is SchemaValidationException invalid)
            {
                error["errors"] = new JsonArray([.. invalid.Errors.Select(x => (JsonNode)x)]);
            }

            metrics.Rejected();
            await Json(context, 400, error);
            return;
        }

        if (access.Allow(request.Room, request.Sender, client.Session.UserId) is { } forbidden)
        {
            await Refuse(context, forbidden);
            return;
        }

        if (await RefuseWhenFullAsync(context))
        {
            return;
        }

        var item = SenderIdentity.Item(client, request.Sender, request.Room, request.EventType, request.Content, request.TxnId) with
        {
            Correlation = request.Links.Correlation,
            Relation = request.Links.Relation,
        };
        try
        {
            if (item.Relation is { } relation)
            {
                store.Check(item.Homeserver, item.Room, relation, item.UserId);
            }
        }
        catch (ConversationException e)
        {
            await Reject(context, 400, e.Message);
            return;
        }

        var id = await commits.EnqueueAsync(item);
        Accepted(1);
        await Json(context, 202, new JsonObject { ["queued"] = true, ["id"] = id, ["transaction_id"] = request.TxnId });
    }

    /// <summary>A webhook call: <c>?room=</c> (an id or a percent-encoded alias) checked as <c>/v1/events</c> checks
    /// its room, else the configuration file's (<see cref="HookRoomAsync"/>), the body read as <paramref name="source"/>'s payload, its new events durable before the 202
    /// <c>{"accepted": N}</c>.</summary>
    private async Task HookAsync(HttpContext context, AlertSource source)
    {
        if (await HookRoomAsync(context, config.AlertRoom(source), "hooks." + HookConfig.KeyOf(source)) is not { } room)
        {
            return;
        }

        AlertNotification notification;
        try
        {
            using var reader = new StreamReader(context.Request.Body);
            notification = AlertHooks.Parse(source, await reader.ReadToEndAsync());
        }
        catch (AlertPayloadException e)
        {
            metrics.Rejected();
            await Json(context, 400, new JsonObject { ["error"] = e.Message, ["field"] = e.Field });
            return;
        }
        catch (BadHttpRequestException e)
        {
            await Reject(context, 400, "the body could not be read: " + e.Message);
            return;
        }

        if (await RefuseWhenFullAsync(context))
        {
            return;
        }

        var accepted = await _hooks.AcceptAsync(notification, room);
        Accepted(accepted);
        await Json(context, 202, new JsonObject { ["accepted"] = accepted });
    }

    /// <summary>Counts <paramref name="count"/> events made durable (metrics, backpressure) and wakes delivery.</summary>
    private void Accepted(int count)
    {
        for (var i = 0; i < count; i++)
        {
            metrics.Accepted();
            backpressure.Accepted();
        }

        delivery.Wake();
    }

    /// <summary>Answers 503 with <c>Retry-After</c> and returns true when the outbox is full.</summary>
    private async Task<bool> RefuseWhenFullAsync(HttpContext context)
    {
        if (!backpressure.IsFull(out var pending))
        {
            return false;
        }

        context.Response.Headers.RetryAfter = "5";
        await Reject(context, 503, $"the outbox is full ({pending} events waiting for the homeserver); retry later");
        return true;
    }

    private Task Refuse(HttpContext context, RelayAccess.Refusal refusal)
    {
        metrics.Rejected();
        return Json(context, refusal.Status, new JsonObject { ["errcode"] = refusal.Errcode, ["error"] = refusal.Error });
    }

    private Task Reject(HttpContext context, int status, string message)
    {
        metrics.Rejected();
        return Json(context, status, new JsonObject { ["error"] = message });
    }

    private static Task Json(HttpContext context, int status, JsonObject body) => Text(context, status, body.ToJsonString(), "application/json");

    private static async Task Text(HttpContext context, int status, string body, string contentType)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        await context.Response.WriteAsync(body);
    }
}
