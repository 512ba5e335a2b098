using System.Globalization;
using Solti.Matrix.Accounts;

namespace Solti.Matrix;

/// <summary>Paginated lists: every page is followed up to a cap (<see cref="OffsetPagesAsync"/>). (Accounts are listed by the
/// account authority: <see cref="IAccountAuthority.ListAsync"/>.)</summary>
public partial class SynapseAdminClient
{
    /// <summary>Rooms across all pages; <paramref name="searchTerm"/> is Synapse's server-side filter.</summary>
    public virtual Task<(List<JsonObject> Rooms, int Total)> ListRoomsAsync(string? searchTerm = null, int cap = int.MaxValue, CancellationToken cancellationToken = default) =>
        OffsetPagesAsync(MatrixPath.Admin + "/v1/rooms", searchTerm is null ? "" : "&search_term=" + Uri.EscapeDataString(searchTerm), "rooms", "total_rooms", "next_batch", cap, cancellationToken);

    /// <summary>Synapse's offset paging (<c>from</c>, <c>limit</c> of at most 100, the next offset under
    /// <paramref name="nextKey"/>): every page of <paramref name="path"/> with <paramref name="filters"/> (<c>&amp;key=value</c>…)
    /// followed up to <paramref name="cap"/>; the items under <paramref name="itemsKey"/> and the total under
    /// <paramref name="totalKey"/>. A page that names a next offset but carries no item ends the walk. The one walk of
    /// rooms, event reports and a user's media.</summary>
    private async Task<(List<JsonObject> Items, int Total)> OffsetPagesAsync(string path, string filters, string itemsKey, string totalKey, string nextKey, int cap, CancellationToken cancellationToken)
    {
        var items = new List<JsonObject>();
        int? from = 0;
        var total = 0;
        while (from is not null && items.Count < cap)
        {
            var query = $"?from={from.Value.ToString(CultureInfo.InvariantCulture)}&limit={Math.Min(100, cap - items.Count).ToString(CultureInfo.InvariantCulture)}{filters}";
            var page = await Session.SendAsync(MatrixRequest.Get(path + query), cancellationToken);
            var entries = page[itemsKey] as JsonArray ?? [];
            items.AddRange(entries.Select(r => (JsonObject)r!.DeepClone()));
            total = SynapseAccounts.Number(page[totalKey]);
            from = page[nextKey] is JsonValue next && entries.Count > 0 ? SynapseAccounts.Number(next) : null;
        }

        return (items.Take(cap).ToList(), total);
    }
}
