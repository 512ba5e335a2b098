using System.Text.Json.Nodes;
using Solti.Matrix.Accounts;

namespace Solti.Matrix.Tests.Support;

/// <summary>An account authority that records each account write (as <c>put_user</c> with the body Synapse's admin API
/// would get, <c>deactivate</c>) through <paramref name="record"/> and answers as Synapse would; reads are not served.</summary>
public sealed class RecordingAccounts(Func<string, JsonObject?, Task> record) : IAccountAuthority
{
    public async Task<Account> PutAsync(string userId, AccountWrite write, CancellationToken cancellationToken = default)
    {
        var body = write.SynapseBody();
        await record($"put_user {userId}", body);
        var answer = (JsonObject)write.Fields.DeepClone();
        answer["name"] = userId;
        return Account.FromSynapse(answer);
    }

    public Task DeactivateAsync(string userId, bool erase, CancellationToken cancellationToken = default) =>
        record($"deactivate {userId} erase={erase}", null);

    public string? AccountWriteRefusal(string what) => null;

    public Task<Account?> GetAsync(string userId, CancellationToken cancellationToken = default) => throw Unserved();

    public Task<IReadOnlyDictionary<string, Account?>> FindAsync(IReadOnlyCollection<string> userIds, CancellationToken cancellationToken = default) => throw Unserved();

    public Task<(IReadOnlyList<Account> Accounts, int Total)> ListAsync(AccountQuery query, CancellationToken cancellationToken = default) => throw Unserved();

    public Task<IReadOnlyList<Device>> DevicesAsync(string userId, CancellationToken cancellationToken = default) => throw Unserved();

    public Task DeleteDevicesAsync(string userId, IReadOnlyCollection<string> deviceIds, CancellationToken cancellationToken = default) => throw Unserved();

    public Task<RegistrationToken?> GetRegistrationTokenAsync(string token, CancellationToken cancellationToken = default) => throw Unserved();

    public Task<IReadOnlyList<RegistrationToken>> ListRegistrationTokensAsync(CancellationToken cancellationToken = default) => throw Unserved();

    public Task<RegistrationToken> CreateRegistrationTokenAsync(NewRegistrationToken request, CancellationToken cancellationToken = default) => throw Unserved();

    public Task<RegistrationToken> UpdateRegistrationTokenAsync(string token, RegistrationTokenLimits limits, CancellationToken cancellationToken = default) => throw Unserved();

    public Task DeleteRegistrationTokenAsync(string token, CancellationToken cancellationToken = default) => throw Unserved();

    public MintedToken PlanMint(string userId, TokenRequest request) => throw Unserved();

    public Task<MintedToken> MintTokenAsync(string userId, TokenRequest request, CancellationToken cancellationToken = default) => throw Unserved();

    public Task<MintedToken> RegenerateTokenAsync(string userId, TokenRequest request, CancellationToken cancellationToken = default) => throw Unserved();

    public Task<bool> RevokeTokensAsync(string userId, string deviceId, CancellationToken cancellationToken = default) => throw Unserved();

    private static NotSupportedException Unserved() => new("a recording authority only records the writes a plan makes");
}
