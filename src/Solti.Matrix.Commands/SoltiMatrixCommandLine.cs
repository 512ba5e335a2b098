using Solti.Matrix.Hosting;

namespace Solti.Matrix.Commands;

/// <summary>The command line of <c>solti-matrix</c>, which <c>solti-matrix-relay</c> carries too: the shared settings,
/// every command, the parse and its usage errors (exit 2). Only <c>relay</c> differs between the two binaries.</summary>
public static class SoltiMatrixCommandLine
{
    public static async Task<int> RunAsync(string[] args, Func<ParseResult, CancellationToken, Task> relay)
    {
        // Raw bytes to fds 1 and 2: Console would emit the terminal's keypad_xmit first (ESC[?1h ESC=) under a real TERM.
        RawStandardStreams.ReplaceConsole();

        var root = new RootCommand("solti-matrix: send events to Matrix rooms with a self-healing session");
        foreach (var option in CliSettings.All)
        {
            root.Options.Add(option);
        }

        root.Subcommands.Add(SendCommand.Create());
        root.Subcommands.Add(SessionCommands.Login());
        root.Subcommands.Add(SessionCommands.Logout());
        root.Subcommands.Add(SessionCommands.WhoAmI());
        root.Subcommands.Add(ConfigCommand.Create());
        root.Subcommands.Add(OutboxCommands.Create());
        root.Subcommands.Add(RelayCommand.Create(relay));
        root.Subcommands.Add(GenerateCommand.Create());
        root.Subcommands.Add(CryptoCommands.Create());
        foreach (var command in EventCommands.All())
        {
            root.Subcommands.Add(command);
        }

        foreach (var command in AdminCommands.All())
        {
            root.Subcommands.Add(command);
        }

        // Help wraps at the width COLUMNS gives: asking the terminal for its width would write keypad_xmit into the help.
        foreach (var help in root.Options.OfType<System.CommandLine.Help.HelpOption>())
        {
            if (help.Action is System.CommandLine.Help.HelpAction action)
            {
                action.MaxWidth = TerminalInfo.Columns;
            }
        }

        // User ids start with '@': never read them as response files.
        var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parse.Errors.Count > 0)
        {
            if (parse.GetResult(CliSettings.Output) is { } output && !output.Errors.Any() && parse.GetValue(CliSettings.Output) == "json")
            {
                // Scripts that asked for JSON get it for a usage error too.
                Console.Out.WriteLine(CliOutput.Compact(new JsonObject { ["failed"] = true, ["msg"] = string.Join("; ", parse.Errors.Select(e => e.Message)), ["exit_code"] = ExitCodes.Usage }));
            }

            foreach (var error in parse.Errors)
            {
                Console.Error.WriteLine($"solti-matrix: {error.Message}");
            }

            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync();
    }
}
