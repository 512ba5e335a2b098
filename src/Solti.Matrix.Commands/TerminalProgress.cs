namespace Solti.Matrix.Commands;

/// <summary>The progress of long work (a <c>config apply</c> of hundreds of actions, an <c>outbox flush</c> of thousands
/// of events) as one line on stderr, redrawn in place with a carriage return: <c>[ 120/2000] delivered …</c>. Only when
/// stderr is a terminal (and <c>TERM</c> is not <c>dumb</c>); piped, redirected or under a scheduler nothing is written,
/// so logs and scripts see only the result. No colour and no escape sequence is ever written, so <c>NO_COLOR</c> holds
/// as it is. Redrawn at most ten times a second; <see cref="Dispose"/> draws the last state and ends the line.</summary>
public sealed class TerminalProgress : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private readonly int _total;
    private readonly System.Diagnostics.Stopwatch _sinceDrawn = System.Diagnostics.Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private int _done;
    private string _detail = "";
    private int _width;
    private bool _drawn;
    private bool _ended;

    private TerminalProgress(int total) => _total = total;

    /// <summary>A progress line for <paramref name="total"/> steps, or null when it would not be shown (or there is
    /// nothing to count).</summary>
    public static TerminalProgress? Start(int total) => TerminalInfo.StderrIsTerminal && total > 0 ? new TerminalProgress(total) : null;

    /// <summary>Records that <paramref name="done"/> of the steps are done, the last one described by
    /// <paramref name="detail"/>; redraws the line when the last drawing is old enough. Safe from any thread.</summary>
    public void Report(int done, string detail)
    {
        lock (_gate)
        {
            (_done, _detail) = (Math.Min(done, _total), detail);
            if (_ended)
            {
                return; // a late report (a timer's) after the line was ended
            }

            if (!_drawn || _sinceDrawn.Elapsed >= Interval)
            {
                Draw();
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_ended)
            {
                return;
            }

            _ended = true;
            Draw();
            Console.Error.Write("\n");
        }
    }

    private void Draw()
    {
        var digits = _total.ToString(System.Globalization.CultureInfo.InvariantCulture).Length;
        var line = $"[{_done.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(digits)}/{_total}] {_detail}";
        var columns = TerminalInfo.Columns;
        if (line.Length > columns - 1)
        {
            line = line[..(columns - 1)]; // one line that the carriage return can go back over: never wrapped
        }

        Console.Error.Write("\r" + line.PadRight(_width));
        _width = line.Length;
        _drawn = true;
        _sinceDrawn.Restart();
    }
}
