using System.Security.Cryptography;
using Solti.Matrix.Mas;

namespace Solti.Matrix;

/// <summary>Registration tokens on a homeserver that delegates to MAS, given <see cref="MasCredentials"/>: MAS's user
/// registration tokens, read and written in Synapse's shape (<c>token</c>, <c>uses_allowed</c>, <c>pending</c>,
/// <c>completed</c>, <c>expiry_time</c> in ms) so that callers need not know which server owns them. MAS revokes where
/// Synapse deletes: a revoked token reads as absent, and creating it again brings it back with the limits asked.</summary>
public partial class SynapseAdminClient
{
    /// <summary>The characters Synapse draws generated tokens from.</summary>
    private const string TokenAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-";

    /// <summary>A MAS token in Synapse's shape.</summary>
    private static JsonObject SynapseShaped(MasResource token) => new()
    {
        ["token"] = token.Text("token"),
        ["uses_allowed"] = token.Attributes["usage_limit"]?.DeepClone(),
        ["pending"] = 0,
        ["completed"] = token.Attributes["times_used"]?.DeepClone() ?? 0,
        ["expiry_time"] = token.Time("expires_at")?.ToUnixTimeMilliseconds(),
    };

    /// <summary>Synapse's fields (<c>uses_allowed</c>, <c>expiry_time</c>) as MAS's (<c>usage_limit</c>, <c>expires_at</c>).</summary>
    private static JsonObject MasShaped(JsonObject fields)
    {
        var body = new JsonObject();
        if (fields.ContainsKey("uses_allowed"))
        {
            body["usage_limit"] = fields["uses_allowed"]?.DeepClone();
        }

        if (fields.ContainsKey("expiry_time"))
        {
            body["expires_at"] = Whole(fields["expiry_time"]) is { } ms ? MasAdminClient.Rfc3339(DateTimeOffset.FromUnixTimeMilliseconds(ms)) : null;
        }

        return body;
    }

    private static async Task<MasResource?> ActiveTokenAsync(MasAdminClient mas, string token, CancellationToken cancellationToken) =>
        await mas.FindRegistrationTokenAsync(token, cancellationToken) is { } found && found.Time("revoked_at") is null ? found : null;

    private static async Task<JsonObject?> GetMasRegistrationTokenAsync(MasAdminClient mas, string token, CancellationToken cancellationToken) =>
        await ActiveTokenAsync(mas, token, cancellationToken) is { } found ? SynapseShaped(found) : null;

    private static async Task<List<JsonObject>> ListMasRegistrationTokensAsync(MasAdminClient mas, CancellationToken cancellationToken) =>
        [.. (await mas.RegistrationTokensAsync(cancellationToken)).Where(t => t.Time("revoked_at") is null).Select(SynapseShaped)];

    private static async Task<JsonObject> CreateMasRegistrationTokenAsync(MasAdminClient mas, JsonObject fields, CancellationToken cancellationToken)
    {
        var token = Text(fields, "token") ?? (Whole(fields["length"]) is { } length ? Generate((int)Math.Min(length, int.MaxValue)) : null);
        var limits = MasShaped(new JsonObject { ["uses_allowed"] = fields["uses_allowed"]?.DeepClone(), ["expiry_time"] = fields["expiry_time"]?.DeepClone() });
        if (token is not null && await mas.FindRegistrationTokenAsync(token, cancellationToken) is { } revoked)
        {
            // MAS keeps revoked tokens and their text stays taken: bring it back with the limits asked.
            if (revoked.Time("revoked_at") is null)
            {
                throw new MatrixException(400, MatrixErrorCodes.Unknown, $"registration token {token} already exists");
            }

            await mas.UnrevokeRegistrationTokenAsync(revoked.Id, cancellationToken);
            return SynapseShaped(await mas.UpdateRegistrationTokenAsync(revoked.Id, limits, cancellationToken));
        }

        var created = await mas.CreateRegistrationTokenAsync(token, Whole(limits["usage_limit"]),
            limits["expires_at"] is JsonValue at ? DateTimeOffset.Parse(at.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) : null, cancellationToken);
        return SynapseShaped(created);
    }

    private static async Task<JsonObject> UpdateMasRegistrationTokenAsync(MasAdminClient mas, string token, JsonObject fields, CancellationToken cancellationToken) =>
        await ActiveTokenAsync(mas, token, cancellationToken) is { } found
            ? SynapseShaped(await mas.UpdateRegistrationTokenAsync(found.Id, MasShaped(fields), cancellationToken))
            : throw new MatrixException(404, MatrixErrorCodes.NotFound, $"registration token {token} does not exist");

    private static async Task<JsonNode> DeleteMasRegistrationTokenAsync(MasAdminClient mas, string token, CancellationToken cancellationToken) =>
        await ActiveTokenAsync(mas, token, cancellationToken) is { } found ? SynapseShaped(await mas.RevokeRegistrationTokenAsync(found.Id, cancellationToken)) : new JsonObject();

    /// <summary>A JSON integer however it was built (an <c>int</c> or a <c>long</c> node, or parsed), or null.</summary>
    private static long? Whole(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.Number ? long.Parse(value.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture) : null;

    /// <summary>A token of <paramref name="length"/> characters, as Synapse generates them.</summary>
    private static string Generate(int length) =>
        length is > 0 and <= 64
            ? RandomNumberGenerator.GetString(TokenAlphabet, length)
            : throw new MatrixException(400, MatrixErrorCodes.Unknown, $"length must be between 1 and 64, got {length}");
}
