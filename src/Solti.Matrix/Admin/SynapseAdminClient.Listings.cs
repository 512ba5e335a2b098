using System.Globalization;
using Solti.Matrix.Mas;

namespace Solti.Matrix;

/// <summary>Paginated admin lists: every page is followed (<c>next_token</c>, <c>next_batch</c>) up to a cap.</summary>
public partial class SynapseAdminClient
{
    /// <summary>Users across all pages; <paramref name="name"/> is Synapse's server-side filter. Returns the server's total too.</summary>
    public virtual Task<(List<JsonObject> Users, int Total)> ListUsersAsync(string? name = null, int cap = int.MaxValue, CancellationToken cancellationToken = default) =>
        ListUsersAsync(name, cap, extraQuery: null, cancellationToken);

    /// <summary>As above, with more of Synapse's filters as a query string (<c>admins=true&amp;deactivated=false</c>).</summary>
    public virtual async Task<(List<JsonObject> Users, int Total)> ListUsersAsync(string? name, int cap, string? extraQuery, CancellationToken cancellationToken = default)
    {
        var users = new List<JsonObject>();
        string? from = "0";
        var total = 0;
        while (from is not null && users.Count < cap)
        {
            var query = $"?from={Uri.EscapeDataString(from)}&limit={Math.Min(100, cap - users.Count)}" + (name is null ? "" : "&name=" + Uri.EscapeDataString(name)) + (string.IsNullOrEmpty(extraQuery) ? "" : "&" + extraQuery) + await GuestsQueryAsync(cancellationToken);
            var page = await Session.SendAsync(MatrixRequest.Get(MatrixPath.Admin + "/v2/users" + query), cancellationToken);
            users.AddRange((page["users"] as JsonArray ?? []).Select(u => (JsonObject)u!.DeepClone()));
            total = Number(page["total"]);
            from = page["next_token"] is JsonValue next ? next.ToString() : null;
        }

        if (await MasAsync(cancellationToken) is { } mas)
        {
            await WithMasFlagsAsync(mas, users, cancellationToken);
        }

        return (users.Take(cap).ToList(), total);
    }

    /// <summary>Through MAS, the accounts' <c>admin</c>, <c>deactivated</c> and <c>locked</c> are MAS's (one listing).</summary>
    private async Task WithMasFlagsAsync(MasAdminClient mas, List<JsonObject> users, CancellationToken cancellationToken)
    {
        var known = (await mas.ListAsync("users", [], cancellationToken)).ToDictionary(u => u.Text("username") ?? "", StringComparer.Ordinal);
        foreach (var user in users)
        {
            if (user["name"] is JsonValue name && known.TryGetValue(Identifiers.MatrixId.Localpart(name.GetValue<string>()), out var account))
            {
                WithMasFlags(user, account);
            }
        }
    }

    /// <summary>One page of <c>/v2/users</c> with deactivated accounts included: the users, the next page's token (null at the end) and the total.</summary>
    public virtual async Task<(List<JsonObject> Users, string? Next, int Total)> ListUsersPageAsync(string from, int limit, CancellationToken cancellationToken = default)
    {
        var page = await Session.SendAsync(MatrixRequest.Get(MatrixPath.Admin + $"/v2/users?from={Uri.EscapeDataString(from)}&limit={limit}&deactivated=true" + await GuestsQueryAsync(cancellationToken)), cancellationToken);
        var users = (page["users"] as JsonArray ?? []).Select(u => NormalizeFlags((JsonObject)u!.DeepClone())).ToList();
        return (users, page["next_token"] is JsonValue next ? next.ToString() : null, Number(page["total"]));
    }

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
            total = Number(page["total_rooms"]);
            from = page["next_batch"] is JsonValue next ? Number(next) : null;
        }

        return (rooms.Take(cap).ToList(), total);
    }

    /// <summary>Every registration token the server has (<c>GET /v1/registration_tokens</c>), each as the server
    /// describes it.</summary>
    public virtual async Task<List<JsonObject>> ListRegistrationTokensAsync(CancellationToken cancellationToken = default) =>
        await MasAsync(cancellationToken) is { } mas ? await ListMasRegistrationTokensAsync(mas, cancellationToken) : [.. ((await SendMasOwnedAsync(MatrixRequest.Get(MatrixPath.Admin + "/v1/registration_tokens"), RegistrationTokens, cancellationToken))["registration_tokens"] as JsonArray ?? [])
            .Select(t => (JsonObject)t!.DeepClone())];

    /// <summary>Synapse answers some numbers as strings (next_batch in old releases).</summary>
    private static int Number(JsonNode? node) => node is JsonValue v
        ? v.GetValueKind() == JsonValueKind.String ? int.Parse(v.GetValue<string>(), CultureInfo.InvariantCulture) : (int)v.GetValue<double>()
        : 0;
}
