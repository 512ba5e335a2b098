namespace Solti.Matrix;

/// <summary>Registration tokens: get (null when unknown), create, update, delete; on a homeserver that delegates to MAS,
/// given <see cref="MasCredentials"/>, MAS's (<c>SynapseAdminClient.MasRegistrationTokens.cs</c>).</summary>
public partial class SynapseAdminClient
{
    private const string RegistrationTokens = "Registration tokens";

    private static string TokenPath(string token) => MatrixPath.Build(MatrixPath.Admin, "v1", "registration_tokens", PathPart.Value(token));

    /// <summary>The registration token's details, or null when the server does not know it.</summary>
    public virtual Task<JsonObject?> GetRegistrationTokenAsync(string token, CancellationToken cancellationToken = default) =>
        RoutedAsync(mas => GetMasRegistrationTokenAsync(mas, token, cancellationToken),
            () => MasOwnedAsync(RegistrationTokens, () => GetOrNullAsync(TokenPath(token), cancellationToken), cancellationToken), cancellationToken);

    /// <summary><c>POST …/new</c> with the given fields (<c>token</c>, <c>uses_allowed</c>, <c>expiry_time</c>, <c>length</c>).</summary>
    public virtual Task<JsonObject> CreateRegistrationTokenAsync(JsonObject fields, CancellationToken cancellationToken = default) =>
        RoutedAsync(mas => CreateMasRegistrationTokenAsync(mas, fields, cancellationToken),
            async () => (JsonObject)await SendMasOwnedAsync(MatrixRequest.Post(MatrixPath.Admin + "/v1/registration_tokens/new", fields, idempotent: false), RegistrationTokens, cancellationToken), cancellationToken);

    /// <summary>Changes the given fields of a registration token (<c>uses_allowed</c>, <c>expiry_time</c>); returns the
    /// token as it is now.</summary>
    public virtual Task<JsonObject> UpdateRegistrationTokenAsync(string token, JsonObject fields, CancellationToken cancellationToken = default) =>
        RoutedAsync(mas => UpdateMasRegistrationTokenAsync(mas, token, fields, cancellationToken),
            async () => (JsonObject)await SendMasOwnedAsync(MatrixRequest.Put(TokenPath(token), fields), RegistrationTokens, cancellationToken), cancellationToken);

    /// <summary>Deletes a registration token (MAS revokes it).</summary>
    public virtual Task DeleteRegistrationTokenAsync(string token, CancellationToken cancellationToken = default) =>
        RoutedAsync(mas => DeleteMasRegistrationTokenAsync(mas, token, cancellationToken),
            () => SendMasOwnedAsync(MatrixRequest.Delete(TokenPath(token)), RegistrationTokens, cancellationToken), cancellationToken);
}
