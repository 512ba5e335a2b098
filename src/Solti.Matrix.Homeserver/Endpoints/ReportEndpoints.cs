namespace Solti.Matrix.Homeserver.Endpoints;

/// <summary><c>POST /rooms/{roomId}/report/{eventId}</c>: a user reports an event to the server's admins (read back with
/// the admin API's <c>event_reports</c>).</summary>
public static class ReportEndpoints
{
    public static void Map(IEndpointRouteBuilder routes) =>
        routes.MapClient("POST", "/rooms/{roomId}/report/{eventId}", "rooms.report", AuthMode.User, Report);

    /// <summary>As Synapse's <c>ReportEventRestServlet</c>: <c>reason</c> a string and <c>score</c> an integer when given;
    /// since 1.78 the event must exist and be visible to the reporter
    /// (<see cref="Configuration.Compatibility.ReportChecksEvent"/>); the whole body is kept as the report's content.</summary>
    private static Reply Report(RequestScope scope)
    {
        var state = scope.State;
        var body = scope.Body;
        if (body.ContainsKey("reason") && !(body["reason"] is JsonValue r && r.GetValueKind() == System.Text.Json.JsonValueKind.String))
        {
            throw Errors.BadJson("Param 'reason' must be a string");
        }

        if (body.ContainsKey("score") && !Json.TryGetInteger(body["score"], out _))
        {
            throw Errors.BadJson("Param 'score' must be an integer");
        }

        var (roomId, eventId) = (scope.Route("roomId"), scope.Route("eventId"));
        if (state.Options.Compatibility.ReportChecksEvent
            && (state.Data.Events.GetValueOrDefault(eventId) is not { } e || e.RoomId != roomId
                || state.Data.Rooms.GetValueOrDefault(roomId) is not { } room || scope.Server.Authorizer.Membership(room, scope.Requester.UserId) is null or "invite"))
        {
            throw Errors.NotFound("Unable to report event: it does not exist or you aren't able to see it.");
        }

        state.Data.EventReports.Add(new EventReportRecord
        {
            Id = state.Data.NextEventReportId++,
            ReceivedTs = state.NowMs,
            RoomId = roomId,
            EventId = eventId,
            UserId = scope.Requester.UserId,
            Content = (JsonObject)body.DeepClone(),
        });
        return Reply.Empty();
    }
}
