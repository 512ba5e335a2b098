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

    private static readonly AsyncLocal<CallBudget?> Ambient = new();

    /// <summary>The budget of the logical call this code runs in (<see cref="MatrixHttpPipeline.BeginCall"/>), or null.</summary>
    internal static CallBudget? Current => Ambient.Value;

    /// <summary>Makes <paramref name="budget"/> the one every request of this logical call spends (a send's read of the
    /// room's encryption, its key requests and the send itself), until the scope is disposed; an outer call's budget
    /// stays when there is one.</summary>
    internal static IDisposable Scope(CallBudget budget)
    {
        if (Ambient.Value is not null)
        {
            return NoScope.Instance;
        }

        Ambient.Value = budget;
        return new Restore();
    }

    private sealed class Restore : IDisposable
    {
        public void Dispose() => Ambient.Value = null;
    }

    private sealed class NoScope : IDisposable
    {
        public static readonly NoScope Instance = new();

        public void Dispose()
        {
        }
    }
}
