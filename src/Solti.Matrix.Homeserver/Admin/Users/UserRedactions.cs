namespace Solti.Matrix.Homeserver.Admin.Users;

/// <summary>The admin API's redaction of a user's events, run as Synapse's task scheduler runs it: <c>scheduled</c> when
/// asked, <c>active</c> while it runs, then <c>complete</c> (with the events it could not redact) or <c>failed</c>. It runs
/// in the background right after the request, unless the testing control holds it (it then stays <c>active</c> until
/// released). The user is puppeted: each redaction is sent as the user, in every room asked (empty: the rooms the user is
/// joined to or banned from), newest events first, at most <c>limit</c> per room, of types <c>m.room.message</c>,
/// <c>m.room.encrypted</c> and joins; events already redacted are skipped. A status is kept 24 hours after the task ends.</summary>
public static class UserRedactions
{
    private static readonly string[] RedactedTypes = ["m.room.member", "m.room.message", "m.room.encrypted"];

    /// <summary>How long Synapse keeps a finished task's status.</summary>
    public static readonly TimeSpan StatusLifetime = TimeSpan.FromHours(24);

    public static UserRedactionRecord Schedule(ServerContext server, UserRedactionRecord record)
    {
        var state = server.State;
        state.Data.UserRedactions[record.RedactId] = record;
        if (state.Data.UserRedactionsHeld)
        {
            record.Status = "active"; // held (testing control): it stays active, deterministically, until released
            return record;
        }

        _ = Task.Run(() =>
        {
            lock (state.Sync)
            {
                record.Status = "active";
                Run(server, record);
                state.Persist();
            }
        });
        return record;
    }

    /// <summary>The testing control: holds the redactions asked from then on (<paramref name="hold"/>), or releases the hold
    /// and runs every held task now; how many ran. Called under the state lock.</summary>
    public static int Hold(ServerContext server, bool hold)
    {
        server.State.Data.UserRedactionsHeld = hold;
        if (hold)
        {
            return 0;
        }

        var held = server.State.Data.UserRedactions.Values.Where(r => r.Status == "active").ToList();
        foreach (var record in held)
        {
            Run(server, record);
        }

        return held.Count;
    }

    /// <summary>The task, or null when it never existed or was forgotten (24 hours after it ended).</summary>
    public static UserRedactionRecord? Find(ServerState state, string redactId)
    {
        if (!state.Data.UserRedactions.TryGetValue(redactId, out var record))
        {
            return null;
        }

        if (record.EndedMs is { } ended && state.NowMs - ended >= (long)StatusLifetime.TotalMilliseconds)
        {
            state.Data.UserRedactions.Remove(redactId);
            return null;
        }

        return record;
    }

    private static void Run(ServerContext server, UserRedactionRecord record)
    {
        var state = server.State;
        try
        {
            foreach (var roomId in record.Rooms)
            {
                if (!state.Data.Rooms.TryGetValue(roomId, out var room))
                {
                    throw Http.Errors.NotFound($"Room {roomId} not found");
                }

                var events = room.Timeline
                    .Select(id => state.Data.Events[id])
                    .Where(e => e.Sender == record.UserId && RedactedTypes.Contains(e.Type))
                    .OrderByDescending(e => e.StreamOrdering)
                    .Take(record.Limit)
                    .Where(e => e.Type != "m.room.member" || Json.OptionalString(e.Content, "membership") == "join")
                    .Where(e => e.RedactedBy is null)
                    .ToList();
                foreach (var target in events)
                {
                    Redact(server, room, record, target);
                }
            }

            record.Status = "complete";
        }
        catch (Http.HomeserverErrorException e)
        {
            record.Status = "failed";
            record.Error = e.Message;
        }

        record.EndedMs = state.NowMs;
    }

    /// <summary>Sends the redaction as the user (<c>redacts</c> at the top level before room version 11, in the content
    /// since) and strips the event's content as the redaction algorithm does.</summary>
    private static void Redact(ServerContext server, RoomRecord room, UserRedactionRecord record, EventRecord target)
    {
        var content = record.Reason is null ? new JsonObject() : new JsonObject { ["reason"] = record.Reason };
        var contentRedacts = int.TryParse(room.Version, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version) && version >= 11;
        if (contentRedacts)
        {
            content["redacts"] = target.EventId;
        }

        var redaction = server.Events.Append(room, "m.room.redaction", record.UserId, content, null);
        redaction.Redacts = target.EventId;
        target.RedactedBy = redaction.EventId;
        target.Content = target.Type == "m.room.member"
            ? new JsonObject { ["membership"] = target.Content["membership"]?.DeepClone() }
            : [];
    }
}
