using System.Globalization;
using Solti.Matrix.Discovery;
using Solti.Matrix.Sessions;

namespace Solti.Matrix.Accounts;

/// <summary>Accounts, devices, registration tokens and minted tokens through Synapse's admin API, over the admin session.
/// On a homeserver that delegates authentication to MAS without MAS's admin API given (<paramref name="authentication"/>
/// says so), users are listed with <c>guests=false</c> (Synapse refuses the default there) and what MAS owns fails
/// naming MAS (docs/design/mas-facts.md §2.2); <see cref="MasAccounts"/> uses this class for what Synapse still owns.</summary>
public sealed partial class SynapseAccounts(MatrixSession session, HomeserverAuthentication authentication) : IAccountAuthority
{
    private const int PageSize = 100;

    /// <summary>How many single-account reads <see cref="FindAsync"/> makes at once.</summary>
    internal const int Parallelism = 4;

    /// <summary>What to do about what MAS owns when no MAS admin client is given.</summary>
    public const string MasRemedy = "give MAS's admin API (its URL and an admin client's id and secret, or an admin token: docs/mas.md), or use mas-cli";

    internal MatrixSession Session => session;

    private bool Delegated => authentication.IsDelegated;

    /// <inheritdoc/>
    public string? AccountWriteRefusal(string what) => Delegated
        ? $"{what} belongs to {authentication.Owner}, not to Synapse, whose admin API would change only Synapse's copy: {MasRemedy}"
        : null;

    private static string UserPath(string userId) => MatrixPath.Build(MatrixPath.Admin, "v2", "users", PathPart.Value(userId));

    private static string DevicesPath(string userId) => MatrixPath.Build(MatrixPath.Admin, "v2", "users", PathPart.Value(userId), "devices");

    /// <inheritdoc/>
    public async Task<Account?> GetAsync(string userId, CancellationToken cancellationToken = default) =>
        await session.GetOrNullAsync(UserPath(userId), cancellationToken) is { } found ? Account.FromSynapse(found, userId) : null;

    /// <summary>Synapse's row of the account, or null (for <see cref="MasAccounts"/>, which overlays MAS's flags).</summary>
    internal Task<Account?> RowAsync(string userId, CancellationToken cancellationToken) => GetAsync(userId, cancellationToken);

    /// <summary>Pages the user list while the pages left cost fewer requests than asking for each account still unseen,
    /// then reads the rest one by one, a few at a time.</summary>
    public async Task<IReadOnlyDictionary<string, Account?>> FindAsync(IReadOnlyCollection<string> userIds, CancellationToken cancellationToken = default)
    {
        var wanted = userIds.ToHashSet(StringComparer.Ordinal);
        var found = new Dictionary<string, Account?>(StringComparer.Ordinal);
        string? from = wanted.Count > 2 ? "0" : null;
        while (from is not null)
        {
            var page = await session.SendAsync(MatrixRequest.Get(MatrixPath.Admin + $"/v2/users?from={Uri.EscapeDataString(from)}&limit={PageSize}&deactivated=true&locked=true" + (Delegated ? "&guests=false" : "")), cancellationToken);
            foreach (var user in (page["users"] as JsonArray ?? []).OfType<JsonObject>().Select(u => Account.FromSynapse(u)).Where(u => wanted.Contains(u.UserId)))
            {
                found[user.UserId] = user;
            }

            var next = page["next_token"] is JsonValue token ? token.ToString() : null;
            if (next is null)
            {
                foreach (var name in wanted.Where(w => !found.ContainsKey(w)))
                {
                    found[name] = null; // the whole list was read: unknown
                }

                break;
            }

            var total = Number(page["total"]);
            var seen = int.TryParse(next, out var offset) ? offset : total;
            var pagesLeft = (Math.Max(0, total - seen) + PageSize - 1) / PageSize;
            var unseen = wanted.Count - found.Count;
            from = unseen > 0 && pagesLeft < unseen ? next : null;
        }

        await EachAsync(wanted.Where(w => !found.ContainsKey(w)).ToList(), async (name, ct) =>
        {
            var account = await GetAsync(name, ct);
            lock (found)
            {
                found[name] = account;
            }
        }, cancellationToken);
        return found;
    }

