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
        catch (Exception e) when (e is MatrixException or CredentialCacheException or Accounts.AccountAuthorityException or Encryption.EncryptionException or ArgumentException or FormatException or IOException
            or Events.SchemaValidationException or Events.SchemaException or Microsoft.Data.Sqlite.SqliteException or DllNotFoundException)
        {
            var code = ExitCodes.For(e);
            CliOutput.Error(parse, e, code);
            return code;
        }
        catch (OperationCanceledException e) when (e.InnerException is not TimeoutException)
        {
            CliOutput.Error(parse, new OperationCanceledException("interrupted before the work was done", e), ExitCodes.Interrupted);
            return ExitCodes.Interrupted;
        }
        catch (Exception e)
        {
            // A failure no rule above names (a bug, or the machine): its type and message, never a stack trace.
            CliOutput.Error(parse, new InvalidOperationException($"unexpected {e.GetType().Name}: {e.Message}"), ExitCodes.Failed);
            return ExitCodes.Failed;
        }
    }
}
