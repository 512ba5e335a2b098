using System.Runtime.CompilerServices;

namespace Solti.Matrix.Events;

/// <summary>One step of <see cref="RoomFollower"/>: an event of the room (null at a page boundary) and the position to
/// save once the step is handled.</summary>
public readonly record struct FollowStep(JsonObject? Event, FollowPosition Position);

/// <summary>Follows a room's timeline forward with <c>/messages?dir=f</c> from a position: every event once, oldest
/// first, as it arrives (an empty page waits <paramref name="poll"/> and asks again). Each step carries the position
/// after it, so a consumer that saves it after handling the step resumes with nothing skipped and nothing repeated. A
/// page without an <c>end</c> token (the spec allows omitting it at the live end) is read again from the same token, its
/// events already handled skipped by id.</summary>
public sealed class RoomFollower(MatrixClient client, TimeSpan poll, int pageSize = 100)
{
    /// <summary>Run after each page is read and before its events are handed out (an encrypted room's reader: one device
    /// sync step, then the events still undecryptable tried again): a sender shares a room key before it sends the
    /// event, so the keys of the page's events have arrived by then.</summary>
    public Func<CancellationToken, Task>? PageRead { get; init; }

    /// <summary>Where following starts when nothing is saved: the room's current end (a backward page of one gives
    /// its token), or, with <paramref name="fromStart"/>, the room's first event.</summary>
    public async Task<FollowPosition> StartAsync(string roomId, bool fromStart, CancellationToken cancellationToken)
    {
        if (fromStart)
        {
            return new FollowPosition(roomId, null, null);
        }

        var now = await client.MessagesAsync(roomId, "b", 1, null, cancellationToken);
        return new FollowPosition(roomId, now["start"]?.GetValue<string>(), null);
    }

    /// <summary>The room's events from <paramref name="start"/> on, oldest first, one step each (and a step without an
    /// event at each page boundary), until <paramref name="cancellationToken"/> is cancelled.</summary>
    public async IAsyncEnumerable<FollowStep> FollowAsync(FollowPosition start, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (from, after) = (start.From, start.After);
        while (!cancellationToken.IsCancellationRequested)
        {
            var page = await client.MessagesAsync(start.RoomId, "f", pageSize, from, cancellationToken);
            if (PageRead is { } pageRead)
            {
                await pageRead(cancellationToken);
            }

            var events = (page["chunk"] as JsonArray ?? []).OfType<JsonObject>().ToList();
            var handled = after is null ? -1 : events.FindIndex(e => EventId(e) == after); // not on the page: none of it handled
            var fresh = events.Skip(handled + 1).ToList();

            foreach (var e in fresh)
            {
                after = EventId(e);
                yield return new FollowStep(e, new FollowPosition(start.RoomId, from, after));
            }

            if (page["end"]?.GetValue<string>() is { } end && events.Count > 0)
            {
                (from, after) = (end, null);
                yield return new FollowStep(null, new FollowPosition(start.RoomId, from, null));
                continue;
            }

            if (fresh.Count == 0)
            {
                await Task.Delay(poll, cancellationToken);
            }
        }
    }

    private static string? EventId(JsonObject e) => e["event_id"]?.GetValue<string>();
}
