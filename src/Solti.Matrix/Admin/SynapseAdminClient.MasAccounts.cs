using Solti.Matrix.Identifiers;
using Solti.Matrix.Mas;

namespace Solti.Matrix;

/// <summary>Accounts on a homeserver that delegates authentication to MAS, when MAS's admin API is reachable
/// (<see cref="MasCredentials"/>): what MAS owns (the account's existence, password, admin right, deactivation, lock)
/// goes to MAS; what Synapse still owns (display name, avatar, user type, rate limits, rooms) stays on Synapse. The
/// account reads as Synapse's, with MAS's <c>admin</c>, <c>deactivated</c> and <c>locked</c>, so callers (synapse_user,
/// matrix_config) plan and report as they do on any homeserver.</summary>
public partial class SynapseAdminClient
{
    /// <summary>The keys of an account that belong to MAS on a delegated homeserver.</summary>
    private static readonly HashSet<string> MasOwnedKeys = new(StringComparer.Ordinal) { "password", "logout_devices", "admin", "deactivated", "locked" };

    private readonly SemaphoreSlim _masLock = new(1, 1);
    private MasAdminClient? _mas;

    /// <summary>MAS's admin API, used on a homeserver that delegates authentication to MAS; null: not given (what MAS
    /// owns then fails naming MAS).</summary>
    public MasCredentials? MasCredentials { get; init; }

    /// <summary>MAS's admin API when the homeserver delegates to MAS and <see cref="MasCredentials"/> are given; else null.</summary>
    public async Task<MasAdminClient?> MasAsync(CancellationToken cancellationToken = default)
    {
        if (MasCredentials is not { } credentials || await AuthenticationAsync(cancellationToken) is not { IsDelegated: true } mas)
        {
            return null;
        }

        await _masLock.WaitAsync(cancellationToken);
        try
        {
            var url = credentials.Url ?? (Uri.TryCreate(mas.Issuer, UriKind.Absolute, out var issuer) ? issuer
                : throw new MatrixException(0, MatrixErrorCodes.BadResponse, "the homeserver delegates to MAS but names no issuer: give MAS's URL"));
            return _mas ??= new MasAdminClient(Session.Http.Options, url, credentials);
        }
        finally
        {
            _masLock.Release();
        }
    }

    /// <summary>The one routing rule: <paramref name="throughMas"/> when the homeserver delegates to MAS and
    /// <see cref="MasCredentials"/> are given, else <paramref name="onSynapse"/>.</summary>
    private async Task<T> RoutedAsync<T>(Func<MasAdminClient, Task<T>> throughMas, Func<Task<T>> onSynapse, CancellationToken cancellationToken)
        where T : class? =>
        await MasAsync(cancellationToken) is { } mas ? await throughMas(mas) : await onSynapse();

    /// <summary>The account as MAS and Synapse know it: null when MAS does not know it (Synapse may keep a row nobody
    /// can sign in as).</summary>
    private async Task<JsonObject?> MasAccountAsync(MasAdminClient mas, string userId, JsonObject? synapse, CancellationToken cancellationToken)
    {
        if (await mas.FindUserAsync(MatrixId.Localpart(userId), cancellationToken) is not { } user)
        {
            return null;
        }

        return WithMasFlags(synapse ?? new JsonObject { ["name"] = userId }, user);
    }

    /// <summary>Synapse's account with what MAS says of it: <c>admin</c>, <c>deactivated</c> and <c>locked</c>.</summary>
    private static JsonObject WithMasFlags(JsonObject account, MasResource user)
    {
        account["admin"] = user.Flag("admin");
        account["deactivated"] = user.Time("deactivated_at") is not null;
        account["locked"] = user.Time("locked_at") is not null;
        return account;
    }

    /// <summary><see cref="PutUserAsync"/> through MAS: creates the account in MAS when it has none (with its display name
    /// and avatar), sets what MAS owns that <paramref name="fields"/> names and differs, then writes the rest to Synapse.</summary>
    private async Task<JsonObject> PutMasAccountAsync(MasAdminClient mas, string userId, JsonObject fields, CancellationToken cancellationToken)
    {
        var localpart = MatrixId.Localpart(userId);
        var rest = new JsonObject();
        foreach (var (key, value) in fields)
        {
            if (!MasOwnedKeys.Contains(key))
            {
                rest[key] = value?.DeepClone();
            }
        }

        var user = await mas.FindUserAsync(localpart, cancellationToken);
        if (user is null)
        {
            user = await mas.CreateUserAsync(localpart, Text(rest, "displayname"), Text(rest, "avatar_url"), cancellationToken);
            rest.Remove("displayname");
            rest.Remove("avatar_url");
        }

        if (Text(fields, "password") is { } password)
        {
            await mas.SetPasswordAsync(user.Id, password, cancellationToken);
            if (fields["logout_devices"] is JsonValue logout && logout.GetValue<bool>())
            {
                foreach (var session in await mas.ActiveCompatSessionsAsync(user.Id, cancellationToken))
                {
                    await mas.FinishCompatSessionAsync(session.Id, cancellationToken);
                }
            }
        }

        if (Flag(fields, "deactivated") is { } deactivated && deactivated != user.Time("deactivated_at") is not null)
        {
            user = deactivated ? await mas.DeactivateUserAsync(user.Id, erase: false, cancellationToken) : await mas.ReactivateUserAsync(user.Id, cancellationToken);
        }

        if (Flag(fields, "admin") is { } admin && admin != user.Flag("admin"))
        {
            user = await mas.SetAdminAsync(user.Id, admin, cancellationToken);
        }

        if (Flag(fields, "locked") is { } locked && locked != user.Time("locked_at") is not null)
        {
            user = await mas.SetLockedAsync(user.Id, locked, cancellationToken);
        }

        // The account as it is now: Synapse's answer to the write (or a read when nothing was Synapse's), with MAS's
        // last answer's flags.
        var synapse = rest.Count > 0
            ? (JsonObject)await Session.SendAsync(MatrixRequest.Put(UserPath(userId), rest), cancellationToken)
            : await GetOrNullAsync(UserPath(userId), cancellationToken);
        return WithMasFlags(synapse is null ? new JsonObject { ["name"] = userId } : NormalizeFlags(synapse), user);
    }

    /// <summary><see cref="DeactivateUserAsync"/> through MAS, which ends every session; when MAS does not know the
    /// account, Synapse's row is deactivated as on any homeserver.</summary>
    private async Task<JsonNode> DeactivateMasAccountAsync(MasAdminClient mas, string userId, bool erase, CancellationToken cancellationToken) =>
        await mas.FindUserAsync(MatrixId.Localpart(userId), cancellationToken) is { } user
            ? (await mas.DeactivateUserAsync(user.Id, erase, cancellationToken)).Attributes
            : await DeactivateOnSynapseAsync(userId, erase, cancellationToken);

    private static string? Text(JsonObject fields, string key) => fields[key] is JsonValue v && v.TryGetValue<string>(out var text) ? text : null;

    private static bool? Flag(JsonObject fields, string key) => fields[key] is JsonValue v && v.TryGetValue<bool>(out var flag) ? flag : null;
}
