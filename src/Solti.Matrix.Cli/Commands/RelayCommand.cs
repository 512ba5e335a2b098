using System.CommandLine;
using System.Runtime.InteropServices;
using Solti.Matrix.Cli.Relay;

namespace Solti.Matrix.Cli.Commands;

/// <summary><c>solti-matrix relay [--listen 127.0.0.1:8787 | --listen unix:/run/solti/relay.sock]</c></summary>
public static class RelayCommand
{
    public static Command Create()
    {
        var listen = new Option<string>("--listen") { Description = "127.0.0.1:PORT (0: any free port, printed at start) or unix:PATH", DefaultValueFactory = _ => "127.0.0.1:8787" };
        var maxQueue = new Option<long>("--max-queue") { Description = "Pending events at which new ones are refused with 503 and Retry-After", DefaultValueFactory = _ => 100_000 };
        var poll = new Option<double>("--poll") { Description = "Seconds between looks at the outbox for events other processes queued", DefaultValueFactory = _ => 2 };
        var keep = new Option<string>("--keep-delivered") { Description = "How long delivered events stay in the outbox before the relay removes them (e.g. 24h, 7d)", DefaultValueFactory = _ => "24h" };
        var command = new Command("relay", "Accept events from local producers and deliver them from the durable outbox (runs until SIGTERM)") { listen, maxQueue, poll, keep };
#if !RELAY
        command.SetAction((parse, _) => CommandRunner.RunAsync(parse, () => Task.FromResult(RelayExec.Exec(Environment.GetCommandLineArgs()[1..]))));
#else
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse, async () =>
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                stop.Cancel();
            });
            using var store = CliSettings.OpenOutbox(parse);
            using var client = ClientFactory.Create(parse);
            var relay = new RelayService(store, client, CliSettings.Schemas(parse), new RelayOptions(parse.GetValue(listen)!, parse.GetValue(maxQueue), TimeSpan.FromSeconds(parse.GetValue(poll)), OutboxCommands.Duration(parse.GetValue(keep)!)));
            await relay.RunAsync(address => Console.Error.WriteLine($"solti-matrix relay: listening on {address}, outbox {store.Path}, homeserver {client.Homeserver}"), stop.Token);
            Console.Error.WriteLine("solti-matrix relay: stopped");
        }));
#endif
        return command;
    }
}
