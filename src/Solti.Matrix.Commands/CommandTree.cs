namespace Solti.Matrix.Commands;

/// <summary>What the man page and the shell completions read from System.CommandLine's command tree: the visible
/// commands with their full paths, the options each one accepts (its own and its ancestors' recursive ones) and how an
/// option is written.</summary>
public static class CommandTree
{
    /// <summary>Every visible command below <paramref name="root"/>, depth first, with the names leading to it.</summary>
    public static IEnumerable<(IReadOnlyList<string> Path, Command Command)> Walk(Command root)
    {
        return Below([], root);

        static IEnumerable<(IReadOnlyList<string>, Command)> Below(IReadOnlyList<string> path, Command command)
        {
            foreach (var sub in Subcommands(command))
            {
                IReadOnlyList<string> subPath = [.. path, sub.Name];
                yield return (subPath, sub);
                foreach (var below in Below(subPath, sub))
                {
                    yield return below;
                }
            }
        }
    }

    public static IEnumerable<Command> Subcommands(Command command) => command.Subcommands.Where(c => !c.Hidden);

    public static IEnumerable<Option> OwnOptions(Command command) => command.Options.Where(o => !o.Hidden);

    /// <summary>The options <paramref name="command"/> accepts: its own, then the recursive ones of its ancestors.</summary>
    public static IEnumerable<Option> AcceptedOptions(Command root, IReadOnlyList<string> path)
    {
        var chain = new List<Command> { root };
        foreach (var name in path)
        {
            chain.Add(chain[^1].Subcommands.First(c => c.Name == name));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = chain.Count - 1; i >= 0; i--)
        {
            foreach (var option in OwnOptions(chain[i]).Where(o => i == chain.Count - 1 || o.Recursive))
            {
                if (seen.Add(option.Name))
                {
                    yield return option;
                }
            }
        }
    }

    /// <summary>The name and aliases, long ones first (e.g. <c>--homeserver</c>, <c>-H</c>); not the help option's
    /// <c>-?</c> and <c>/?</c>, which are a glob and a Windows spelling.</summary>
    public static IEnumerable<string> Names(Option option) =>
        new[] { option.Name }.Concat(option.Aliases).Distinct(StringComparer.Ordinal)
            .Where(n => n.StartsWith('-') && !n.Contains('?', StringComparison.Ordinal))
            .OrderBy(n => n.StartsWith("--", StringComparison.Ordinal) ? 0 : 1);

    /// <summary>Whether the option is followed by a value (a flag such as <c>--join</c> is not, though it could take true/false).</summary>
    public static bool TakesValue(Option option) => option.ValueType != typeof(bool) && option.Arity.MaximumNumberOfValues > 0;

    /// <summary>The values an option accepts when it names them (e.g. <c>text</c>, <c>json</c>), else none.</summary>
    public static IReadOnlyList<string> Choices(Option option) =>
        TakesValue(option) ? [.. option.GetCompletions(CompletionContextEmpty).Select(c => c.Label)] : [];

    /// <summary>The word that stands for an option's value: its choices, else its help name, else PATH, N or VALUE.</summary>
    public static string ValueName(Option option) =>
        Choices(option) is { Count: > 0 } choices ? string.Join('|', choices)
        : option.HelpName is { } help ? help.ToUpperInvariant()
        : TakesPath(option) ? "PATH"
        : option.ValueType == typeof(int) || option.ValueType == typeof(long) || option.ValueType == typeof(double) ? "N"
        : "VALUE";

    /// <summary>Whether an option's value names a file or directory (<c>--password-file</c>, <c>--cache-dir</c>,
    /// <c>--outbox</c>): the completions offer file names there and nowhere else.</summary>
    public static bool TakesPath(Option option) =>
        TakesValue(option) && (option.Name.EndsWith("-file", StringComparison.Ordinal) || option.Name.EndsWith("-dir", StringComparison.Ordinal) || option.Name == "--outbox");

    public static string ArgumentName(Argument argument) => (argument.HelpName ?? argument.Name).ToUpperInvariant();

    /// <summary>An option's default when it has a simple one (a number or a word), for "(default: …)".</summary>
    public static string? Default(Option option) =>
        option.HasDefaultValue && option.ValueType != typeof(bool) && option.GetDefaultValue() is { } value and (string or int or long or double)
            ? Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)
            : null;

    private static System.CommandLine.Completions.CompletionContext CompletionContextEmpty => System.CommandLine.Completions.CompletionContext.Empty;
}
