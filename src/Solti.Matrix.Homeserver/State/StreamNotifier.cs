namespace Solti.Matrix.Homeserver.State;

/// <summary>Wakes long polls (<c>/sync</c>) when the stream moves: every new stream position (a room event, a to-device
/// message, a device-list change, account data) completes the task that waiters took. Take <see cref="Changed"/> under
/// the state lock while reading the state a decision to wait was based on, so that no change can fall between the read
/// and the wait.</summary>
public sealed class StreamNotifier
{
    private TaskCompletionSource _next = New();

    /// <summary>Completes at the next change after this call.</summary>
    public Task Changed => Volatile.Read(ref _next).Task;

    public void Notify() => Interlocked.Exchange(ref _next, New()).TrySetResult();

    private static TaskCompletionSource New() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
