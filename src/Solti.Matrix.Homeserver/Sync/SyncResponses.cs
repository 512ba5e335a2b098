using Solti.Matrix.Homeserver.E2ee;

namespace Solti.Matrix.Homeserver.Sync;

/// <summary>Answers <c>/sync</c> as Synapse's sync handler does: to-device messages before <c>since</c> are deleted (the
/// client has them), an initial, full-state or <c>timeout=0</c> sync answers at once, an incremental one waits, without
/// holding the state lock, until something for the user happens (<see cref="State.StreamNotifier"/>) or the timeout ends.
/// Answers are kept per (user, device, token, since, filter, timeout, full_state) for
/// <see cref="Configuration.HomeserverOptions.SyncResponseCacheDuration"/> after they complete (Synapse's
/// <c>sync_response_cache_duration</c>, 2 minutes), and a request identical to one in progress shares its answer; an empty
/// answer after a wait is not kept.</summary>
public sealed class SyncResponses(ServerContext server)
{
    private readonly Lock _sync = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    private sealed class Entry(Task<JsonObject> answer)
    {
        public Task<JsonObject> Answer { get; } = answer;

        /// <summary>When the answer completed (ms); null while in progress.</summary>
        public long? CompletedMs { get; set; }
    }

    public sealed record Request(Requester Requester, long? Since, bool FullState, string? FilterParameter, SyncFilter Filter, int TimeoutMs);

    public Task<JsonObject> AnswerAsync(Request request, CancellationToken cancellation)
    {
        var requester = request.Requester;
        var key = string.Join('\u001f', requester.UserId, requester.DeviceId ?? "", requester.TokenId, request.Since?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "",
            request.FilterParameter ?? "", request.TimeoutMs, request.FullState);
        var time = server.State.Time;
        var lifetime = (long)server.State.Options.SyncResponseCacheDuration.TotalMilliseconds;
        Task<JsonObject> answer;
        lock (_sync)
        {
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            foreach (var stale in _entries.Where(e => e.Value.CompletedMs is { } done && now - done >= lifetime).Select(e => e.Key).ToList())
            {
                _entries.Remove(stale);
            }

            if (_entries.TryGetValue(key, out var entry))
            {
                answer = entry.Answer;
            }
            else
            {
                var computing = ComputeAsync(request);
                entry = new Entry(BodyAsync(computing));
                _entries[key] = entry;
                answer = entry.Answer;
                _ = computing.ContinueWith(
                    t =>
                    {
                        lock (_sync)
                        {
                            if (t.IsCompletedSuccessfully && t.Result.Keep && lifetime > 0)
                            {
                                entry.CompletedMs = time.GetUtcNow().ToUnixTimeMilliseconds();
                            }
                            else if (_entries.GetValueOrDefault(key) == entry)
                            {
                                _entries.Remove(key);
                            }
                        }
                    },
                    CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }
        }

        return answer.WaitAsync(cancellation); // a client that goes away leaves the answer to its retry, as Synapse does
    }

    private static async Task<JsonObject> BodyAsync(Task<(JsonObject Body, bool Keep)> computing) => (await computing).Body;

    /// <summary>The answer, and whether to keep it (not an empty one after a wait, whose next_batch is the since token).</summary>
    private async Task<(JsonObject Body, bool Keep)> ComputeAsync(Request request)
    {
        await Task.Yield(); // never under the caller's locks
        var state = server.State;
        var requester = request.Requester;
        var build = new SyncBuilder(server, requester, request.Since, request.FullState, request.Filter);
        var (first, changes) = server.Locked(() =>
        {
            if (request.Since is { } since && requester.DeviceId is { } deviceId && ToDeviceInbox.Acknowledge(state, requester.UserId, deviceId, since))
            {
                state.Persist();
            }

            return (build.Build(), state.Notifier.Changed);
        });
        if (first.HasUpdates || request.TimeoutMs <= 0 || request.Since is null || request.FullState)
        {
            return (first.Body, true);
        }

        var timeout = Task.Delay(TimeSpan.FromMilliseconds(request.TimeoutMs), state.Time);
        while (true)
        {
            if (await Task.WhenAny(changes, timeout) == timeout)
            {
                var last = server.Locked(build.Build);
                return (last.Body, last.HasUpdates);
            }

            (var result, changes) = server.Locked(() => (build.Build(), state.Notifier.Changed));
            if (result.HasUpdates)
            {
                return (result.Body, true);
            }
        }
    }
}
