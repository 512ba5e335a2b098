using System.Diagnostics;

namespace Solti.Matrix.Http;

/// <summary>The time one logical call may take, every attempt, wait and session heal included
/// (<see cref="RetryOptions.TotalBudget"/>). A session passes the same budget to the retry after a heal, so a heal
/// never starts the clock again.</summary>
public sealed class CallBudget
{
    private readonly Stopwatch _clock;

    private CallBudget(TimeSpan total)
    {
        Total = total;
        _clock = Stopwatch.StartNew();
    }

    /// <summary>The whole budget.</summary>
    public TimeSpan Total { get; }

    /// <summary>How much of it has been spent.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>How much is left (negative once overrun).</summary>
    public TimeSpan Remaining => Total - _clock.Elapsed;

    /// <summary>A budget of <paramref name="total"/> whose clock starts now.</summary>
    public static CallBudget Start(TimeSpan total) => new(total);
}
