namespace Solti.Matrix.Commands;

/// <summary><c>solti-matrix relay [--listen 127.0.0.1:8787 | --listen unix:/run/solti/relay.sock]</c>: the same options
/// in both binaries; what runs is the binary's own (the one-shot CLI hands over to <c>solti-matrix-relay</c>, which
/// serves).</summary>
public static class RelayCommand
{
    public static readonly Option<string> Listen = new("--listen") { Description = "127.0.0.1:PORT (0: any free port, printed at start) or unix:PATH", DefaultValueFactory = _ => "127.0.0.1:8787" };
    public static readonly Option<long> MaxQueue = new("--max-queue") { Description = "Pending events at which new ones are refused with 503 and Retry-After", DefaultValueFactory = _ => 100_000 };
    public static readonly Option<double> Poll = new("--poll") { Description = "Seconds between looks at the outbox for events other processes queued", DefaultValueFactory = _ => 2 };
    public static readonly Option<string> KeepDelivered = new("--keep-delivered") { Description = "How long delivered events stay in the outbox before the relay removes them (e.g. 24h, 7d)", DefaultValueFactory = _ => "24h" };

    public static readonly Option<string?> TokenFile = new("--token-file") { Description = "File whose first line is the bearer token producers must send (made with a new token when missing; default: relay.token beside the outbox)" };
    public static readonly Option<string?> SocketGroup = new("--socket-group") { Description = "Group of the Unix socket (mode 0660), for producers running as other users" };
    public static readonly Option<string[]> AllowRoom = new("--allow-room") { Description = "A room producers may post to, as they name it (repeatable; default: any room the relay's user is in)" };
    public static readonly Option<string?> Config = new("--config") { Description = "The relay's configuration file (YAML): each hook's room, the generic hooks (/v1/hooks/generic/NAME); see docs/alerts.md" };
    public static readonly Option<string[]> AllowSender = new("--allow-sender") { Description = "A user producers may name as \"sender\" besides the relay's own (repeatable; delivered with that user's cached session)" };

    /// <param name="run">What <c>relay</c> does in this binary; its failures map to exit codes like every command's.</param>
    public static Command Create(Func<ParseResult, CancellationToken, Task> run)
    {
        var command = new Command("relay", "Accept events from local producers and deliver them from the durable outbox (runs until SIGTERM)") { Listen, MaxQueue, Poll, KeepDelivered, TokenFile, SocketGroup, AllowRoom, AllowSender, Config };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse, () => run(parse, ct)));
        return command;
    }
}
