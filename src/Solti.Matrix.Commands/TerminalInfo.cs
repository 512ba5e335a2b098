namespace Solti.Matrix.Commands;

/// <summary>What the command line knows of its terminal without asking the terminal: asking (<see
/// cref="Console.WindowWidth"/>, cursor or colour queries) makes .NET initialise it and write the terminal's keypad_xmit
/// (<c>ESC[?1h ESC=</c>) into the output. Only the environment and <c>isatty</c> are read.</summary>
public static class TerminalInfo
{
    /// <summary>Whether stderr is a terminal that can take a carriage return (<c>TERM</c> is not <c>dumb</c>).</summary>
    public static bool StderrIsTerminal => !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("TERM") != "dumb";

    /// <summary>The terminal's width from <c>COLUMNS</c> when the shell exports it, else 80.</summary>
    public static int Columns =>
        int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var c) && c >= 20 ? c : 80;
}
