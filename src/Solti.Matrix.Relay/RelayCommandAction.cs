using System.CommandLine;
using System.Runtime.InteropServices;
using Solti.Matrix.Commands;
using Solti.Matrix.Hooks;
using Solti.Matrix.Identifiers;

namespace Solti.Matrix.Relay;

/// <summary><c>relay</c> in this binary: the outbox, the client and the options from the command line, then the relay
/// until SIGTERM (or SIGINT).</summary>
public static class RelayCommandAction
{
    public static async Task RunAsync(ParseResult parse, CancellationToken ct)
    {
        MallocArenas.Cap(2); // a long-running service on small hosts: see MallocArenas
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        using var store = CliSettings.OpenOutbox(parse);
        using var client = ClientFactory.Create(parse);
        using var senders = ClientFactory.Senders(parse, client);
        var schemas = CliSettings.Schemas(parse);
        var options = new RelayOptions(parse.GetValue(RelayCommand.Listen)!, parse.GetValue(RelayCommand.MaxQueue), TimeSpan.FromSeconds(parse.GetValue(RelayCommand.Poll)), OutboxCommands.Duration(parse.GetValue(RelayCommand.KeepDelivered)!))
        {
            TokenFile = parse.GetValue(RelayCommand.TokenFile),
            SocketGroup = parse.GetValue(RelayCommand.SocketGroup),
            AllowRooms = [.. (parse.GetValue(RelayCommand.AllowRoom) ?? []).Select(r => MatrixId.Require(MatrixIdKind.RoomOrAlias, r, "--allow-room"))],
            AllowSenders = [.. (parse.GetValue(RelayCommand.AllowSender) ?? []).Select(u => MatrixId.Require(MatrixIdKind.User, u, "--allow-sender"))],
        };
        if (parse.GetValue(RelayCommand.Config) is { } config)
        {
            options = options with { Hooks = HookConfig.Parse(YamlInput.ReadMapping(config, "hooks"), schemas, config) };
            options.Hooks.RequireAllowed(options.AllowRooms, config);
        }

        var relay = new RelayService(store, client, senders, schemas, options);
        await relay.RunAsync(address => Console.Error.WriteLine($"solti-matrix relay: listening on {address}, outbox {store.Path}, homeserver {client.Homeserver}, token file {relay.TokenFile}{Hooks(parse, options.Hooks)}"), stop.Token);
        Console.Error.WriteLine("solti-matrix relay: stopped");
    }

    /// <summary>What the start line says of <c>--config</c>: the file and its generic hooks.</summary>
    private static string Hooks(ParseResult parse, HookConfig hooks) =>
        parse.GetValue(RelayCommand.Config) is { } file
            ? $", hooks from {file} (generic: {(hooks.Generic.Count == 0 ? "none" : string.Join(", ", hooks.Generic.Keys))})"
            : "";
}
