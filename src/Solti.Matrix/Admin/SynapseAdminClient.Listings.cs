using System.Globalization;
using Solti.Matrix.Accounts;

namespace Solti.Matrix;

/// <summary>Paginated room list: every page is followed (<c>next_batch</c>) up to a cap. (Accounts are listed by the
/// account authority: <see cref="IAccountAuthority.ListAsync"/>.)</summary>
public partial class SynapseAdminClient
{
    /// <summary>Rooms across all pages; <paramref name="searchTerm"/> is Synapse's server-side filter.</summary>
    public virtual async Task<(List<JsonObject> Rooms, int Total)> ListRoomsAsync(string? searchTerm = null, int cap = int.MaxValue, CancellationToken cancellationToken = default)
    {
        var rooms = new List<JsonObject>();
        int? from = 0;
        var total = 0;
        while (from is not null && rooms.Count < cap)
        {
            var query = $"?from={from.Value.ToString(CultureInfo.InvariantCulture)}&limit={Math.Min(100, cap - rooms.Count)}" + (searchTerm is null ? "" : "&search_term=" + Uri.EscapeDataString(searchTerm));
            var page = await Session.SendAsync(MatrixRequest.Get(MatrixPath.Admin + "/v1/rooms" + query), cancellationToken);
            rooms.AddRange((page["rooms"] as JsonArray ?? []).Select(r => (JsonObject)r!.DeepClone()));
            total = SynapseAccounts.Number(page["total_rooms"]);
            from = page["next_batch"] is JsonValue next ? SynapseAccounts.Number(next) : null;
        }

        return (rooms.Take(cap).ToList(), total);
    }
}
