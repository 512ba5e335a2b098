using Solti.Matrix.Identifiers;
using Solti.Matrix.Mas;

namespace Solti.Matrix.Accounts;

/// <summary>Accounts on a homeserver that delegates authentication to MAS, through MAS's admin API: what MAS owns (the
/// account's existence, password, admin right, deactivation, lock; devices as sessions; registration tokens; tokens
/// minted for users) goes to MAS; what Synapse still owns (display name, avatar, user type, …) stays on Synapse
/// (<paramref name="synapse"/>). Accounts read as Synapse's with MAS's <c>admin</c>, <c>deactivated</c> and <c>locked</c>,
/// so callers plan and report as on any homeserver. See docs/mas.md and docs/design/mas-facts.md.</summary>
public sealed partial class MasAccounts(MasAdminClient mas, SynapseAccounts synapse) : IAccountAuthority
{
    /// <summary>The keys of an account that belong to MAS.</summary>
    private static readonly HashSet<string> MasOwnedKeys = new(StringComparer.Ordinal) { "admin", "deactivated", "locked" };

    /// <summary>MAS's admin API.</summary>
    public MasAdminClient Mas => mas;

    /// <summary>MAS owns accounts, passwords and admin rights, and its admin API was given: nothing is refused.</summary>
    public string? AccountWriteRefusal(string what) => null;

    private Task<MasResource?> MasUserAsync(string userId, CancellationToken cancellationToken) =>
        mas.FindUserAsync(MatrixId.Localpart(userId), cancellationToken);

    /// <summary>Synapse's account with what MAS says of it.</summary>
    private static Account WithMasFlags(Account account, MasResource user) =>
        account.WithOwnerFlags(user.Flag("admin"), user.Time("deactivated_at") is not null, user.Time("locked_at") is not null);

    /// <summary>Synapse's row, or a bare one when Synapse has none yet.</summary>
    private static Account RowOr(Account? row, string userId) => row ?? Account.FromSynapse(new JsonObject(), userId);

    /// <summary>The account, or null when MAS does not know it (Synapse may keep a row nobody can sign in as).</summary>
    public async Task<Account?> GetAsync(string userId, CancellationToken cancellationToken = default) =>
        await MasUserAsync(userId, cancellationToken) is { } user
            ? WithMasFlags(RowOr(await synapse.RowAsync(userId, cancellationToken), userId), user)
            : null;

    /// <summary>Each account on its own (Synapse's list has Synapse's flags, not MAS's), a few at a time.</summary>
    public async Task<IReadOnlyDictionary<string, Account?>> FindAsync(IReadOnlyCollection<string> userIds, CancellationToken cancellationToken = default)
    {
        var found = new Dictionary<string, Account?>(StringComparer.Ordinal);
        await SynapseAccounts.EachAsync(userIds.Distinct(StringComparer.Ordinal).ToList(), async (userId, ct) =>
        {
            var account = await GetAsync(userId, ct);
            lock (found)
            {
                found[userId] = account;
            }
        }, cancellationToken);
        return found;
    }

    /// <summary>Synapse's list with MAS's flags (one MAS listing); the admin and locked filters use MAS's flags (MAS's
    /// admin API filters by them too, but the list is Synapse's, so they are applied to its rows here).</summary>
    public async Task<(IReadOnlyList<Account> Accounts, int Total)> ListAsync(AccountQuery query, CancellationToken cancellationToken = default)
    {
        var known = (await mas.ListAsync("users", [], cancellationToken)).ToDictionary(u => u.Text("username") ?? "", StringComparer.Ordinal);
        return await synapse.ListAsync(query, serverFiltersAdmin: false,
            row => known.TryGetValue(MatrixId.Localpart(row.UserId), out var user) ? WithMasFlags(row, user) : row, cancellationToken);
    }

