using System.Globalization;
using System.Text;
using Solti.Matrix.Outbox;

namespace Solti.Matrix.Relay;

/// <summary><c>GET /metrics</c>: the outbox's backlog and this process's counters in Prometheus' text format.</summary>
internal sealed class RelayMetrics(OutboxStore store, OutboxDelivery delivery)
{
    private long _accepted;
    private long _rejected;

    public void Accepted() => Interlocked.Increment(ref _accepted);

    public void Rejected() => Interlocked.Increment(ref _rejected);

    public string Render()
    {
        var (queued, oldest) = store.PendingSummary();
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
        Metric("solti_relay_delivered_total", "counter", "Events delivered by this process.", delivery.Metrics.Delivered);
        Metric("solti_relay_retries_total", "counter", "Delivery attempts that will be retried.", delivery.Metrics.Retries);
        Metric("solti_relay_dead_total", "counter", "Events the homeserver refused for good (kept as dead in the outbox).", delivery.Metrics.Dead);
        Metric("solti_relay_oldest_age_seconds", "gauge", "Age of the oldest undelivered event (0 when none).", oldest?.TotalSeconds ?? 0);
        return text.ToString();
    }
}
