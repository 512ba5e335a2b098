using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Solti.Matrix.Hooks;
using Solti.Matrix.Identifiers;
using Solti.Matrix.Outbox;
using Solti.Matrix.Sending;

namespace Solti.Matrix.Relay;

/// <summary>The hooks' room (the URL's <c>?room=</c>, else the configuration file's) and the generic hooks
/// (<c>POST /v1/hooks/generic/{name}</c>, <see cref="GenericHook"/>).</summary>
internal sealed partial class RelayRoutes
{
    private const string GenericPrefix = "/v1/hooks/generic/";

    /// <summary>The room a hook call posts to: <c>?room=</c> when the URL has it (checked as <c>/v1/events</c>' room),
    /// else <paramref name="configured"/> (the file's <c>KEY.room</c>, checked at start); neither is a 400 naming both
    /// ways, and a room outside the allow-list a 403. Null when the call was answered.</summary>
    private async Task<string?> HookRoomAsync(HttpContext context, string? configured, string key)
    {
        var given = context.Request.Query.TryGetValue("room", out var query);
        string room;
        try
        {
            room = !given && configured is not null ? configured : MatrixId.Require(MatrixIdKind.RoomOrAlias, given ? query.ToString() : null, "room");
        }
        catch (ArgumentException e)
        {
            await Reject(context, 400, $"{e.Message} (give ?room= a room id or an alias, percent-encoded: # as %23, or set {key}.room in the relay's --config file)");
            return null;
        }

        if (access.Allow(room, null, client.Session.UserId) is { } forbidden)
        {
            await Refuse(context, forbidden);
            return null;
        }

        return room;
    }

    /// <summary>A generic hook's call: its configured mapping applied to the body (any JSON object), the event checked
    /// against its schema, then durable in the outbox before the 202 <c>{"accepted": 1}</c>. Its transaction id comes
    /// from the hook, the room and the body's hash (or the configured correlation id), so a sender's retry is not a
    /// second event.</summary>
    private async Task GenericHookAsync(HttpContext context, string name)
    {
        if (!config.Generic.TryGetValue(name, out var hook))
        {
            await Reject(context, 404, config.Generic.Count == 0
                ? $"no generic hook named {name}: the relay's --config file configures none (hooks.generic.NAME)"
                : $"no generic hook named {name} (configured: {string.Join(", ", config.Generic.Keys)})");
            return;
        }

        if (await HookRoomAsync(context, hook.Room, "hooks.generic." + name) is not { } room)
        {
            return;
        }

        byte[] body;
        try
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            body = buffer.ToArray();
        }
        catch (BadHttpRequestException e)
        {
            await Reject(context, 400, "the body could not be read: " + e.Message);
            return;
        }

        GenericHookEvent mapped;
        try
        {
            JsonNode? payload;
            try
            {
                payload = JsonNode.Parse(body);
            }
            catch (JsonException e)
            {
                throw new GenericHookException("body", "body: not JSON: " + e.Message);
            }

            mapped = hook.Map(payload, body, room, schemas);
        }
        catch (GenericHookException e)
        {
            var error = new JsonObject { ["error"] = e.Message, ["field"] = e.Field };
            if (e.Errors.Count > 0)
            {
                error["errors"] = new JsonArray([.. e.Errors.Select(x => (JsonNode)x)]);
            }

            metrics.Rejected();
            await Json(context, 400, error);
            return;
        }

        if (await RefuseWhenFullAsync(context))
        {
            return;
        }

        var item = SenderIdentity.Item(client, room, "m.room.message", mapped.Content, mapped.TransactionId) with
        {
            Correlation = mapped.CorrelationId is { } correlation ? Conversation.Correlation(correlation) : null,
        };
        var id = await commits.EnqueueAsync(item);
        Accepted(1);
        await Json(context, 202, new JsonObject { ["accepted"] = 1, ["id"] = id, ["transaction_id"] = mapped.TransactionId });
    }
}
