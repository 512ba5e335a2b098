namespace Solti.Matrix.Commands;

/// <summary>The connection settings every command shares: flags first, then the environment.</summary>
public static class CliSettings
{
    public static readonly Option<string?> Homeserver = new("--homeserver", "-H") { Description = "Homeserver base URL [env: MATRIX_HOMESERVER_URL]", Recursive = true };
    public static readonly Option<string?> User = new("--user", "-u") { Description = "Full user id, e.g. @bot:example.com [env: MATRIX_USER_ID]", Recursive = true };
    public static readonly Option<string?> PasswordFile = new("--password-file") { Description = "File whose first line is the password [env: MATRIX_PASSWORD holds the password itself]", Recursive = true };
    public static readonly Option<string?> DeviceId = new("--device-id") { Description = "Device to log in as (default: the cached one, else a stable id for this user, host and OS account)", Recursive = true };
    public static readonly Option<string?> RecoveryKeyFile = new("--recovery-key-file") { Description = "File (0600) holding the bot's recovery key, with which a device signs itself on its first encrypted send [env: SOLTI_MATRIX_RECOVERY_KEY holds the key itself]", Recursive = true };
    public static readonly Option<string?> CacheDir = new("--cache-dir") { Description = "Credential cache directory (default: $XDG_STATE_HOME/solti-matrix)", Recursive = true };

    /// <summary><c>--encryption auto|required</c> of the commands that send: auto encrypts exactly when the room is
    /// encrypted (never plaintext into an encrypted room); required also refuses a room that is not.</summary>
    /// <summary><c>--format text|markdown|html</c>: what a message's body is written in (<see cref="Formatting.FormattedBody.Apply"/>
    /// turns markdown and html into a sanitized <c>formatted_body</c> with the plain text as <c>body</c>); <c>send</c> and
    /// <c>event send</c>.</summary>
    public static Option<string> Format() =>
        new("--format") { Description = "What the body is written in: text (sent as it is), markdown or html (sent with a sanitized formatted_body and its plain text as body)", DefaultValueFactory = _ => "text" };

    public static Option<string> Encryption()
    {
        var option = new Option<string>("--encryption") { Description = "auto: encrypt exactly when the room is encrypted; required: also refuse a room that is not", DefaultValueFactory = _ => "auto" };
        option.AcceptOnlyFromAmong("auto", "required");
        return option;
    }

    /// <summary>The mode <paramref name="option"/> names.</summary>
    public static Encryption.EncryptionMode EncryptionOf(ParseResult parse, Option<string> option) =>
        parse.GetValue(option) == "required" ? Matrix.Encryption.EncryptionMode.Required : Matrix.Encryption.EncryptionMode.Auto;
    public static readonly Option<bool> NoCache = new("--no-cache") { Description = "Neither read nor write the credential cache", Recursive = true };
    public static readonly Option<double> Timeout = new("--timeout") { Description = "Seconds one HTTP attempt may take", DefaultValueFactory = _ => 30, Recursive = true };
    public static readonly Option<double> Budget = new("--budget") { Description = "Seconds one call may take, retries and waits included", DefaultValueFactory = _ => 90, Recursive = true };
    public static readonly Option<double> MaxWait = new("--max-wait") { Description = "Longest single wait, e.g. for a 429", DefaultValueFactory = _ => 30, Recursive = true };
    public static readonly Option<string> Output = new("--output", "-o") { Description = "Output format", DefaultValueFactory = _ => "text", Recursive = true };
    public static readonly Option<bool> Insecure = new("--insecure") { Description = "Do not verify the server's TLS certificate", Recursive = true };
    public static readonly Option<string?> SchemaDir = new("--schema-dir") { Description = "Directory of your own event schemas (NAME.json) [env: SOLTI_MATRIX_SCHEMA_DIR]", Recursive = true };
    public static readonly Option<string?> OutboxPath = new("--outbox") { Description = "Outbox database (default: $XDG_STATE_HOME/solti-matrix/outbox/outbox.db) [env: SOLTI_MATRIX_OUTBOX]", Recursive = true };
    public static readonly Option<bool> Verbose = new("--verbose", "-v") { Description = "Log retries and session recovery to stderr", Recursive = true };

    public static readonly Option<string?> MasUrl = new("--mas-url") { Description = "MAS's base URL, for a homeserver that delegates authentication to MAS (default: the issuer it advertises) [env: SOLTI_MAS_URL]", Recursive = true };
    public static readonly Option<string?> MasClientId = new("--mas-client-id") { Description = "MAS admin client id: what MAS owns goes to its admin API [env: SOLTI_MAS_CLIENT_ID; the secret in SOLTI_MAS_CLIENT_SECRET, or an admin token in SOLTI_MAS_TOKEN]", Recursive = true };

    static CliSettings() => Output.AcceptOnlyFromAmong("text", "json");

    public static IEnumerable<Option> All => [Homeserver, User, PasswordFile, RecoveryKeyFile, DeviceId, CacheDir, NoCache, Timeout, Budget, MaxWait, Output, Insecure, Verbose, SchemaDir, OutboxPath, MasUrl, MasClientId];

    public static Events.SchemaRegistry Schemas(ParseResult parse) =>
        Events.SchemaRegistry.Load(parse.GetValue(SchemaDir) ?? Environment.GetEnvironmentVariable("SOLTI_MATRIX_SCHEMA_DIR"));

    public static Outbox.OutboxStore OpenOutbox(ParseResult parse)
    {
        var path = parse.GetValue(OutboxPath) ?? Environment.GetEnvironmentVariable("SOLTI_MATRIX_OUTBOX");
        return new(string.IsNullOrEmpty(path) ? Outbox.OutboxStore.DefaultPath() : path);
    }
}
