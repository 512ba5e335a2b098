using System.Security.Cryptography;
using Solti.Matrix.Identifiers;
using Solti.Matrix.Mas;

namespace Solti.Matrix.Accounts;

/// <summary>MAS's user registration tokens, read into Synapse's shape (<c>usage_limit</c> is <c>uses_allowed</c>,
/// <c>times_used</c> is <c>completed</c>, <c>expires_at</c> is <c>expiry_time</c> in ms). MAS revokes where Synapse
/// deletes: a revoked token reads as absent, and creating it again brings it back with the limits asked. Tokens for a
/// user are personal access tokens bound to a device (MAS creates the device), found again by that device.</summary>
public sealed partial class MasAccounts
{
    /// <summary>The characters of a registration token Synapse accepts (<see cref="TokenAlphabet"/>).</summary>
    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9._~-]*$")]
    private static partial System.Text.RegularExpressions.Regex ValidToken();

    /// <summary>The characters Synapse draws generated tokens from.</summary>
    private const string TokenAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-";

    /// <summary>A MAS token in Synapse's shape.</summary>
    private static RegistrationToken SynapseShaped(MasResource token) => new(
        token.Text("token") ?? "",
        RegistrationToken.Whole(token.Attributes["usage_limit"]),
        0,
        RegistrationToken.Whole(token.Attributes["times_used"]) ?? 0,
        token.Time("expires_at")?.ToUnixTimeMilliseconds());

    /// <summary>Synapse's limits as MAS's fields (<c>usage_limit</c>, <c>expires_at</c>).</summary>
    private static JsonObject MasShaped(RegistrationTokenLimits limits)
    {
        var body = new JsonObject();
        if (limits.UsesAllowed is { } uses)
        {
            body["usage_limit"] = uses;
        }

        if (limits.ExpiryTime is { } ms)
        {
            body["expires_at"] = MasAdminClient.Rfc3339(DateTimeOffset.FromUnixTimeMilliseconds(ms));
        }

        return body;
    }

    private async Task<MasResource?> ActiveTokenAsync(string token, CancellationToken cancellationToken) =>
        await mas.FindRegistrationTokenAsync(token, cancellationToken) is { } found && found.Time("revoked_at") is null ? found : null;

    /// <inheritdoc/>
    public async Task<RegistrationToken?> GetRegistrationTokenAsync(string token, CancellationToken cancellationToken = default) =>
        await ActiveTokenAsync(token, cancellationToken) is { } found ? SynapseShaped(found) : null;

    /// <inheritdoc/>
    public async Task<IReadOnlyList<RegistrationToken>> ListRegistrationTokensAsync(CancellationToken cancellationToken = default) =>
        [.. (await mas.RegistrationTokensAsync(cancellationToken)).Where(t => t.Time("revoked_at") is null).Select(SynapseShaped)];

    /// <inheritdoc/>
    public async Task<RegistrationToken> CreateRegistrationTokenAsync(NewRegistrationToken request, CancellationToken cancellationToken = default)
    {
        var token = request.Token ?? (request.Length is { } length ? Generate(length) : null);
        // MAS takes any text; Synapse refuses what is outside its rule, and callers rely on one rule everywhere.
        if (token is { Length: 0 or > 64 })
        {
            throw new MatrixException(400, MatrixErrorCodes.InvalidParam, "token must not be empty and must not be longer than 64 characters");
        }

        if (token is not null && !ValidToken().IsMatch(token))
        {
            throw new MatrixException(400, MatrixErrorCodes.InvalidParam, "token must consist only of characters matched by the regex [A-Za-z0-9-_]");
        }

        if (token is not null && await mas.FindRegistrationTokenAsync(token, cancellationToken) is { } revoked)
        {
            // MAS keeps revoked tokens and their text stays taken: bring it back with the limits asked.
            if (revoked.Time("revoked_at") is null)
            {
                throw new MatrixException(400, MatrixErrorCodes.Unknown, $"registration token {token} already exists");
            }

            // Every limit is set: one not asked for is none, as on a new token.
            await mas.UnrevokeRegistrationTokenAsync(revoked.Id, cancellationToken);
            var limits = MasShaped(request.Limits);
            limits["usage_limit"] ??= null;
            limits["expires_at"] ??= null;
            return SynapseShaped(await mas.UpdateRegistrationTokenAsync(revoked.Id, limits, cancellationToken));
        }

        var expiresAt = request.Limits.ExpiryTime is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : (DateTimeOffset?)null;
        return SynapseShaped(await mas.CreateRegistrationTokenAsync(token, request.Limits.UsesAllowed, expiresAt, cancellationToken));
    }

    /// <inheritdoc/>
    public async Task<RegistrationToken> UpdateRegistrationTokenAsync(string token, RegistrationTokenLimits limits, CancellationToken cancellationToken = default) =>
        await ActiveTokenAsync(token, cancellationToken) is { } found
            ? SynapseShaped(await mas.UpdateRegistrationTokenAsync(found.Id, MasShaped(limits), cancellationToken))
            : throw new MatrixException(404, MatrixErrorCodes.NotFound, $"registration token {token} does not exist");

    /// <summary>Revokes the token (MAS keeps it, revoked).</summary>
    public async Task DeleteRegistrationTokenAsync(string token, CancellationToken cancellationToken = default)
    {
        if (await ActiveTokenAsync(token, cancellationToken) is { } found)
        {
            await mas.RevokeRegistrationTokenAsync(found.Id, cancellationToken);
        }
    }

    /// <summary>A token of <paramref name="length"/> characters, as Synapse generates them.</summary>
    private static string Generate(int length) =>
        length is > 0 and <= 64
            ? RandomNumberGenerator.GetString(TokenAlphabet, length)
            : throw new MatrixException(400, MatrixErrorCodes.Unknown, $"length must be between 1 and 64, got {length}");

    /// <summary>The token would be bound to the device given, else to a new one.</summary>
    public MintedToken PlanMint(string userId, TokenRequest request) =>
        new(null, request.DeviceId ?? MasAdminClient.NewDeviceId(), request.ValidFor is { } lifetime ? synapse.Session.Http.Options.Time.GetUtcNow().Add(lifetime) : null);

    /// <summary>A personal access token acting as the user for the client-server API, bound to the device.</summary>
    public async Task<MintedToken> MintTokenAsync(string userId, TokenRequest request, CancellationToken cancellationToken = default)
    {
        var device = request.DeviceId ?? MasAdminClient.NewDeviceId();
        var user = await RequireUserAsync(userId, cancellationToken);
        return Minted(await mas.MintDeviceTokenAsync(user, device, request.Purpose, request.ValidFor, cancellationToken), device);
    }

    /// <summary>Regenerates the one personal session bound to the device (the old token stops working at once).</summary>
    public async Task<MintedToken> RegenerateTokenAsync(string userId, TokenRequest request, CancellationToken cancellationToken = default)
    {
        var device = request.DeviceId ?? throw new ArgumentException("device_id: regenerating a personal access token needs the device it is bound to", nameof(request));
        var user = await RequireUserAsync(userId, cancellationToken);
        var sessions = await mas.ActivePersonalSessionsOnAsync(user.Id, device, cancellationToken);
        if (sessions.Count != 1)
        {
            throw new AccountAuthorityException(sessions.Count == 0
                ? $"{userId} has no active personal access token bound to device {device} in MAS: mint one first (action: mint, device_id: {device})"
                : $"{userId} has {sessions.Count} active personal access tokens bound to device {device} in MAS: revoke all but one first");
        }

        return Minted(await mas.RegeneratePersonalSessionAsync(sessions[0].Id, request.ValidFor, cancellationToken), device);
    }

    /// <summary>Revokes the personal sessions acting as the user bound to the device.</summary>
    public async Task<bool> RevokeTokensAsync(string userId, string deviceId, CancellationToken cancellationToken = default)
    {
        if (await MasUserAsync(userId, cancellationToken) is not { } user)
        {
            return false;
        }

        var sessions = await mas.ActivePersonalSessionsOnAsync(user.Id, deviceId, cancellationToken);
        foreach (var session in sessions)
        {
            await mas.RevokePersonalSessionAsync(session.Id, cancellationToken);
        }

        return sessions.Count > 0;
    }

    private async Task<MasResource> RequireUserAsync(string userId, CancellationToken cancellationToken) =>
        await MasUserAsync(userId, cancellationToken)
            ?? throw new AccountAuthorityException($"user_id: MAS has no account {MatrixId.Localpart(userId)} ({userId}); create it first (synapse_user)");

    /// <summary>The minted token (a secret) and its expiry, as MAS answered them.</summary>
    private static MintedToken Minted(MasResource session, string device) => new(
        session.Text("access_token") ?? throw new MatrixException(200, MatrixErrorCodes.BadResponse, "MAS answered a personal session without its access_token"),
        device,
        session.Time("expires_at"));
}
