using System.Text;

namespace Solti.Matrix.Commands;

/// <summary><c>__generate man</c>: a section 1 manual page in roff (man(7) macros) from the command tree: the global
/// options, then every command with its arguments and options.</summary>
public static partial class ManPage
{
    public static string Generate(Command root, string version)
    {
        var name = root.Name;
        // solti-matrix-relay carries the commands of solti-matrix; its own page leads with what its `relay` does.
        var served = root.Subcommands.FirstOrDefault(c => name.EndsWith("-" + c.Name, StringComparison.Ordinal));
        var summary = served?.Description ?? Summary(root);
        var text = new StringBuilder();
        text.Append(".TH ").Append(Quote(name.ToUpperInvariant())).Append(" 1 \"\" ").Append(Quote($"{name} {version}")).Append(" \"User Commands\"\n");
        text.Append(".SH NAME\n").Append(Escape(name)).Append(" \\- ").Append(Escape(Lower(summary))).Append('\n');
        text.Append(".SH SYNOPSIS\n\\fB").Append(Escape(name)).Append("\\fR [\\fIoptions\\fR] \\fIcommand\\fR [\\fIarguments\\fR]\n");
        text.Append(".SH DESCRIPTION\n").Append(Escape(Sentence(summary))).Append('\n');
        if (served is not null)
        {
            text.Append(".PP\nIt carries every command of \\fB").Append(Escape(name[..^(served.Name.Length + 1)])).Append("\\fR(1); ")
                .Append("\\fB").Append(Escape($"{name[..^(served.Name.Length + 1)]} {served.Name}")).Append("\\fR runs \\fB").Append(Escape($"{name} {served.Name}")).Append("\\fR.\n");
        }

        text.Append(".PP\nEvery command accepts the global options below and \\fB\\-\\-help\\fR; settings come from the options first, then from the environment variables named in their descriptions.\n");
        text.Append(".SH OPTIONS\n");
        foreach (var option in CommandTree.OwnOptions(root))
        {
            Option(text, option);
        }

        text.Append(".SH COMMANDS\n");
        foreach (var (path, command) in CommandTree.Walk(root))
        {
            text.Append(".SS ").Append(Quote(string.Join(' ', path))).Append('\n');
            text.Append(".B ").Append(Escape($"{name} {string.Join(' ', path)}")).Append('\n');
            foreach (var argument in command.Arguments.Where(a => !a.Hidden))
            {
                text.Append(Usage(argument)).Append('\n');
            }

            if (CommandTree.Subcommands(command).Any())
            {
                text.Append(".I command\n");
            }

            text.Append(".PP\n").Append(Escape(Sentence(command.Description ?? ""))).Append('\n');
            foreach (var argument in command.Arguments.Where(a => !a.Hidden))
            {
                text.Append(".TP\n.I ").Append(CommandTree.ArgumentName(argument)).Append('\n').Append(Escape(Sentence(argument.Description ?? ""))).Append('\n');
            }

            foreach (var option in CommandTree.OwnOptions(command).Where(o => o.Name != "--help"))
            {
                Option(text, option);
            }
        }

        text.Append(".SH ENVIRONMENT\n");
        var variables = new SortedSet<string>(StringComparer.Ordinal) { "MATRIX_ACCESS_TOKEN", "XDG_STATE_HOME" };
        foreach (var option in new[] { root }.Concat(CommandTree.Walk(root).Select(c => c.Command)).SelectMany(CommandTree.OwnOptions))
        {
            foreach (System.Text.RegularExpressions.Match match in EnvironmentVariable().Matches(option.Description ?? ""))
            {
                variables.Add(match.Groups[1].Value);
            }
        }

        text.Append(string.Join(", ", variables.Select(v => $"\\fB{Escape(v)}\\fR")))
            .Append(": see the options that name them; \\fBMATRIX_ACCESS_TOKEN\\fR is the token to try first (never an option), ")
            .Append("\\fBXDG_STATE_HOME\\fR the base of the credential cache and the outbox ($XDG_STATE_HOME/solti\\-matrix, else ~/.local/state/solti\\-matrix).\n");
        text.Append(".SH EXIT STATUS\n").Append(Escape(string.Join("; ", ExitCodes.Meanings.Select(m => $"{m.Code} {m.Meaning}")))).Append(".\n");
        text.Append(".SH SEE ALSO\n");
        text.Append(name == "solti-matrix" ? ".BR solti-matrix-relay (1)\n" : ".BR solti-matrix (1)\n");
        return text.ToString();
    }

    private static void Option(StringBuilder text, Option option)
    {
        text.Append(".TP\n").Append(string.Join(", ", CommandTree.Names(option).Select(n => $"\\fB{Escape(n)}\\fR")));
        if (CommandTree.TakesValue(option))
        {
            text.Append(" \\fI").Append(Escape(CommandTree.ValueName(option))).Append("\\fR");
        }

        var description = Sentence(option.Description ?? "");
        if (CommandTree.Default(option) is { } value)
        {
            description += $" Default: {value}.";
        }

        text.Append('\n').Append(Escape(description.Trim())).Append('\n');
    }

    private static string Usage(Argument argument)
    {
        var label = CommandTree.ArgumentName(argument) + (argument.Arity.MaximumNumberOfValues > 1 ? "..." : "");
        return argument.Arity.MinimumNumberOfValues == 0 ? $".RI [ {label} ]" : $".I {label}";
    }

    /// <summary>The root's description without the leading "name: ".</summary>
    private static string Summary(Command root)
    {
        var description = root.Description ?? "";
        var colon = description.IndexOf(": ", StringComparison.Ordinal);
        return colon >= 0 ? description[(colon + 2)..] : description;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\[env: ([A-Z][A-Z0-9_]+)")]
    private static partial System.Text.RegularExpressions.Regex EnvironmentVariable();

    private static string Lower(string text) => text.Length > 1 && char.IsUpper(text[0]) && !char.IsUpper(text[1]) ? char.ToLowerInvariant(text[0]) + text[1..] : text;

    private static string Sentence(string text)
    {
        text = text.Trim();
        return text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..] + (text.EndsWith('.') ? "" : ".");
    }

    private static string Quote(string text) => "\"" + Escape(text).Replace("\"", "\\(dq", StringComparison.Ordinal) + "\"";

    /// <summary>Text safe in roff: backslashes and minus signs escaped, no line starting with a control character.</summary>
    private static string Escape(string text)
    {
        var escaped = text.Replace("\\", "\\e", StringComparison.Ordinal).Replace("-", "\\-", StringComparison.Ordinal);
        return escaped.StartsWith('.') || escaped.StartsWith('\'') ? "\\&" + escaped : escaped;
    }
}
