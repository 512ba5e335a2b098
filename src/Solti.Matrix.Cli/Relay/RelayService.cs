using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Solti.Matrix.Events;
using Solti.Matrix.Outbox;
using Solti.Matrix.Sending;

namespace Solti.Matrix.Cli.Relay;

/// <summary>Where the relay listens and how much it holds.</summary>
public sealed record RelayOptions(string Listen, long MaxQueue, TimeSpan Poll, TimeSpan KeepDelivered);

/// <summary><c>solti-matrix relay</c>: accepts events from local producers over HTTP (127.0.0.1 or a Unix socket),
/// acknowledges each only once it is durable in the outbox, and drains the outbox to the homeserver (order kept per
/// room, rooms independent). A full outbox answers 503 with <c>Retry-After</c>. SIGTERM/SIGINT: stop accepting,
/// finish the requests in flight, stop delivering (what is not delivered stays queued for the next start).</summary>
public sealed class RelayService(OutboxStore store, MatrixClient client, SchemaRegistry schemas, RelayOptions options)
{
    private const int MaxBody = 1 << 20;
    private readonly OutboxDelivery _delivery = new(store, client, client.Homeserver.ToString());
    private readonly GroupCommit _commits = new(store);
    private long _accepted;
    private long _queuedCounted;
    private long _queuedSinceCount;
    private long _countedAt = long.MinValue;
    private long _rejected;

