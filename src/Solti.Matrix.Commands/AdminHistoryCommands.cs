using Solti.Matrix.Errors;
using Solti.Matrix.Identifiers;

namespace Solti.Matrix.Commands;

/// <summary><c>room purge-history</c>, <c>report list|get|delete</c> and <c>background-updates</c>: a room's history,
/// what users report, and the server's background database updates, through the admin API as the modules use it.</summary>
public static class AdminHistoryCommands
{
    /// <summary>The top-level commands (<c>room purge-history</c> is under <c>room</c>: <see cref="PurgeHistory"/>).</summary>
    public static IEnumerable<Command> All() => [Report(), BackgroundUpdates()];

    /// <summary><c>room purge-history ROOM --before POINT [--delete-local-events] [--no-wait]</c>.</summary>
    public static Command PurgeHistory()
    {
        var roomId = new Argument<string>("room_id") { Description = "Room id" };
        var before = new Option<string>("--before") { Description = "Purge up to: " + PurgePoint.Expected, Required = true };
        var deleteLocal = new Option<bool>("--delete-local-events") { Description = "Also purge this server's own users' events (without it Synapse keeps them: on a single-server install nothing goes)" };
        var noWait = new Option<bool>("--no-wait") { Description = "Return at once with the purge's id instead of following it to its end" };
        var command = new Command("purge-history", "Purge a room's history before a time, a duration back from now or an event (async; followed to its end)") { roomId, before, deleteLocal, noWait };
        command.SetAction((parse, ct) => AdminCommands.Run(parse, async admin =>
        {
            var room = MatrixId.Require(MatrixIdKind.Room, parse.GetValue(roomId), "room_id");
            var point = PurgePoint.Parse(parse.GetValue(before), DateTimeOffset.UtcNow)
                ?? throw new ArgumentException($"--before must be {PurgePoint.Expected}; got '{parse.GetValue(before)}'");
            var purgeId = await admin.StartPurgeHistoryAsync(room, point.EventId, point.BeforeTs, parse.GetValue(deleteLocal), ct);
            var status = parse.GetValue(noWait) ? await admin.PurgeHistoryStatusAsync(purgeId, ct) : await admin.WaitForPurgeAsync(purgeId, ct);
            if (status?["status"]?.GetValue<string>() == "failed")
            {
                throw new MatrixException(500, MatrixErrorCodes.Unknown, $"the purge {purgeId} failed: {status["error"]?.GetValue<string>() ?? "no reason given"}");
            }

            return new JsonObject { ["room_id"] = room, ["purge_id"] = purgeId, ["purge_status"] = status?["status"]?.DeepClone() };
        }));
        return command;
    }

    private static Command Report()
    {
        var roomId = new Option<string?>("--room") { Description = "Only reports of this room id" };
        var userId = new Option<string?>("--user") { Description = "Only reports made by this user" };
        var oldest = new Option<bool>("--oldest-first") { Description = "Oldest reports first (default: newest first)" };
        var list = new Command("list", "List event reports (every page)") { roomId, userId, oldest };
        list.SetAction((parse, ct) => AdminCommands.Run(parse, async admin =>
        {
            var room = parse.GetValue(roomId) is { } r ? MatrixId.Require(MatrixIdKind.Room, r, "--room") : null;
            var user = parse.GetValue(userId) is { } u ? MatrixId.Require(MatrixIdKind.User, u, "--user") : null;
            var (reports, total) = await admin.ListEventReportsAsync(room, user, parse.GetValue(oldest) ? "f" : "b", cancellationToken: ct);
            return new JsonObject { ["reports"] = new JsonArray([.. reports]), ["total"] = total };
        }));
        var getId = new Argument<long>("report_id") { Description = "The report's id" };
        var get = new Command("get", "Show one event report with the reported event") { getId };
        get.SetAction((parse, ct) => AdminCommands.Run(parse, async admin =>
            await admin.GetEventReportAsync(parse.GetValue(getId), ct) ?? throw new MatrixException(404, MatrixErrorCodes.NotFound, $"no event report {parse.GetValue(getId)}")));
        var deleteId = new Argument<long>("report_id") { Description = "The report's id" };
        var delete = new Command("delete", "Delete an event report (Synapse 1.79 and later)") { deleteId };
        delete.SetAction((parse, ct) => AdminCommands.Run(parse, async admin =>
        {
            var id = parse.GetValue(deleteId);
            var existed = await admin.GetEventReportAsync(id, ct) is not null;
            if (existed)
            {
                try
                {
                    await admin.DeleteEventReportAsync(id, ct);
                }
                catch (MatrixException e) when (e.IsUnrecognized)
                {
                    throw new MatrixException(e.Status, e.Errcode, "deleting an event report needs Synapse 1.79 or later");
                }
            }

            return new JsonObject { ["report_id"] = id, ["deleted"] = existed };
        }));
        return new Command("report", "Event reports: what users reported to the admins") { list, get, delete };
    }

    private static Command BackgroundUpdates()
    {
        var command = new Command("background-updates", "Show whether Synapse's background database updates run, and the one running on each database");
        command.SetAction((parse, ct) => AdminCommands.Run(parse, admin => admin.BackgroundUpdatesAsync(ct)));
        return command;
    }
}
