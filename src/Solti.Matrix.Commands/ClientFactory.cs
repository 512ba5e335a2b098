using Microsoft.Extensions.Logging;
using Solti.Matrix.Identifiers;
using Solti.Matrix.Sessions;

namespace Solti.Matrix.Commands;

/// <summary>Builds the client from flags and environment, failing with a message that names the missing setting.</summary>
public static class ClientFactory
{
    public static MatrixClient Create(ParseResult parse, bool requireCredentials = false) =>
        TryCreate(parse, requireCredentials) ?? throw new ArgumentException("no homeserver: pass --homeserver URL or set MATRIX_HOMESERVER_URL");

    /// <summary>The client the flags and environment describe; null when they name no homeserver.</summary>
    public static MatrixClient? TryCreate(ParseResult parse, bool requireCredentials = false)
    {
        if (Homeserver(parse) is not { } url)
        {
            return null;
        }

        var user = User(parse);
        var password = ReadPassword(parse.GetValue(CliSettings.PasswordFile)) ?? Environment.GetEnvironmentVariable("MATRIX_PASSWORD");
        var token = Environment.GetEnvironmentVariable("MATRIX_ACCESS_TOKEN");
        if (requireCredentials && (user is null || string.IsNullOrEmpty(password)))
        {
            throw new ArgumentException("login needs --user (or MATRIX_USER_ID) and a password (--password-file or MATRIX_PASSWORD)");
        }

        var session = new SessionOptions
        {
            UserId = user,
            AccessToken = requireCredentials ? null : token,
            Password = password,
            DeviceId = parse.GetValue(CliSettings.DeviceId),
            UseCache = !parse.GetValue(CliSettings.NoCache),
        };
        return Settings(parse, url).Client(session, Cache(parse));
    }

