using System.Globalization;
using Solti.Matrix.Homeserver.Admin.Rooms;

namespace Solti.Matrix.Homeserver.Admin;

/// <summary>A room's history and what users report in it: history purges with their status, event reports (list, one,
/// delete), and the status of background database updates; and the testing controls that hold a purge in
/// <c>active</c> and show a running background update.</summary>
public static class AdminHistoryEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.Map("POST", "/_synapse/admin/v1/purge_history/{roomId}", "admin.purge_history", AuthMode.Admin, scope => Purge(scope, null));
        routes.Map("POST", "/_synapse/admin/v1/purge_history/{roomId}/{eventId}", "admin.purge_history", AuthMode.Admin, scope => Purge(scope, scope.Route("eventId")));
        routes.Map("GET", "/_synapse/admin/v1/purge_history_status/{purgeId}", "admin.purge_history_status", AuthMode.Admin, scope =>
        {
            var id = scope.Route("purgeId");
            return Reply.Ok(scope.Server.Purges.Status(id) ?? throw Errors.NotFound($"purge id '{id}' not found"));
        });
        routes.Map("GET", "/_synapse/admin/v1/background_updates/status", "admin.background_updates.status", AuthMode.Admin, scope => Reply.Ok(new JsonObject
        {
            ["enabled"] = true,
            ["current_updates"] = scope.Server.RunningBackgroundUpdate is { } update ? new JsonObject { ["master"] = update.DeepClone() } : new JsonObject(),
        }));
        routes.Map("GET", "/_synapse/admin/v1/event_reports", "admin.event_reports.list", AuthMode.Admin, ListReports);
        routes.Map("GET", "/_synapse/admin/v1/event_reports/{reportId}", "admin.event_reports.get", AuthMode.Admin, scope =>
        {
            var report = Report(scope);
            var json = Format(scope.Server, report);
            json["event_json"] = scope.State.Data.Events.GetValueOrDefault(report.EventId) is { } e ? scope.Server.Events.Render(e, null) : null;
            return Reply.Ok(json);
        });
        routes.Map("DELETE", "/_synapse/admin/v1/event_reports/{reportId}", "admin.event_reports.delete", AuthMode.None, DeleteReport);

        routes.Map("POST", Faults.ControlEndpoints.Prefix + "/purge_hold", "control.purge_hold", AuthMode.Admin, scope =>
            Reply.Ok(new JsonObject { ["released"] = scope.Server.Purges.Hold(Json.OptionalBool(scope.Body, "hold") ?? throw Errors.MissingParam("hold")) }));
        routes.Map("POST", Faults.ControlEndpoints.Prefix + "/background_update", "control.background_update", AuthMode.Admin, scope =>
        {
            scope.Server.RunningBackgroundUpdate = Json.OptionalObject(scope.Body, "update")?.DeepClone() as JsonObject;
            return Reply.Empty();
        });
    }

    /// <summary>As Synapse's <c>PurgeHistoryRestServlet</c>: the point is an event (in the path or
    /// <c>purge_up_to_event_id</c>) or the room's last event before <c>purge_up_to_ts</c>; every non-state event before it
    /// is deleted in the background, but local users' events unless <c>delete_local_events</c>.</summary>
    private static Reply Purge(RequestScope scope, string? eventId)
    {
        var state = scope.State;
        var roomId = scope.Route("roomId");
        var body = scope.BodyOrEmpty;
        var deleteLocal = Truthy(body["delete_local_events"]);
        eventId ??= Json.OptionalString(body, "purge_up_to_event_id");
        EventRecord point;
        if (eventId is not null)
        {
            point = state.Data.Events.GetValueOrDefault(eventId) ?? throw Errors.NotFound("Could not find event " + eventId);
            if (point.RoomId != roomId)
            {
                throw Errors.Unknown(400, "Event is for wrong room.");
            }
        }
        else if (body.ContainsKey("purge_up_to_ts"))
        {
            if (body["purge_up_to_ts"] is not JsonValue value || value.GetValueKind() != System.Text.Json.JsonValueKind.Number || !Json.TryGetInteger(value, out var ts))
            {
                throw Errors.BadJson("purge_up_to_ts must be an int");
            }

            point = (state.Data.Rooms.GetValueOrDefault(roomId)?.Timeline ?? []).Select(id => state.Data.Events[id]).LastOrDefault(e => e.OriginServerTs < ts)
                ?? throw Errors.NotFound("there is no event to be purged");
        }
        else
        {
            throw Errors.BadJson("must specify purge_up_to_event_id or purge_up_to_ts");
        }

        var before = point.StreamOrdering;
        var purgeId = scope.Server.Purges.Start(roomId, () => PurgeBefore(state, roomId, before, deleteLocal));
        return Reply.Ok(new JsonObject { ["purge_id"] = purgeId });
    }

    /// <summary>Deletes the room's events before stream position <paramref name="before"/>, keeping state events (Synapse
    /// keeps the room's state) and, without <paramref name="deleteLocal"/>, local users' events
    /// (<see cref="Configuration.Compatibility.PurgeKeepsLocalByEventId"/> on 1.67).</summary>
    private static void PurgeBefore(ServerState state, string roomId, long before, bool deleteLocal)
    {
        if (!state.Data.Rooms.TryGetValue(roomId, out var room))
        {
            return;
        }

        var byEventId = state.Options.Compatibility.PurgeKeepsLocalByEventId;
        bool Kept(EventRecord e) => e.StreamOrdering >= before || e.StateKey is not null
            || (!deleteLocal && (byEventId ? e.EventId.EndsWith(":" + state.ServerName, StringComparison.Ordinal) : state.IsLocal(e.Sender)));
        var purged = room.Timeline.Where(id => !Kept(state.Data.Events[id])).ToHashSet(StringComparer.Ordinal);
        room.Timeline.RemoveAll(purged.Contains);
        foreach (var id in purged)
        {
            state.Data.Events.Remove(id);
        }

        foreach (var key in state.Data.Transactions.Where(t => purged.Contains(t.Value.EventId)).Select(t => t.Key).ToList())
        {
            state.Data.Transactions.Remove(key);
        }
    }

    /// <summary>Python's <c>bool()</c> of a JSON value.</summary>
    private static bool Truthy(JsonNode? node) => node switch
    {
        null => false,
        JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.True => true,
        JsonValue v when v.GetValueKind() is System.Text.Json.JsonValueKind.False or System.Text.Json.JsonValueKind.Null => false,
        JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.Number => v.ToJsonString() is not ("0" or "0.0"),
        JsonValue v => v.GetValue<string>().Length > 0,
        JsonArray a => a.Count > 0,
        JsonObject o => o.Count > 0,
        _ => false,
    };

    /// <summary>As Synapse's <c>EventReportsRestServlet</c>: <c>user_id</c> and <c>room_id</c> match as substrings, newest
    /// first unless <c>dir=f</c>; reports of rooms the server no longer knows are left out (and not counted).</summary>
    private static Reply ListReports(RequestScope scope)
    {
        var start = scope.QueryInt("from", 0, int.MinValue);
        var limit = scope.QueryInt("limit", 100, int.MinValue);
        if (start < 0)
        {
            throw Errors.InvalidParam("The start parameter must be a positive integer.");
        }

        if (limit < 0)
        {
            throw Errors.InvalidParam("The limit parameter must be a positive integer.");
        }

        var dir = scope.Query("dir") ?? "b";
        if (dir is not ("b" or "f"))
        {
            throw Errors.InvalidParam("Unknown direction: " + dir);
        }

        var (userId, roomId) = (scope.Query("user_id"), scope.Query("room_id"));
        var matching = scope.State.Data.EventReports
            .Where(r => KnownRoom(scope.State, r.RoomId) is not null)
            .Where(r => string.IsNullOrEmpty(userId) || r.UserId.Contains(userId, StringComparison.Ordinal))
            .Where(r => string.IsNullOrEmpty(roomId) || r.RoomId.Contains(roomId, StringComparison.Ordinal));
        var ordered = (dir == "b" ? matching.OrderByDescending(r => r.ReceivedTs).ThenByDescending(r => r.Id) : matching.OrderBy(r => r.ReceivedTs).ThenBy(r => r.Id)).ToList();
        var page = ordered.Skip(start).Take(limit).Select(r => (JsonNode)Format(scope.Server, r)).ToList();
        var reply = new JsonObject { ["event_reports"] = new JsonArray([.. page]), ["total"] = ordered.Count };
        if ((long)start + limit < ordered.Count)
        {
            reply["next_token"] = start + page.Count;
        }

        return Reply.Ok(reply);
    }

    private static Reply DeleteReport(RequestScope scope)
    {
        var compatibility = scope.State.Options.Compatibility;
        if (!compatibility.DeletesEventReports)
        {
            throw Errors.Unrecognized(compatibility.UnrecognizedStatus(405)); // before Synapse 1.79 only GET is served here
        }

        scope.RequesterOrNull = AccessTokenAuthenticator.Authenticate(scope.State, scope.Context);
        if (!scope.Requester.IsAdmin)
        {
            throw Errors.NotAdmin();
        }

        scope.State.Data.EventReports.Remove(Report(scope));
        return Reply.Empty();
    }

    private static EventReportRecord Report(RequestScope scope)
    {
        if (!long.TryParse(scope.Route("reportId"), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var id) || id < 0)
        {
            throw Errors.InvalidParam("The report_id parameter must be a string representing a positive integer.");
        }

        return scope.State.Data.EventReports.FirstOrDefault(r => r.Id == id && KnownRoom(scope.State, r.RoomId) is not null)
            ?? throw Errors.NotFound("Event report not found");
    }

    private static RoomRecord? KnownRoom(ServerState state, string roomId) =>
        state.Data.Rooms.GetValueOrDefault(roomId) is { CurrentState.Count: > 0 } room ? room : null;

    /// <summary>A report as Synapse lists it: the reported event's sender, the room's name and canonical alias.</summary>
    private static JsonObject Format(ServerContext server, EventReportRecord report)
    {
        var room = KnownRoom(server.State, report.RoomId)!;
        string? Content(string type, string key) =>
            server.Events.StateEvent(room, type, "")?.Content[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        return new JsonObject
        {
            ["id"] = report.Id,
            ["received_ts"] = report.ReceivedTs,
            ["room_id"] = report.RoomId,
            ["event_id"] = report.EventId,
            ["user_id"] = report.UserId,
            ["score"] = report.Content["score"]?.DeepClone(),
            ["reason"] = report.Content["reason"]?.DeepClone(),
            ["sender"] = server.State.Data.Events.GetValueOrDefault(report.EventId)?.Sender,
            ["canonical_alias"] = Content("m.room.canonical_alias", "alias"),
            ["name"] = Content("m.room.name", "name"),
        };
    }
}
