using System.Globalization;
using Solti.Matrix.Outbox;

namespace Solti.Matrix.Commands;

/// <summary><c>outbox status|flush|purge</c>: what is queued, deliver it now, forget what is done.</summary>
public static class OutboxCommands
{
    public static Command Create()
    {
        var status = new Command("status", "Counts by state, the oldest undelivered event's age, who the pending events are waiting for, and the dead events with their errors");
        status.SetAction((parse, _) => CommandRunner.RunAsync(parse, () =>
        {
            using var store = CliSettings.OpenOutbox(parse);
            var stats = store.Stats();
            var cache = parse.GetValue(CliSettings.NoCache) ? null : ClientFactory.Cache(parse);
            var senders = store.Senders(OutboxScope.All);
            CliOutput.Write(parse, new JsonObject
            {
                ["outbox"] = store.Path,
                ["pending"] = stats.Pending,
                ["delivered"] = stats.Delivered,
                ["dead"] = stats.Dead,
                ["oldest_pending_seconds"] = stats.OldestPendingAge is { } age ? Math.Round(age.TotalSeconds, 1) : null,
                ["senders"] = new JsonArray([.. senders.Select(sender => (JsonNode)Describe(sender, SessionOf(cache, sender)))]),
                ["waiting"] = new JsonArray([.. senders.Select(sender => WaitingNote(sender, SessionOf(cache, sender))).OfType<string>().Select(n => (JsonNode)n)]),
                ["dead_events"] = new JsonArray([.. store.Dead(20).Select(d => (JsonNode)new JsonObject { ["id"] = d.Id, ["room"] = d.Room, ["sender"] = d.UserId, ["transaction_id"] = d.TransactionId, ["error"] = d.LastError })]),
            });
            return Task.CompletedTask;
        }));

        var room = new Option<string?>("--room") { Description = "Only the events queued for this room (as it was given: a room id or an alias)" };
        var adopt = new Option<bool>("--adopt-unattributed") { Description = "Deliver the events that record no sender (queued by an older version) as the user the flags log in as" };
        var flush = new Command("flush", "Deliver every pending event now, each to its own homeserver as its own sender, in order per room (once; the relay does it continuously). --homeserver, --user and --room only narrow it") { room, adopt };
        flush.SetAction((parse, ct) => CommandRunner.RunAsync(parse, async () =>
        {
            using var store = CliSettings.OpenOutbox(parse);
            using var senders = ClientFactory.Senders(parse);
            var scope = new OutboxScope(parse.GetValue(CliSettings.Homeserver) is not null ? ClientFactory.Homeserver(parse)!.ToString() : null, parse.GetValue(CliSettings.User), parse.GetValue(room));
            var adopted = parse.GetValue(adopt) ? await AdoptAsync(parse, store, ct) : 0;
            var delivery = new OutboxDelivery(store, senders, scope);
            var (delivered, blocked) = await DrainAsync(delivery, (int)Math.Min(int.MaxValue, store.Senders(scope).Sum(s => s.Pending)), ct);
            var left = store.Senders(scope);
            var pending = left.Sum(s => s.Pending);
            var waiting = left.Select(s => WaitingNote(s, s.UserId is null ? "unknown sender" : senders.Unavailable.GetValueOrDefault((OutboxStore.Key(s.Homeserver), s.UserId)) ?? "the homeserver is not accepting them yet")).OfType<string>().ToList();
            var result = new JsonObject { ["delivered"] = delivered, ["dead"] = delivery.Metrics.Dead, ["pending"] = pending, ["blocked"] = blocked, ["waiting"] = new JsonArray([.. waiting.Select(w => (JsonNode)w)]) };
            if (parse.GetValue(adopt))
            {
                result["adopted"] = adopted;
            }

            CliOutput.Write(parse, result);
            if (pending > 0)
            {
                throw new IOException($"{pending} event(s) still pending; they stay queued: {string.Join("; ", waiting)}");
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

    /// <summary>Passes over the outbox until one delivers nothing more (a pass reads a bounded number of events per
    /// room, so thousands take several), with a progress line on a terminal.</summary>
    private static async Task<(int Delivered, bool Blocked)> DrainAsync(OutboxDelivery delivery, int pending, CancellationToken ct)
    {
        using var progress = TerminalProgress.Start(pending);
        void Show() => progress?.Report((int)(delivery.Metrics.Delivered + delivery.Metrics.Dead), $"delivered {delivery.Metrics.Delivered}, dead {delivery.Metrics.Dead}");
        using var ticker = progress is null ? null : new Timer(_ => Show(), null, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100));
        var (delivered, blocked) = (0, false);
        int pass;
        do
        {
            (pass, blocked, _) = await delivery.DeliverPendingAsync(ct);
            delivered += pass;
        }
        while (pass > 0);

        Show();
        return (delivered, blocked);
    }

    /// <summary>What the cache says of a sender's session: null when it holds one.</summary>
    private static string? SessionOf(Sessions.CredentialCache? cache, OutboxSender sender) => (sender.UserId, cache) switch
    {
        (null, _) => "unknown sender",
        (_, null) => Sessions.CredentialCache.NoSession + " (--no-cache)",
        var (user, c) => c.Probe(new Uri(sender.Homeserver), user).Problem,
    };

    private static JsonObject Describe(OutboxSender sender, string? problem) => new()
    {
        ["homeserver"] = sender.Homeserver,
        ["user_id"] = sender.UserId,
        ["pending"] = sender.Pending,
        ["oldest_pending_seconds"] = Math.Round(sender.OldestPendingAge.TotalSeconds, 1),
        ["session"] = problem is null ? "cached" : problem,
    };

    /// <summary>"2 pending for @bot-a on https://hs: no session; run …", or null when nothing stops the sender.</summary>
    private static string? WaitingNote(OutboxSender sender, string? problem) => (sender.UserId, problem) switch
    {
        (_, null) => null,
        (null, _) => $"{sender.Pending} pending on {sender.Homeserver} with no recorded sender (queued with a bare access token while the homeserver could not say whose it is, or by an older version): "
            + "run `solti-matrix outbox flush` with that token (MATRIX_ACCESS_TOKEN), or `outbox flush --adopt-unattributed` with the credentials of the user they belong to",
        (var user, var why) when why.StartsWith(Sessions.CredentialCache.NoSession, StringComparison.Ordinal) || why.StartsWith(Sessions.CredentialCache.Unreadable, StringComparison.Ordinal) =>
            $"{sender.Pending} pending for {user} on {sender.Homeserver}: {why}; run `solti-matrix login --homeserver {sender.Homeserver} --user {user}` or a task with its credentials",
        (var user, var why) => $"{sender.Pending} pending for {user} on {sender.Homeserver}: {why}",
    };

    /// <summary><c>--adopt-unattributed</c>: the flags' user (asked of the server) becomes the sender of the events
    /// that record none on the flags' homeserver.</summary>
    private static async Task<int> AdoptAsync(ParseResult parse, OutboxStore store, CancellationToken ct)
    {
        if (!ClientFactory.HasCredentials(parse))
        {
            throw new ArgumentException("--adopt-unattributed needs the credentials of the user the events belong to (--user with a password, or MATRIX_ACCESS_TOKEN)");
        }

        using var client = ClientFactory.Create(parse);
        var user = (await client.WhoAmIAsync(ct))["user_id"]!.GetValue<string>();
        return OutboxSenders.Adopt(store, client.Homeserver.ToString(), user, client.Session.DeviceId);
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
