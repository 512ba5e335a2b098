namespace Solti.Matrix.Accounts;

/// <summary>Who owns a homeserver's accounts, devices, registration tokens and the tokens minted for users: Synapse
/// (<see cref="SynapseAccounts"/>), or the Matrix Authentication Service it delegates to (<see cref="MasAccounts"/>).
/// Chosen once per admin client from discovery (<see cref="SynapseAdminClient.AccountsAsync"/>); the modules, the config
/// engine and the CLI ask it and never branch on who it is. Accounts read in Synapse's admin shape on both (with the
/// owner's <c>admin</c>, <c>deactivated</c> and <c>locked</c>), so plans and reports are the same everywhere.</summary>
public interface IAccountAuthority
{
    /// <summary>The account, or null when the authority does not know it.</summary>
    Task<Account?> GetAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>The accounts of <paramref name="userIds"/> (null: unknown), read the cheapest way the authority has.</summary>
    Task<IReadOnlyDictionary<string, Account?>> FindAsync(IReadOnlyCollection<string> userIds, CancellationToken cancellationToken = default);

    /// <summary>Accounts matching <paramref name="query"/> across every page, and the server's total.</summary>
    Task<(IReadOnlyList<Account> Accounts, int Total)> ListAsync(AccountQuery query, CancellationToken cancellationToken = default);

    /// <summary>Creates the account or changes only what <paramref name="write"/> names; the account as it is now.</summary>
    Task<Account> PutAsync(string userId, AccountWrite write, CancellationToken cancellationToken = default);

    /// <summary>Deactivates the account (every session ends); with <paramref name="erase"/> its profile and messages are
    /// erased too (GDPR erase).</summary>
    Task DeactivateAsync(string userId, bool erase, CancellationToken cancellationToken = default);

    /// <summary>Why this authority cannot do <paramref name="what"/> (creating an account, or changing its password or admin
    /// flag: the homeserver delegates them to MAS and MAS's admin API was not given), or null when it can.</summary>
    string? AccountWriteRefusal(string what);

    /// <summary>The user's devices.</summary>
    Task<IReadOnlyList<Device>> DevicesAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>Ends the devices (and, where the authority keeps one, the session behind each), in bulk.</summary>
    Task DeleteDevicesAsync(string userId, IReadOnlyCollection<string> deviceIds, CancellationToken cancellationToken = default);

    /// <summary>The registration token, or null when there is none (a revoked token is none).</summary>
    Task<RegistrationToken?> GetRegistrationTokenAsync(string token, CancellationToken cancellationToken = default);

    /// <summary>Every registration token in use.</summary>
    Task<IReadOnlyList<RegistrationToken>> ListRegistrationTokensAsync(CancellationToken cancellationToken = default);

    /// <summary>Creates a registration token (the text given, else one generated of <see cref="NewRegistrationToken.Length"/>).</summary>
    Task<RegistrationToken> CreateRegistrationTokenAsync(NewRegistrationToken request, CancellationToken cancellationToken = default);

    /// <summary>Changes the limits given (a null limit is left as it is); the token as it is now.</summary>
    Task<RegistrationToken> UpdateRegistrationTokenAsync(string token, RegistrationTokenLimits limits, CancellationToken cancellationToken = default);

    /// <summary>Deletes (MAS: revokes) the registration token.</summary>
    Task DeleteRegistrationTokenAsync(string token, CancellationToken cancellationToken = default);

    /// <summary>What <see cref="MintTokenAsync"/> would answer, without the token and without asking the server (check
    /// mode): the device the token would be bound to and its expiry.</summary>
    MintedToken PlanMint(string userId, TokenRequest request);

    /// <summary>A token for <paramref name="userId"/> without its password: Synapse's login as the user (no device), or
    /// MAS's personal access token bound to <see cref="TokenRequest.DeviceId"/> (a new device when none is given).</summary>
    Task<MintedToken> MintTokenAsync(string userId, TokenRequest request, CancellationToken cancellationToken = default);

    /// <summary>Replaces the token bound to <see cref="TokenRequest.DeviceId"/> without a password (the old one stops
    /// working at once): a MAS personal session is regenerated; Synapse has no such thing and refuses.</summary>
    Task<MintedToken> RegenerateTokenAsync(string userId, TokenRequest request, CancellationToken cancellationToken = default);

    /// <summary>Revokes the minted tokens bound to <paramref name="deviceId"/>; false when the authority has none to revoke
    /// (a password login's token is ended by <c>/logout</c>).</summary>
    Task<bool> RevokeTokensAsync(string userId, string deviceId, CancellationToken cancellationToken = default);
}