    /// <summary>Runs <paramref name="body"/> for each item, <see cref="Parallelism"/> at a time.</summary>
    internal static Task EachAsync<T>(IReadOnlyCollection<T> items, Func<T, CancellationToken, Task> body, CancellationToken cancellationToken) =>
        items.Count == 0 ? Task.CompletedTask : Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken }, async (item, ct) => await body(item, ct));

    /// <inheritdoc/>
    public Task<(IReadOnlyList<Account> Accounts, int Total)> ListAsync(AccountQuery query, CancellationToken cancellationToken = default) =>
        ListAsync(query, serverFiltersAdmin: true, overlay: null, cancellationToken);

    /// <summary>Every page of <c>/v2/users</c> with Synapse's filters (the admin flag only when
    /// <paramref name="serverFiltersAdmin"/>: through MAS the flag is MAS's), each row through <paramref name="overlay"/>
    /// (MAS's flags) and <see cref="AccountQuery.Matches"/>, since older releases ignore the filters they do not know. The
    /// total is the server's while its filtering removed everything ours would; when ours removes a row, or a filter is set
    /// that the server may not apply (<see cref="AccountQuery.CountsItself"/>), every page is read and the matches counted here.</summary>
    internal async Task<(IReadOnlyList<Account> Accounts, int Total)> ListAsync(AccountQuery query, bool serverFiltersAdmin, Func<Account, Account>? overlay, CancellationToken cancellationToken)
    {
        var filters = query.SynapseFilters(serverFiltersAdmin, Delegated ? false : null);
        var users = new List<Account>();
        string? from = "0";
        var serverTotal = 0;
        var matched = 0;
        var countsItself = query.CountsItself;
        while (from is not null && (countsItself || users.Count < query.Cap))
        {
            var size = countsItself ? PageSize : Math.Min(PageSize, query.Cap - users.Count);
            var page = await session.SendAsync(MatrixRequest.Get(MatrixPath.Admin + $"/v2/users?from={Uri.EscapeDataString(from)}&limit={size}" + filters), cancellationToken);
            foreach (var row in (page["users"] as JsonArray ?? []).OfType<JsonObject>())
            {
                var account = Account.FromSynapse(row);
                account = overlay is null ? account : overlay(account);
                if (!query.Matches(account))
                {
                    countsItself = true; // the server ignored a filter: its total counts rows we leave out
                    continue;
                }

                matched++;
                if (users.Count < query.Cap)
                {
                    users.Add(account);
                }
            }

            serverTotal = Number(page["total"]);
            from = page["next_token"] is JsonValue next ? next.ToString() : null;
        }

        return (users, countsItself ? matched : serverTotal);
    }

    /// <summary>Synapse answers some numbers as strings (next_batch in old releases).</summary>
    internal static int Number(JsonNode? node) => node is JsonValue v
        ? v.GetValueKind() == JsonValueKind.String ? int.Parse(v.GetValue<string>(), CultureInfo.InvariantCulture) : (int)v.GetValue<double>()
        : 0;

    /// <summary><c>PUT /v2/users/{id}</c>: creates the account or changes only the keys given.</summary>
    public async Task<Account> PutAsync(string userId, AccountWrite write, CancellationToken cancellationToken = default) =>
        Account.FromSynapse((JsonObject)await session.SendAsync(MatrixRequest.Put(UserPath(userId), write.SynapseBody()), cancellationToken), userId);

    /// <summary><c>POST /v1/deactivate/{id}</c>.</summary>
    public Task DeactivateAsync(string userId, bool erase, CancellationToken cancellationToken = default) =>
        session.SendAsync(MatrixRequest.Post(MatrixPath.Build(MatrixPath.Admin, "v1", "deactivate", PathPart.Value(userId)), new JsonObject { ["erase"] = erase }), cancellationToken);

    /// <inheritdoc/>
    public async Task<IReadOnlyList<Device>> DevicesAsync(string userId, CancellationToken cancellationToken = default) =>
        [.. ((await session.SendAsync(MatrixRequest.Get(DevicesPath(userId)), cancellationToken))["devices"] as JsonArray ?? []).Select(Device.FromSynapse).OfType<Device>()];

    /// <summary>Creates the device if it does not exist (a no-op otherwise), so a later login can claim it.</summary>
    public Task CreateDeviceAsync(string userId, string deviceId, CancellationToken cancellationToken = default) =>
        session.SendAsync(MatrixRequest.Post(DevicesPath(userId), new JsonObject { ["device_id"] = deviceId }), cancellationToken);

    /// <summary>Deletes devices in bulk (one request per 1,000).</summary>
    public async Task DeleteDevicesAsync(string userId, IReadOnlyCollection<string> deviceIds, CancellationToken cancellationToken = default)
    {
        foreach (var batch in deviceIds.Chunk(1000))
        {
            var body = new JsonObject { ["devices"] = new JsonArray([.. batch.Select(id => (JsonNode)id)]) };
            await session.SendAsync(MatrixRequest.Post(MatrixPath.Build(MatrixPath.Admin, "v2", "users", PathPart.Value(userId), "delete_devices"), body), cancellationToken);
        }
    }

    /// <summary>Runs <paramref name="call"/> to an admin API that MAS owns on a delegated homeserver, where Synapse answers
    /// that it does not serve it (<see cref="MatrixException.IsUnrecognized"/>): there that answer becomes an error saying
    /// that <paramref name="what"/> belong to MAS; elsewhere it stays as it is.</summary>
    private async Task<T> MasOwnedAsync<T>(string what, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (MatrixException e) when (e.IsUnrecognized && Delegated)
        {
            throw new MatrixException(e.Status, e.Errcode, $"{what} belong to {authentication.Owner}, and Synapse serves no API for them: {MasRemedy}", inner: e) { HasMatrixBody = e.HasMatrixBody };
        }
    }

    /// <summary><see cref="MasOwnedAsync{T}"/> for one request.</summary>
    private Task<JsonNode> SendMasOwnedAsync(MatrixRequest request, string what, CancellationToken cancellationToken) =>
        MasOwnedAsync(what, () => session.SendAsync(request, cancellationToken));
}