    public async Task RunAsync(Action<string> announce, CancellationToken stop)
    {
        // The empty builder: no configuration files, so nothing watches the working directory (the default builders
        // watch it for appsettings changes, recursively: every outbox write woke that watcher).
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true); // no thread hop per request
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = MaxBody;
            if (options.Listen.StartsWith("unix:", StringComparison.Ordinal))
            {
                var path = options.Listen["unix:".Length..];
                if (File.Exists(path))
                {
                    File.Delete(path); // a socket left by a killed relay
                }

                kestrel.ListenUnixSocket(path);
            }
            else
            {
                var endpoint = IPEndPoint.Parse(options.Listen);
                if (!IPAddress.IsLoopback(endpoint.Address))
                {
                    throw new ArgumentException($"--listen must be a loopback address (127.0.0.1:PORT or [::1]:PORT) or unix:PATH, got '{options.Listen}'");
                }

                kestrel.Listen(endpoint);
            }
        });
        await using var app = builder.Build();
        app.Run(HandleAsync);
        await app.StartAsync(stop);
        var address = options.Listen.StartsWith("unix:", StringComparison.Ordinal)
            ? options.Listen
            : app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        announce(address);

        using var deliveryStop = new CancellationTokenSource();
        string? lastError = null;
        var delivery = _delivery.RunAsync(options.Poll, deliveryStop.Token, e =>
        {
            var line = $"solti-matrix relay: delivery pass failed ({e.GetType().Name}): {e.Message}";
            if (line != lastError)
            {
                Console.Error.WriteLine(line); // once per distinct error, not once per poll
                lastError = line;
            }
        });
        var purge = PurgeAsync(deliveryStop.Token);
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

    /// <summary>Delivered events are kept for <c>--keep-delivered</c> (for <c>outbox status</c> and audits), then removed,
    /// hourly, so the outbox stays small on a host that relays for years. Dead events stay until purged by hand.</summary>
    private async Task PurgeAsync(CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                store.Purge(includeDead: false, options.KeepDelivered);
                await Task.Delay(TimeSpan.FromHours(1), stop);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var (method, path) = (context.Request.Method, context.Request.Path.Value ?? "");
        switch (method, path)
        {
            case ("POST", "/v1/events"):
                await AcceptAsync(context);
                break;
            case ("GET", "/metrics"):
                await Text(context, 200, Metrics(), "text/plain; version=0.0.4");
                break;
            case ("GET", "/v1/status"):
                var stats = store.Stats(client.Homeserver.ToString());
                await Json(context, 200, new JsonObject { ["pending"] = stats.Pending, ["delivered"] = stats.Delivered, ["dead"] = stats.Dead, ["oldest_pending_seconds"] = stats.OldestPendingAge?.TotalSeconds });
                break;
            default:
                await Json(context, 404, new JsonObject { ["error"] = $"no such endpoint: {method} {path} (POST /v1/events, GET /v1/status, GET /metrics)" });
                break;
        }
    }

    /// <summary>Body: <c>{room, event_type?, content}</c> or <c>{room, schema, data, source?, validate?, html?}</c>, and
    /// <c>txn_id</c> to make a producer's retry safe. 202 only after the commit is on disk.</summary>
    private async Task AcceptAsync(HttpContext context)
    {
        JsonObject body;
        try
        {
            body = await JsonNode.ParseAsync(context.Request.Body) as JsonObject ?? throw new JsonException("expected a JSON object");
        }
        catch (Exception e) when (e is JsonException or BadHttpRequestException)
        {
            await Reject(context, 400, "the body is not a JSON object: " + e.Message);
            return;
        }

        JsonObject content;
        string room, eventType, txnId;
        try
        {
            (room, eventType, content, txnId) = Parse(body);
        }
        catch (Exception e) when (e is ArgumentException or SchemaValidationException)
        {
            var error = new JsonObject { ["error"] = e.Message };
            if (e is SchemaValidationException invalid)
            {
                error["errors"] = new JsonArray([.. invalid.Errors.Select(x => (JsonNode)x)]);
            }

            Interlocked.Increment(ref _rejected);
            await Json(context, 400, error);
            return;
        }

        var pending = QueuedEstimate();
        if (pending >= options.MaxQueue)
        {
            context.Response.Headers.RetryAfter = "5";
            await Reject(context, 503, $"the outbox is full ({pending} events waiting for the homeserver); retry later");
            return;
        }

        var id = await _commits.EnqueueAsync(new OutboxItem(client.Homeserver.ToString(), client.Session.UserId, room, eventType, content, txnId));
        Interlocked.Increment(ref _accepted);
        Interlocked.Increment(ref _queuedSinceCount);
        _delivery.Wake();
        await Json(context, 202, new JsonObject { ["queued"] = true, ["id"] = id, ["transaction_id"] = txnId });
    }

    /// <summary>Pending events for the backpressure check: counted in the outbox at most every 100 ms (counting is
    /// proportional to the backlog), plus what was accepted since; other processes' spooled events show at the next count.</summary>
    private long QueuedEstimate()
    {
        var now = Environment.TickCount64;
        if (now - Interlocked.Read(ref _countedAt) > 100)
        {
            Interlocked.Exchange(ref _queuedSinceCount, 0);
            Interlocked.Exchange(ref _queuedCounted, store.PendingCount(client.Homeserver.ToString()));
            Interlocked.Exchange(ref _countedAt, now);
        }

        return Interlocked.Read(ref _queuedCounted) + Interlocked.Read(ref _queuedSinceCount);
    }

    /// <summary>The event, checked field by field (a wrong type is a 400 naming the field), with the producer's
    /// <c>txn_id</c> or a new one.</summary>
    private (string Room, string EventType, JsonObject Content, string TxnId) Parse(JsonObject body)
    {
        var room = Text(body, "room") ?? throw new ArgumentException("room is required (!id:server or #alias:server)");
        if (!(room.StartsWith('!') || room.StartsWith('#')) || !room.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException($"room must be a room id (!id:server) or an alias (#alias:server), got '{room}'");
        }

        var eventType = Text(body, "event_type") ?? "m.room.message";
        var txnId = Text(body, "txn_id") is { Length: > 0 } given ? given : TransactionIds.New();
        if (Text(body, "schema") is { } schema)
        {
            if (body["content"] is not null)
            {
                throw new ArgumentException("give either content or schema and data, not both");
            }

            var data = body["data"] as JsonObject ?? throw new ArgumentException("schema needs data (a JSON object)");
            return (room, eventType, SoltiEvent.Build(schemas, schema, data, Text(body, "source") ?? Environment.MachineName,
                validate: Flag(body, "validate") ?? true, html: Flag(body, "html") ?? false), txnId);
        }

        return (room, eventType, body["content"] as JsonObject ?? throw new ArgumentException("content (a JSON object) or schema and data are required"), txnId);
    }

    private static string? Text(JsonObject body, string name) => body[name] switch
    {
        null => null,
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        _ => throw new ArgumentException($"{name} must be a string"),
    };

    private static bool? Flag(JsonObject body, string name) => body[name] switch
    {
        null => null,
        JsonValue value when value.TryGetValue<bool>(out var flag) => flag,
        _ => throw new ArgumentException($"{name} must be true or false"),
    };

    private string Metrics()
    {
        var (queued, oldest) = store.PendingSummary(client.Homeserver.ToString());
        var text = new StringBuilder();
        void Metric(string name, string type, string help, double value)
        {
            text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            text.Append(name).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        Metric("solti_relay_queued", "gauge", "Events accepted and not yet delivered.", queued);
        Metric("solti_relay_accepted_total", "counter", "Events accepted from producers by this process.", Interlocked.Read(ref _accepted));
        Metric("solti_relay_rejected_total", "counter", "Requests refused as invalid by this process.", Interlocked.Read(ref _rejected));
        Metric("solti_relay_delivered_total", "counter", "Events delivered by this process.", _delivery.Metrics.Delivered);
        Metric("solti_relay_retries_total", "counter", "Delivery attempts that will be retried.", _delivery.Metrics.Retries);
        Metric("solti_relay_dead_total", "counter", "Events the homeserver refused for good (kept as dead in the outbox).", _delivery.Metrics.Dead);
        Metric("solti_relay_oldest_age_seconds", "gauge", "Age of the oldest undelivered event (0 when none).", oldest?.TotalSeconds ?? 0);
        return text.ToString();
    }

    private Task Reject(HttpContext context, int status, string message)
    {
        Interlocked.Increment(ref _rejected);
        return Json(context, status, new JsonObject { ["error"] = message });
    }

    private static Task Json(HttpContext context, int status, JsonObject body) => Text(context, status, body.ToJsonString(), "application/json");

    private static async Task Text(HttpContext context, int status, string body, string contentType)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        await context.Response.WriteAsync(body);
    }
}
