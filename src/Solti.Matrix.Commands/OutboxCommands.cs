using System.Globalization;
using Solti.Matrix.Outbox;

namespace Solti.Matrix.Commands;

/// <summary><c>outbox status|flush|purge</c>: what is queued, deliver it now, forget what is done.</summary>
public static class OutboxCommands
{
    public static Command Create()
    {
        var status = new Command("status", "Counts by state, the oldest undelivered event's age, and the dead events with their errors");
        status.SetAction((parse, _) => CommandRunner.RunAsync(parse, () =>
        {
            using var store = CliSettings.OpenOutbox(parse);
            var stats = store.Stats();
            CliOutput.Write(parse, new JsonObject
            {
                ["outbox"] = store.Path,
                ["pending"] = stats.Pending,
                ["delivered"] = stats.Delivered,
                ["dead"] = stats.Dead,
                ["oldest_pending_seconds"] = stats.OldestPendingAge is { } age ? Math.Round(age.TotalSeconds, 1) : null,
                ["dead_events"] = new JsonArray([.. store.Dead(20).Select(d => (JsonNode)new JsonObject { ["id"] = d.Id, ["room"] = d.Room, ["transaction_id"] = d.TransactionId, ["error"] = d.LastError })]),
            });
            return Task.CompletedTask;
        }));

        var flush = new Command("flush", "Deliver the pending events of --homeserver now, in order per room (once; the relay does it continuously)");
        flush.SetAction((parse, ct) => CommandRunner.RunAsync(parse, async () =>
        {
            using var store = CliSettings.OpenOutbox(parse);
            using var client = ClientFactory.Create(parse);
            var delivery = new OutboxDelivery(store, client, client.Homeserver.ToString());
            var (delivered, blocked, _) = await delivery.DeliverPendingAsync(ct);
            var stats = store.Stats(client.Homeserver.ToString());
            CliOutput.Write(parse, new JsonObject { ["delivered"] = delivered, ["dead"] = delivery.Metrics.Dead, ["pending"] = stats.Pending, ["blocked"] = blocked });
            if (stats.Pending > 0)
            {
                throw new IOException($"{stats.Pending} event(s) still pending (the homeserver is not accepting them yet); they stay queued");
            }
        }));

        var olderThan = new Option<string>("--older-than") { Description = "Only what finished longer ago than this (e.g. 30s, 15m, 24h, 7d)", DefaultValueFactory = _ => "0s" };
        var dead = new Option<bool>("--dead") { Description = "Also remove dead events (refused by the server for good)" };
        var purge = new Command("purge", "Remove delivered events (pending ones are never removed)") { olderThan, dead };
        purge.SetAction((parse, _) => CommandRunner.RunAsync(parse, () =>
        {
            using var store = CliSettings.OpenOutbox(parse);
            CliOutput.Write(parse, new JsonObject { ["purged"] = store.Purge(parse.GetValue(dead), Duration(parse.GetValue(olderThan)!)) });
            return Task.CompletedTask;
        }));
        return new Command("outbox", "The durable outbox of events waiting for the homeserver") { status, flush, purge };
    }

    /// <summary><c>90</c>/<c>90s</c>, <c>15m</c>, <c>24h</c>, <c>7d</c>.</summary>
    public static TimeSpan Duration(string text)
    {
        var unit = text[^1];
        var number = char.IsDigit(unit) ? text : text[..^1];
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0)
        {
            throw new ArgumentException($"expected a duration such as 30s, 15m, 24h or 7d, got '{text}'");
        }

        return unit switch
        {
            'm' => TimeSpan.FromMinutes(value),
            'h' => TimeSpan.FromHours(value),
            'd' => TimeSpan.FromDays(value),
            's' or _ when char.IsDigit(unit) || unit == 's' => TimeSpan.FromSeconds(value),
            _ => throw new ArgumentException($"expected a duration such as 30s, 15m, 24h or 7d, got '{text}'"),
        };
    }
}
