using Microsoft.Extensions.Time.Testing;
using Solti.Matrix.Alerts;
using Solti.Matrix.Events;
using Solti.Matrix.Outbox;
using Solti.Matrix.Tests.Support;

namespace Solti.Matrix.Tests.Alerts;

/// <summary>The durable ledger: what it accepted survives reopening the outbox, per scope (room); an entry not seen for
/// the retention is forgotten, one the sender keeps repeating is not.</summary>
[Trait("tier", "unit")]
public sealed class SqliteAlertLedgerTests
{
    private static readonly SchemaRegistry Registry = SchemaRegistry.Load();

    [Fact]
    public void Accepted_alerts_survive_a_reopen_per_scope_and_are_forgotten_after_the_retention_unless_seen()
    {
        using var directory = new TempDirectory("solti-ledger-");
        var path = Path.Combine(directory, "outbox.db");
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 2, 6, 12, 0, 0, TimeSpan.Zero));
        var notification = AlertmanagerPayload.Parse(AlertPayloadTests.Sample("alertmanager-v4.json"));
        using (var store = new OutboxStore(path))
        {
            var ledger = new SqliteAlertLedger(store, "!room:example.org", time: clock);
            var events = AlertEvents.Map(notification, ledger, Registry);
            Assert.Equal(2, events.Count);
            ledger.Record(events);
        }

        using (var store = new OutboxStore(path))
        {
            Assert.Empty(AlertEvents.Map(notification, new SqliteAlertLedger(store, "!room:example.org", time: clock), Registry));
            Assert.Equal(2, AlertEvents.Map(notification, new SqliteAlertLedger(store, "!other:example.org", time: clock), Registry).Count);

            // Six days on, a repeat is seen (its entries move forward); eight days after that, still remembered.
            clock.Advance(TimeSpan.FromDays(6));
            var repeat = new SqliteAlertLedger(store, "!room:example.org", time: clock);
            Assert.Empty(AlertEvents.Map(notification, repeat, Registry));
            repeat.Record([]);
            clock.Advance(TimeSpan.FromDays(6));
            var later = new SqliteAlertLedger(store, "!room:example.org", time: clock);
            Assert.Empty(AlertEvents.Map(notification, later, Registry));

            // Not seen for more than the retention: forgotten at the next record (any scope's).
            clock.Advance(SqliteAlertLedger.DefaultRetention + TimeSpan.FromHours(1));
            var other = new SqliteAlertLedger(store, "!third:example.org", time: clock);
            other.Record(AlertEvents.Map(notification, other, Registry));
            Assert.Equal(2, AlertEvents.Map(notification, new SqliteAlertLedger(store, "!room:example.org", time: clock), Registry).Count);
        }
    }
}
