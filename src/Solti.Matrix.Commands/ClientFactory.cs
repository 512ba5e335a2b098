using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Solti.Matrix.Identifiers;
using Solti.Matrix.Sessions;

namespace Solti.Matrix.Commands;

/// <summary>Builds the client from flags and environment, failing with a message that names the missing setting.</summary>
public static class ClientFactory
{
    public static MatrixClient Create(ParseResult parse, bool requireCredentials = false)
    {
        var homeserver = parse.GetValue(CliSettings.Homeserver) ?? Environment.GetEnvironmentVariable("MATRIX_HOMESERVER_URL");
        if (string.IsNullOrWhiteSpace(homeserver))
        {
            throw new ArgumentException("no homeserver: pass --homeserver URL or set MATRIX_HOMESERVER_URL");
        }

        if (!Uri.TryCreate(homeserver, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"--homeserver must be an http(s) URL, got '{homeserver}'");
        }

        var user = parse.GetValue(CliSettings.User) ?? Environment.GetEnvironmentVariable("MATRIX_USER_ID");
        if (user is not null)
        {
            MatrixId.Require(MatrixIdKind.User, user, "--user");
        }

        var password = ReadPassword(parse.GetValue(CliSettings.PasswordFile)) ?? Environment.GetEnvironmentVariable("MATRIX_PASSWORD");
        var token = Environment.GetEnvironmentVariable("MATRIX_ACCESS_TOKEN");
        if (requireCredentials && (user is null || string.IsNullOrEmpty(password)))
        {
            throw new ArgumentException("login needs --user (or MATRIX_USER_ID) and a password (--password-file or MATRIX_PASSWORD)");
        }

        var loggers = parse.GetValue(CliSettings.Verbose)
            ? new StderrLoggerFactory(LogLevel.Information)
            : (ILoggerFactory)NullLoggerFactory.Instance;
        var options = new MatrixClientOptions(url)
        {
            RequestTimeout = Seconds(parse.GetValue(CliSettings.Timeout), "--timeout"),
            Retry = new RetryOptions
            {
                TotalBudget = Seconds(parse.GetValue(CliSettings.Budget), "--budget"),
                MaxDelay = Seconds(parse.GetValue(CliSettings.MaxWait), "--max-wait"),
            },
            ValidateCertificates = !parse.GetValue(CliSettings.Insecure),
            LoggerFactory = loggers,
        };
        var session = new SessionOptions
        {
            UserId = user,
            AccessToken = requireCredentials ? null : token,
            Password = password,
            DeviceId = parse.GetValue(CliSettings.DeviceId),
            UseCache = !parse.GetValue(CliSettings.NoCache),
        };
        return new MatrixClient(options, session, new CredentialCache(parse.GetValue(CliSettings.CacheDir)));
    }

    private static string? ReadPassword(string? file)
    {
        if (file is null)
        {
            return null;
        }

        try
        {
            return File.ReadLines(file).FirstOrDefault()?.TrimEnd('\r') ?? throw new ArgumentException($"--password-file {file} is empty");
        }
        catch (IOException e)
        {
            throw new ArgumentException($"--password-file {file} cannot be read: {e.Message}");
        }
    }

    private static TimeSpan Seconds(double value, string name) =>
        value > 0 && value <= 86400 ? TimeSpan.FromSeconds(value) : throw new ArgumentException($"{name} must be a number of seconds between 0 and 86400, got {value}");
}
