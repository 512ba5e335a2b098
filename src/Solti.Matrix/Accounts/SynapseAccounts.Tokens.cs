namespace Solti.Matrix.Accounts;

/// <summary>Registration tokens (<c>/v1/registration_tokens</c>) and tokens minted for a user (login as the user).</summary>
public sealed partial class SynapseAccounts
{
    private const string RegistrationTokens = "Registration tokens";

    private static string TokenPath(string token) => MatrixPath.Build(MatrixPath.Admin, "v1", "registration_tokens", PathPart.Value(token));

    /// <inheritdoc/>
    public async Task<RegistrationToken?> GetRegistrationTokenAsync(string token, CancellationToken cancellationToken = default) =>
        await MasOwnedAsync(RegistrationTokens, () => session.GetOrNullAsync(TokenPath(token), cancellationToken)) is { } found ? RegistrationToken.FromSynapse(found) : null;

    /// <inheritdoc/>
    public async Task<IReadOnlyList<RegistrationToken>> ListRegistrationTokensAsync(CancellationToken cancellationToken = default) =>
        [.. ((await SendMasOwnedAsync(MatrixRequest.Get(MatrixPath.Admin + "/v1/registration_tokens"), RegistrationTokens, cancellationToken))["registration_tokens"] as JsonArray ?? [])
            .OfType<JsonNode>().Select(RegistrationToken.FromSynapse)];

    /// <summary><c>POST …/new</c>.</summary>
    public async Task<RegistrationToken> CreateRegistrationTokenAsync(NewRegistrationToken request, CancellationToken cancellationToken = default)
    {
        var body = Limits(request.Limits);
        if (request.Token is not null)
        {
            body["token"] = request.Token;
        }
        else if (request.Length is { } length)
        {
            body["length"] = length;
        }

        return RegistrationToken.FromSynapse(await SendMasOwnedAsync(MatrixRequest.Post(MatrixPath.Admin + "/v1/registration_tokens/new", body, idempotent: false), RegistrationTokens, cancellationToken));
    }

    /// <summary><c>PUT …/{token}</c> with the limits given.</summary>
    public async Task<RegistrationToken> UpdateRegistrationTokenAsync(string token, RegistrationTokenLimits limits, CancellationToken cancellationToken = default) =>
        RegistrationToken.FromSynapse(await SendMasOwnedAsync(MatrixRequest.Put(TokenPath(token), Limits(limits)), RegistrationTokens, cancellationToken));

    /// <inheritdoc/>
    public Task DeleteRegistrationTokenAsync(string token, CancellationToken cancellationToken = default) =>
        SendMasOwnedAsync(MatrixRequest.Delete(TokenPath(token)), RegistrationTokens, cancellationToken);

    private static JsonObject Limits(RegistrationTokenLimits limits)
    {
        var body = new JsonObject();
        if (limits.UsesAllowed is { } uses)
        {
            body["uses_allowed"] = uses;
        }

        if (limits.ExpiryTime is { } expiry)
        {
            body["expiry_time"] = expiry;
        }

        return body;
    }

    /// <summary>Synapse's login as a user makes no device.</summary>
    public MintedToken PlanMint(string userId, TokenRequest request) =>
        new(null, null, request.ValidFor is { } lifetime ? session.Http.Options.Time.GetUtcNow().Add(lifetime) : null);

    /// <summary>An access token for <paramref name="userId"/> without its password and without a new device
    /// (<c>POST /v1/users/{id}/login</c>); it expires after <see cref="TokenRequest.ValidFor"/> when given.</summary>
    public async Task<MintedToken> MintTokenAsync(string userId, TokenRequest request, CancellationToken cancellationToken = default)
    {
        var plan = PlanMint(userId, request);
        var body = new JsonObject();
        if (plan.ExpiresAt is { } until)
        {
            body["valid_until_ms"] = until.ToUnixTimeMilliseconds();
        }

        var reply = await SendMasOwnedAsync(MatrixRequest.Post(MatrixPath.Build(MatrixPath.Admin, "v1", "users", PathPart.Value(userId), "login"), body, idempotent: false), "Tokens for a user (login as a user)", cancellationToken);
        return plan with { AccessToken = reply["access_token"]?.GetValue<string>() ?? throw new MatrixException(200, MatrixErrorCodes.BadResponse, "login-as-user answered without access_token") };
    }

    /// <summary>Synapse cannot replace a token without a password.</summary>
    public Task<MintedToken> RegenerateTokenAsync(string userId, TokenRequest request, CancellationToken cancellationToken = default) =>
        throw new AccountAuthorityException(Delegated
            ? $"replacing a token without a password regenerates its personal access token in MAS, and MAS's admin API was not given: {MasRemedy}"
            : $"replacing a token without a password regenerates a personal access token in MAS, but {session.Http.Options.Homeserver} does not delegate authentication to MAS: give password");

    /// <summary>Synapse mints no tokens bound to a device: none to revoke here.</summary>
    public Task<bool> RevokeTokensAsync(string userId, string deviceId, CancellationToken cancellationToken = default) => Task.FromResult(false);
}
