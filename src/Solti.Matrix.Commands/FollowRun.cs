using Solti.Matrix.Encryption;
using Solti.Matrix.Events;

namespace Solti.Matrix.Commands;

/// <summary>One run of <c>events follow</c>: the room's events from the saved position, each printed once when it is a
/// SOLTI event the filters let through, the position saved after each line. In an encrypted room (a
/// <paramref name="decryptor"/>), after each page is read the device does one sync step (its room keys) and the events still
/// pending (reported undecryptable, key awaited) are read again (<c>GET /rooms/{id}/event/{id}</c>): one that decrypts
/// now is printed a second time with <c>decrypted_later</c> (tried at a start, whenever the device's kept room keys
/// changed — this run's sync step or another reader's of the device stored some —, and every <see cref="RetryEvery"/>;
/// each event fetched once per run). The pending ids are kept in the position, so this
/// holds across restarts.</summary>
internal sealed class FollowRun(MatrixClient client, string roomId, string file, SoltiEventLines lines, DateTimeOffset? after, RoomDecryptor? decryptor, int? count)
{
    /// <summary>At most this many events wait for their key; the oldest is given up beyond.</summary>
    private const int MaxPending = 1000;

    /// <summary>How often the pending events are tried again when the device's kept room keys did not change.</summary>
    private static readonly TimeSpan RetryEvery = TimeSpan.FromSeconds(30);

    private readonly List<string> _pending = [];
    private readonly Dictionary<string, JsonObject> _pendingEvents = new(StringComparer.Ordinal);
    private readonly System.Diagnostics.Stopwatch _sinceRetry = new();
    private string? _keysAtRetry;
    private FollowPosition _position = null!;
    private int? _left = count;

    /// <summary>True once <c>--count</c> lines were printed.</summary>
    public bool Done => _left <= 0;

    /// <summary>Follows from <paramref name="start"/> until <see cref="Done"/> or <paramref name="stop"/> is cancelled.</summary>
    public async Task RunAsync(FollowPosition start, TimeSpan poll, CancellationTokenSource stop)
    {
        _position = start;
        _pending.AddRange(start.Pending ?? []);
        var inbox = decryptor?.Inbox();
        var follower = new RoomFollower(client, poll)
        {
            PageRead = inbox is null ? null : async token =>
            {
                var received = await inbox.StepAsync(DeviceInbox.NoWait, token);
                if (received.RoomKeysVersion != _keysAtRetry || _sinceRetry.Elapsed >= RetryEvery)
                {
                    await RetryPendingAsync(token);
                    _keysAtRetry = received.RoomKeysVersion;
                    _sinceRetry.Restart();
                }

                if (Done)
                {
                    await stop.CancelAsync();
                }
            },
        };
        await foreach (var step in follower.FollowAsync(start, stop.Token))
        {
            if (step.Event is { } e)
            {
                await HandleAsync(e, stop.Token);
            }

            Save(step.Position); // after the line is out: nothing is skipped; only a SIGKILL between the two repeats a line
            if (Done)
            {
                return;
            }
        }
    }

    private async Task HandleAsync(JsonObject e, CancellationToken cancellationToken)
    {
        if (after is not null && Timestamp(e) <= after)
        {
            return; // before --since: not printed, decryptable or not
        }

        var read = decryptor is null ? new ReadEvent(e, Encrypted: false) : await decryptor.ReadAsync(roomId, e, cancellationToken);
        if (read.Undecryptable is { } reason)
        {
            Print(lines.UndecryptableLine(read)); // printed whatever the filters: its content is unknown
            if (MayArriveLater(reason) && read.EventId is { } id)
            {
                _pending.Add(id);
                _pendingEvents[id] = e;
                if (_pending.Count > MaxPending)
                {
                    _pendingEvents.Remove(_pending[0]);
                    _pending.RemoveAt(0);
                }
            }
        }
        else
        {
            PrintIfPicked(read, decryptedLater: false);
        }
    }

    /// <summary>The pending events read again: those that decrypt now are printed (when the filters let them through)
    /// and leave the list, as do those that can never decrypt; the others wait on.</summary>
    private async Task RetryPendingAsync(CancellationToken cancellationToken)
    {
        foreach (var id in _pending.ToList())
        {
            if (Done)
            {
                return;
            }

            var e = _pendingEvents.TryGetValue(id, out var kept) ? kept : _pendingEvents[id] = await client.EventAsync(roomId, id, cancellationToken); // fetched once, after a restart
            var read = await decryptor!.ReadAsync(roomId, e, cancellationToken);
            if (read.Undecryptable is { } reason && MayArriveLater(reason))
            {
                continue;
            }

            if (read.Undecryptable is null)
            {
                PrintIfPicked(read, decryptedLater: true);
            }

            _pending.Remove(id);
            _pendingEvents.Remove(id);
            Save(_position);
        }
    }

    private void PrintIfPicked(ReadEvent read, bool decryptedLater)
    {
        if (lines.Pick(read.Event) is { } solti)
        {
            Print(lines.Line(read, solti, decryptedLater));
        }
    }

    private void Print(string line)
    {
        Console.Out.WriteLine(line);
        Console.Out.Flush();
        _left--;
    }

    private void Save(FollowPosition position)
    {
        _position = position with { Pending = _pending.Count > 0 || position.Pending is not null ? [.. _pending] : null };
        _position.Save(file);
    }

    /// <summary>Whether the key of an event undecryptable for this reason may still come (a room key, or one that knows
    /// an earlier index).</summary>
    private static bool MayArriveLater(string reason) =>
        reason is UndecryptableReason.NoKey or UndecryptableReason.Withheld or UndecryptableReason.UnknownIndex;

    private static DateTimeOffset Timestamp(JsonObject e) =>
        DateTimeOffset.FromUnixTimeMilliseconds(e["origin_server_ts"]?.GetValue<long>() ?? 0);
}
