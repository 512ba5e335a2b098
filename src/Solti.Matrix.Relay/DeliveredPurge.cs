using Solti.Matrix.Outbox;

namespace Solti.Matrix.Relay;

/// <summary>Delivered events are kept for <c>--keep-delivered</c> (for <c>outbox status</c> and audits), then removed,
/// hourly, so the outbox stays small on a host that relays for years. Dead events stay until purged by hand.</summary>
internal static class DeliveredPurge
{
    public static async Task RunAsync(OutboxStore store, TimeSpan keepDelivered, CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                store.Purge(includeDead: false, keepDelivered);
                await Task.Delay(TimeSpan.FromHours(1), stop);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
