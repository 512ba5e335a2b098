using Solti.Matrix.Events;
using Solti.Matrix.Outbox;

namespace Solti.Matrix.Relay;

/// <summary><c>solti-matrix relay</c>: accepts events from local producers over HTTP (127.0.0.1 or a Unix socket),
/// acknowledges each only once it is durable in the outbox, and drains the outbox, each entry to its own homeserver as
/// its own sender (order kept per sender and room, rooms independent). A full outbox answers 503 with <c>Retry-After</c>. SIGTERM/SIGINT: stop accepting,
/// finish the requests in flight, stop delivering (what is not delivered stays queued for the next start).</summary>
/// <remarks>The pieces: <see cref="RelayServer"/> (Kestrel), <see cref="RelayRoutes"/> (the endpoints),
/// <see cref="EventRequest"/> (a producer's body), <see cref="AlertHooks"/> (Alertmanager's and Grafana's webhooks), <see cref="Backpressure"/>, <see cref="RelayMetrics"/> and
/// <see cref="DeliveredPurge"/>; delivery is the library's <see cref="OutboxDelivery"/>.</remarks>
public sealed class RelayService
{
    private readonly OutboxStore _store;
    private readonly RelayOptions _options;
    private readonly OutboxDelivery _delivery;
    private readonly RelayRoutes _routes;
    private readonly uint? _socketGroup;

    /// <summary>The bearer token's file (generated there on first start).</summary>
    public string TokenFile { get; }

    /// <param name="client">The relay's own session: events producers post are queued as its user.</param>
    /// <param name="senders">Who delivers: the relay's own session and every other sender's cached one (each entry of
    /// the outbox goes out as its own sender, whoever queued it).</param>
    public RelayService(OutboxStore store, MatrixClient client, OutboxSenders senders, SchemaRegistry schemas, RelayOptions options)
    {
        _store = store;
        _options = options;
        _delivery = new OutboxDelivery(store, senders);
        _socketGroup = options.SocketGroup is { } group ? SocketPermissions.GroupId(group) : null;
        TokenFile = Path.GetFullPath(options.TokenFile ?? RelayToken.DefaultPath(store.Path));
        var access = new RelayAccess(RelayToken.LoadOrCreate(TokenFile), TokenFile, options.AllowRooms, options.AllowSenders);
        _routes = new RelayRoutes(store, client, schemas, _delivery, new GroupCommit(store),
            new Backpressure(store, options.MaxQueue), new RelayMetrics(store, _delivery), access, options.Hooks);
    }

    public async Task RunAsync(Action<string> announce, CancellationToken stop)
    {
        await using var app = RelayServer.Build(_options.Listen, _routes.HandleAsync);
        await app.StartAsync(stop);
        if (_options.Listen.StartsWith("unix:", StringComparison.Ordinal))
        {
            SocketPermissions.Apply(_options.Listen["unix:".Length..], _socketGroup);
        }

        announce(RelayServer.Address(app, _options.Listen));

        using var deliveryStop = new CancellationTokenSource();
        string? lastError = null;
        var delivery = _delivery.RunAsync(_options.Poll, deliveryStop.Token, e =>
        {
            var line = $"solti-matrix relay: delivery pass failed ({e.GetType().Name}): {e.Message}";
            if (line != lastError)
            {
                Console.Error.WriteLine(line); // once per distinct error, not once per poll
                lastError = line;
            }
        });
        var purge = DeliveredPurge.RunAsync(_store, _options.KeepDelivered, deliveryStop.Token);
        try
        {
            await Task.Delay(Timeout.Infinite, stop);
        }
        catch (OperationCanceledException)
        {
        }

        await app.StopAsync(CancellationToken.None);
        await deliveryStop.CancelAsync();
        await delivery;
        await purge;
    }
}
