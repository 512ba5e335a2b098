namespace Solti.Matrix.Commands;

/// <summary><c>__generate man|bash|zsh</c> (hidden): prints this binary's manual page, bash completion or zsh
/// completion, read from its own command tree (the Debian package's are made this way by <c>./build.sh deb</c>).</summary>
public static class GenerateCommand
{
    public static Command Create()
    {
        var what = new Argument<string>("what") { Description = "man, bash or zsh" };
        what.AcceptOnlyFromAmong("man", "bash", "zsh");
        var command = new Command("__generate", "Print the manual page or a shell completion, made from the command tree") { what };
        command.Hidden = true;
        command.SetAction(parse =>
        {
            var root = parse.RootCommandResult.Command;
            Console.Out.Write(parse.GetValue(what) switch
            {
                "man" => ManPage.Generate(root, ProductVersion.Current),
                "bash" => BashCompletion.Generate(root),
                _ => ZshCompletion.Generate(root),
            });
            Console.Out.Flush();
            return ExitCodes.Ok;
        });
        return command;
    }
}