    /// <summary>True when the flags or the environment hold credentials (a token, a user id or a password).</summary>
    public static bool HasCredentials(ParseResult parse) =>
        User(parse) is not null || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("MATRIX_ACCESS_TOKEN"));

    /// <summary>The client of an outbox entry's sender: the connection settings of the flags, that user's session from
    /// the credential cache (its device for a login), no other credentials.</summary>
    public static MatrixClient ForSender(ParseResult parse, Uri homeserver, string userId, string? deviceId) =>
        Settings(parse, homeserver).Client(new SessionOptions { UserId = userId, DeviceId = deviceId }, Cache(parse));

    /// <summary>Who delivers an outbox: the client the flags describe (when they give credentials), then each other
    /// sender's cached session (unless <c>--no-cache</c>).</summary>
    public static Outbox.OutboxSenders Senders(ParseResult parse) =>
        Senders(parse, HasCredentials(parse) ? TryCreate(parse) : null, owned: true);

    /// <summary>As <see cref="Senders(ParseResult)"/>, with <paramref name="given"/> (the caller's, not disposed here)
    /// as the session of its own user.</summary>
    public static Outbox.OutboxSenders Senders(ParseResult parse, MatrixClient given) => Senders(parse, given, owned: false);

    private static Outbox.OutboxSenders Senders(ParseResult parse, MatrixClient? given, bool owned)
    {
        var cache = parse.GetValue(CliSettings.NoCache) ? null : Cache(parse);
        var senders = new Outbox.OutboxSenders(cache is null ? null : (hs, user, device) => ForSender(parse, hs, user, device), cache);
        if (given is not null)
        {
            senders.Add(given, owned);
        }

        return senders;
    }

    /// <summary>The admin API over <paramref name="client"/>'s session, with MAS's admin API when the flags or the environment
    /// give it (<see cref="Mas"/>).</summary>
    public static SynapseAdminClient Admin(ParseResult parse, MatrixClient client) => new(client.Session) { MasCredentials = Mas(parse) };

    /// <summary>MAS's admin API: <c>--mas-client-id</c> (or <c>SOLTI_MAS_CLIENT_ID</c>) with <c>SOLTI_MAS_CLIENT_SECRET</c>,
    /// or an admin token in <c>SOLTI_MAS_TOKEN</c>, at <c>--mas-url</c> (or <c>SOLTI_MAS_URL</c>; default: the issuer the
    /// homeserver advertises); null when none is given. Secrets come only from the environment, never from flags.</summary>
    public static Mas.MasCredentials? Mas(ParseResult parse)
    {
        var clientId = parse.GetValue(CliSettings.MasClientId) ?? Environment.GetEnvironmentVariable("SOLTI_MAS_CLIENT_ID");
        var secret = Environment.GetEnvironmentVariable("SOLTI_MAS_CLIENT_SECRET");
        var token = Environment.GetEnvironmentVariable("SOLTI_MAS_TOKEN");
        var url = parse.GetValue(CliSettings.MasUrl) ?? Environment.GetEnvironmentVariable("SOLTI_MAS_URL");
        if (string.IsNullOrEmpty(clientId) && string.IsNullOrEmpty(token))
        {
            return null;
        }

        if (string.IsNullOrEmpty(token) && string.IsNullOrEmpty(secret))
        {
            throw new ArgumentException("--mas-client-id needs the client's secret in SOLTI_MAS_CLIENT_SECRET (or give an admin token in SOLTI_MAS_TOKEN)");
        }

        Uri? masUrl = null;
        if (!string.IsNullOrEmpty(url) && (!Uri.TryCreate(url, UriKind.Absolute, out masUrl) || masUrl.Scheme is not ("http" or "https")))
        {
            throw new ArgumentException($"--mas-url must be MAS's http(s) base URL, got '{url}'");
        }

        return new Mas.MasCredentials(masUrl) { ClientId = clientId, ClientSecret = secret, AccessToken = token, Cache = parse.GetValue(CliSettings.NoCache) ? null : Cache(parse) };
    }

    public static CredentialCache Cache(ParseResult parse) => new(parse.GetValue(CliSettings.CacheDir));

    /// <summary><c>--homeserver</c> or <c>MATRIX_HOMESERVER_URL</c>; null when neither is set.</summary>
    public static Uri? Homeserver(ParseResult parse)
    {
        var homeserver = parse.GetValue(CliSettings.Homeserver) ?? Environment.GetEnvironmentVariable("MATRIX_HOMESERVER_URL");
        if (string.IsNullOrWhiteSpace(homeserver))
        {
            return null;
        }

        return Uri.TryCreate(homeserver, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
            ? url
            : throw new ArgumentException($"--homeserver must be an http(s) URL, got '{homeserver}'");
    }

    /// <summary><c>--user</c> or <c>MATRIX_USER_ID</c>, checked as a user id.</summary>
    public static string? User(ParseResult parse)
    {
        var user = parse.GetValue(CliSettings.User) ?? Environment.GetEnvironmentVariable("MATRIX_USER_ID");
        if (user is not null)
        {
            MatrixId.Require(MatrixIdKind.User, user, "--user");
        }

        return user;
    }

    /// <summary>The connection the flags describe (<see cref="ClientSettings"/>: up to 86400 s, for a relay that waits long).</summary>
    private static ClientSettings Settings(ParseResult parse, Uri url) => new(url)
    {
        Timeout = parse.GetValue(CliSettings.Timeout),
        Budget = parse.GetValue(CliSettings.Budget),
        MaxWait = parse.GetValue(CliSettings.MaxWait),
        ValidateCertificates = !parse.GetValue(CliSettings.Insecure),
        Loggers = parse.GetValue(CliSettings.Verbose) ? new StderrLoggerFactory(LogLevel.Information) : null,
        Names = ("--timeout", "--budget", "--max-wait"),
        RecoveryKey = RecoveryKey(parse),
    };

    /// <summary>The recovery key of <c>--recovery-key-file</c> (a private file: 0600, the user's own, not a symbolic
    /// link) or <c>SOLTI_MATRIX_RECOVERY_KEY</c>; null when neither is given. An error never shows the key.</summary>
    public static Crypto.RecoveryKey? RecoveryKey(ParseResult parse)
    {
        var text = parse.GetValue(CliSettings.RecoveryKeyFile) is { } file ? ReadPrivateFile(file, "--recovery-key-file") : Environment.GetEnvironmentVariable("SOLTI_MATRIX_RECOVERY_KEY");
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            return Crypto.RecoveryKey.Parse(text);
        }
        catch (Crypto.CryptoException e)
        {
            throw new ArgumentException($"{(parse.GetValue(CliSettings.RecoveryKeyFile) is { } f ? "--recovery-key-file " + f : "SOLTI_MATRIX_RECOVERY_KEY")}: {e.Message}");
        }
    }

    /// <summary>The password of <c>--password-file</c>, else <c>MATRIX_PASSWORD</c>; null when neither is given.</summary>
    public static string? Password(ParseResult parse) =>
        ReadPassword(parse.GetValue(CliSettings.PasswordFile)) ?? Environment.GetEnvironmentVariable("MATRIX_PASSWORD");

    /// <summary>A secret from the private file <paramref name="file"/> names (0600, the user's own, not a symbolic link;
    /// surrounding white space dropped), else from the environment variable <paramref name="variable"/>; null when
    /// neither is given. An error never shows the secret.</summary>
    public static string? Secret(ParseResult parse, Option<string?> file, string variable) =>
        parse.GetValue(file) is { } path ? ReadPrivateFile(path, file.Name).Trim() : Environment.GetEnvironmentVariable(variable);

    /// <summary>A client with no credentials at all, for the calls that need no token (shared-secret registration).</summary>
    public static MatrixClient Anonymous(ParseResult parse) =>
        Settings(parse, Homeserver(parse) ?? throw new ArgumentException("no homeserver: pass --homeserver URL or set MATRIX_HOMESERVER_URL"))
            .Client(new SessionOptions { UseCache = false }, Cache(parse));

    /// <summary>A secret's file, refused when others may read it, it is another user's or a symbolic link.</summary>
    private static string ReadPrivateFile(string file, string option)
    {
        if (Storage.UnixFileInfo.OfPath(file) is not { } info)
        {
            throw new ArgumentException($"{option} {file} does not exist");
        }

        if (Storage.PrivateDirectory.Distrust(file, info, isDirectory: false) is { } reason)
        {
            throw new ArgumentException($"{option} {file} {reason}; refusing it (chmod 600 {file})");
        }

        try
        {
            return File.ReadAllText(file);
        }
        catch (IOException e)
        {
            throw new ArgumentException($"{option} {file} cannot be read: {e.Message}");
        }
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

}
