namespace Solti.Matrix.Mas;

/// <summary>User registration tokens (MAS addresses them by id; <see cref="FindRegistrationTokenAsync"/> finds one by its
/// text).</summary>
public sealed partial class MasAdminClient
{
    private const string RegistrationTokens = "user-registration-tokens";

    /// <summary>Every registration token, revoked ones included.</summary>
    public Task<IReadOnlyList<MasResource>> RegistrationTokensAsync(CancellationToken cancellationToken = default) =>
        ListAsync(RegistrationTokens, [], cancellationToken);

    /// <summary>The registration token whose text is <paramref name="token"/>, or null.</summary>
    public async Task<MasResource?> FindRegistrationTokenAsync(string token, CancellationToken cancellationToken = default) =>
        (await RegistrationTokensAsync(cancellationToken)).FirstOrDefault(t => t.Text("token") == token);

    /// <summary>Creates a registration token (MAS makes up the text when <paramref name="token"/> is null).</summary>
    public Task<MasResource> CreateRegistrationTokenAsync(string? token, long? usageLimit, DateTimeOffset? expiresAt, CancellationToken cancellationToken = default)
    {
        var body = new JsonObject();
        if (token is not null)
        {
            body["token"] = token;
        }

        if (usageLimit is { } limit)
        {
            body["usage_limit"] = limit;
        }

        if (expiresAt is { } expiry)
        {
            body["expires_at"] = Rfc3339(expiry);
        }

        return PostAsync(RegistrationTokens, body, cancellationToken, idempotent: false);
    }

    /// <summary>Changes a registration token's <c>usage_limit</c> and/or <c>expires_at</c> (the keys of
    /// <paramref name="fields"/>; null removes the limit).</summary>
    public async Task<MasResource> UpdateRegistrationTokenAsync(string id, JsonObject fields, CancellationToken cancellationToken = default) =>
        MasResource.From((await SendAsync(MatrixRequest.Put($"{Api}/{RegistrationTokens}/{Segment(id)}", fields), cancellationToken))["data"]);

    /// <summary>Revokes a registration token (it can no longer be used; MAS keeps it).</summary>
    public Task<MasResource> RevokeRegistrationTokenAsync(string id, CancellationToken cancellationToken = default) =>
        PostAsync($"{RegistrationTokens}/{Segment(id)}/revoke", null, cancellationToken);

    /// <summary>Makes a revoked registration token usable again.</summary>
    public Task<MasResource> UnrevokeRegistrationTokenAsync(string id, CancellationToken cancellationToken = default) =>
        PostAsync($"{RegistrationTokens}/{Segment(id)}/unrevoke", null, cancellationToken);
}
