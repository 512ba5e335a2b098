using Solti.Matrix.Errors;
using Solti.Matrix.Sessions;

namespace Solti.Matrix.Commands;

/// <summary>Runs a command body and maps its failure to a documented exit code; no stack trace ever reaches the user.</summary>
public static class CommandRunner
{
    public static async Task<int> RunAsync(ParseResult parse, Func<Task> body)
    {
        try
        {
            await body();
            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is MatrixException or CredentialCacheException or ArgumentException or FormatException or IOException
            or Events.SchemaValidationException or Events.SchemaException or Microsoft.Data.Sqlite.SqliteException or DllNotFoundException)
        {
            var code = ExitCodes.For(e);
            CliOutput.Error(parse, e, code);
            return code;
        }
    }
}
