using System.Globalization;

namespace Solti.Matrix;

/// <summary>A room's history and what users report: history purges (async, with their status), event reports, and the
/// status of the server's background database updates.</summary>
public partial class SynapseAdminClient
{
    /// <summary>Starts a purge of <paramref name="roomId"/>'s history before an event (<paramref name="eventId"/>) or a
    /// time (<paramref name="beforeTs"/>, ms since the epoch); returns the purge's id. Without
    /// <paramref name="deleteLocalEvents"/> Synapse keeps the events of its own users.</summary>
    public virtual async Task<string> StartPurgeHistoryAsync(string roomId, string? eventId, long? beforeTs, bool deleteLocalEvents, CancellationToken cancellationToken = default)
    {
        var body = new JsonObject { ["delete_local_events"] = deleteLocalEvents };
        if (eventId is not null)
        {
            body["purge_up_to_event_id"] = eventId;
        }
        else
        {
            body["purge_up_to_ts"] = beforeTs;
        }

        var started = await Session.SendAsync(MatrixRequest.Post(MatrixPath.Build(MatrixPath.Admin, "v1", "purge_history", PathPart.Value(roomId)), body, idempotent: false), cancellationToken);
        return started["purge_id"]!.GetValue<string>();
    }

    /// <summary>A purge's status: <c>{status: active|complete|failed, error?}</c>; null when the server does not know
    /// the id (never started, or forgotten: Synapse keeps a finished purge's status for a day).</summary>
    public virtual Task<JsonObject?> PurgeHistoryStatusAsync(string purgeId, CancellationToken cancellationToken = default) =>
        Session.GetOrNullAsync(MatrixPath.Build(MatrixPath.Admin, "v1", "purge_history_status", PathPart.Value(purgeId)), cancellationToken);

    /// <summary>Follows a purge until it is no longer <c>active</c> (<see cref="FollowAsync"/>); the last status (still
    /// <c>active</c> when the budget ran out).</summary>
    public virtual Task<JsonObject> WaitForPurgeAsync(string purgeId, CancellationToken cancellationToken = default) =>
        FollowAsync(
            async ct => await PurgeHistoryStatusAsync(purgeId, ct)
                ?? throw new MatrixException(404, MatrixErrorCodes.NotFound, $"purge {purgeId} is unknown to the server (a purge's status is kept a day, and not across a restart)"),
            status => status == "active",
            cancellationToken);

    /// <summary>Follows one of Synapse's async admin tasks (a history purge, a user's redaction) while its status is
    /// <paramref name="running"/>, polling with the retry backoff within the client's total budget on its clock; the last
    /// status (still running when the budget ran out: the task goes on in the background).</summary>
    private async Task<JsonObject> FollowAsync(Func<CancellationToken, Task<JsonObject>> read, Func<string?, bool> running, CancellationToken cancellationToken)
    {
        var options = Session.Http.Options;
        var budget = CallBudget.Start(options.Retry.TotalBudget, options.Time);
        for (var attempt = 0; ; attempt++)
        {
            var status = await read(cancellationToken);
            var delay = Http.RetryRule.Backoff(attempt, options.Retry, Random.Shared.NextDouble());
            if (!running(status["status"]?.GetValue<string>()) || budget.Remaining <= delay)
            {
                return status;
            }

            await Task.Delay(delay, options.Time, cancellationToken);
        }
    }

    /// <summary>Whether background updates run, and the one running on each database (<c>{enabled, current_updates:
    /// {db: {name, total_item_count, total_duration_ms, average_items_per_ms}}}</c>).</summary>
    public virtual async Task<JsonObject> BackgroundUpdatesAsync(CancellationToken cancellationToken = default) =>
        (JsonObject)(await Session.SendAsync(MatrixRequest.Get(MatrixPath.Admin + "/v1/background_updates/status"), cancellationToken)).DeepClone();

    /// <summary>Event reports across every page up to <paramref name="cap"/>, filtered as Synapse filters them
    /// (<paramref name="roomId"/> and <paramref name="userId"/>, the reporter, match as substrings), newest first unless
    /// <paramref name="dir"/> is <c>f</c>; with the total Synapse counts.</summary>
    public virtual Task<(List<JsonObject> Reports, int Total)> ListEventReportsAsync(string? roomId, string? userId, string dir, int cap = int.MaxValue, CancellationToken cancellationToken = default) =>
        OffsetPagesAsync(MatrixPath.Admin + "/v1/event_reports", "&dir=" + dir + (roomId is null ? "" : "&room_id=" + Uri.EscapeDataString(roomId)) + (userId is null ? "" : "&user_id=" + Uri.EscapeDataString(userId)),
            "event_reports", "total", "next_token", cap, cancellationToken);

    /// <summary>One event report with the reported event's JSON, or null when there is none of that id.</summary>
    public virtual Task<JsonObject?> GetEventReportAsync(long reportId, CancellationToken cancellationToken = default) =>
        Session.GetOrNullAsync(MatrixPath.Build(MatrixPath.Admin, "v1", "event_reports", reportId.ToString(CultureInfo.InvariantCulture)), cancellationToken);

    /// <summary>Deletes an event report (Synapse 1.79 and later; older ones do not serve it:
    /// <see cref="MatrixException.IsUnrecognized"/>).</summary>
    public virtual Task DeleteEventReportAsync(long reportId, CancellationToken cancellationToken = default) =>
        Session.SendAsync(MatrixRequest.Delete(MatrixPath.Build(MatrixPath.Admin, "v1", "event_reports", reportId.ToString(CultureInfo.InvariantCulture))), cancellationToken);
}