    /// <summary>Creates the account in MAS when it has none (with its display name and avatar), sets what MAS owns that
    /// <paramref name="write"/> names and differs, then writes the rest to Synapse.</summary>
    public async Task<Account> PutAsync(string userId, AccountWrite write, CancellationToken cancellationToken = default)
    {
        var rest = new JsonObject();
        foreach (var (key, value) in write.Fields)
        {
            if (!MasOwnedKeys.Contains(key))
            {
                rest[key] = value?.DeepClone();
            }
        }

        var user = await MasUserAsync(userId, cancellationToken);
        if (user is null)
        {
            user = await mas.CreateUserAsync(MatrixId.Localpart(userId), Text(rest, "displayname"), Text(rest, "avatar_url"), cancellationToken);
            rest.Remove("displayname");
            rest.Remove("avatar_url");
        }

        if (write.Password is { } password)
        {
            await mas.SetPasswordAsync(user.Id, password, cancellationToken);
            if (write.LogoutDevices == true)
            {
                foreach (var session in await mas.ActiveCompatSessionsAsync(user.Id, cancellationToken))
                {
                    await mas.FinishCompatSessionAsync(session.Id, cancellationToken);
                }
            }
        }

        if (Flag(write.Fields, "deactivated") is { } deactivated && deactivated != user.Time("deactivated_at") is not null)
        {
            user = deactivated ? await mas.DeactivateUserAsync(user.Id, erase: false, cancellationToken) : await mas.ReactivateUserAsync(user.Id, cancellationToken);
        }

        if (Flag(write.Fields, "admin") is { } admin && admin != user.Flag("admin"))
        {
            user = await mas.SetAdminAsync(user.Id, admin, cancellationToken);
        }

        if (Flag(write.Fields, "locked") is { } locked && locked != user.Time("locked_at") is not null)
        {
            user = await mas.SetLockedAsync(user.Id, locked, cancellationToken);
        }

        // The account as it is now: Synapse's answer to the write (or a read when nothing was Synapse's), with MAS's
        // last answer's flags.
        var row = rest.Count > 0 ? await synapse.PutAsync(userId, new AccountWrite(rest), cancellationToken) : await synapse.RowAsync(userId, cancellationToken);
        return WithMasFlags(RowOr(row, userId), user);
    }

    /// <summary>Deactivates the account in MAS, which ends every session; when MAS does not know it, Synapse's row is
    /// deactivated as on any homeserver.</summary>
    public async Task DeactivateAsync(string userId, bool erase, CancellationToken cancellationToken = default)
    {
        if (await MasUserAsync(userId, cancellationToken) is { } user)
        {
            await mas.DeactivateUserAsync(user.Id, erase, cancellationToken);
        }
        else
        {
            await synapse.DeactivateAsync(userId, erase, cancellationToken);
        }
    }

    /// <summary>Synapse lists the devices MAS's sessions made.</summary>
    public Task<IReadOnlyList<Device>> DevicesAsync(string userId, CancellationToken cancellationToken = default) =>
        synapse.DevicesAsync(userId, cancellationToken);

    /// <summary>A device is a MAS session (a password login's compatibility session, or a personal session bound to the
    /// device), and deleting only Synapse's device would leave the session alive for MAS to bring the device back: so each
    /// device's session is finished or revoked; a device without one is deleted on Synapse as anywhere else.</summary>
    public async Task DeleteDevicesAsync(string userId, IReadOnlyCollection<string> deviceIds, CancellationToken cancellationToken = default)
    {
        var left = deviceIds.ToList();
        if (await MasUserAsync(userId, cancellationToken) is { } user)
        {
            var wanted = deviceIds.ToHashSet(StringComparer.Ordinal);
            var ended = new HashSet<string>(StringComparer.Ordinal);
            foreach (var session in await mas.ActiveCompatSessionsAsync(user.Id, cancellationToken))
            {
                if (MasAdminClient.DeviceOf(session) is { } device && wanted.Contains(device))
                {
                    await mas.FinishCompatSessionAsync(session.Id, cancellationToken);
                    ended.Add(device);
                }
            }

            foreach (var session in await mas.ActivePersonalSessionsAsync(user.Id, cancellationToken))
            {
                if (MasAdminClient.DeviceOf(session) is { } device && wanted.Contains(device))
                {
                    await mas.RevokePersonalSessionAsync(session.Id, cancellationToken);
                    ended.Add(device);
                }
            }

            left.RemoveAll(ended.Contains);
        }

        await synapse.DeleteDevicesAsync(userId, left, cancellationToken);
    }

    private static string? Text(JsonObject fields, string key) => fields[key] is JsonValue v && v.TryGetValue<string>(out var text) ? text : null;

    private static bool? Flag(JsonObject fields, string key) => fields[key] is JsonValue v && v.TryGetValue<bool>(out var flag) ? flag : null;
}
