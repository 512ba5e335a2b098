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

    public TimeSpan Total { get; }

    public TimeSpan Elapsed => _clock.Elapsed;

    public TimeSpan Remaining => Total - _clock.Elapsed;

    public static CallBudget Start(TimeSpan total) => new(total);
}
