namespace Solti.Matrix.Http;

/// <summary>The time one logical call may take, every attempt, wait and session heal included
/// (<see cref="RetryOptions.TotalBudget"/>). A session passes the same budget to the retry after a heal, so a heal
/// never starts the clock again.</summary>
public sealed class CallBudget
{
    private readonly TimeProvider _time;
    private readonly long _started;

    private CallBudget(TimeSpan total, TimeProvider time)
    {
        Total = total;
        _time = time;
        _started = time.GetTimestamp();
    }

    /// <summary>The whole budget.</summary>
    public TimeSpan Total { get; }

    /// <summary>How much of it has been spent.</summary>
    public TimeSpan Elapsed => _time.GetElapsedTime(_started);

    /// <summary>How much is left (negative once overrun).</summary>
    public TimeSpan Remaining => Total - Elapsed;

    /// <summary>A budget of <paramref name="total"/> whose clock (<paramref name="time"/>, the system's by default) starts
    /// now.</summary>
    public static CallBudget Start(TimeSpan total, TimeProvider? time = null) => new(total, time ?? TimeProvider.System);
}
