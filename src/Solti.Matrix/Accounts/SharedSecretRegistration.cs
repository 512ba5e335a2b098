using System.Security.Cryptography;
using System.Text;
using Solti.Matrix.Discovery;

namespace Solti.Matrix.Accounts;

/// <summary>A user to register with the shared secret: the local part (Synapse lowercases it), the password, and what
/// the HMAC covers besides (<paramref name="Admin"/>, <paramref name="UserType"/>).</summary>
public sealed record SharedSecretUser(string Localpart, string Password, bool Admin = false, string? UserType = null, string? DisplayName = null)
{
    /// <summary>Never shows the password.</summary>
    public override string ToString() => $"SharedSecretUser {{ Localpart = {Localpart}, Admin = {Admin}, UserType = {UserType} }}";
}

/// <summary>What a registration did: the user id, and whether the account was made now (false: it existed).</summary>
public sealed record SharedSecretOutcome(string? UserId, bool Created);

/// <summary>Synapse's shared-secret registration (<c>/_synapse/admin/v1/register</c>, no token: a nonce, then the user
/// with an HMAC-SHA1 of nonce, user, password, admin flag and user type keyed by <c>registration_shared_secret</c>), how
/// a homeserver's first admin is made. An existing user is an outcome, not an error; the password of an existing user is
/// never changed. A homeserver that delegates authentication to MAS serves no such endpoint: MAS registers users there.</summary>
public sealed class SharedSecretRegistration(MatrixHttpPipeline http)
{
    private const string Path = MatrixPath.Admin + "/v1/register";

    /// <summary>The <c>mac</c> Synapse expects: HMAC-SHA1 over <c>nonce\0username\0password\0admin|notadmin[\0user_type]</c>,
    /// in lowercase hex.</summary>
    public static string Mac(string secret, string nonce, SharedSecretUser user)
    {
        var message = $"{nonce}\0{user.Localpart}\0{user.Password}\0{(user.Admin ? "admin" : "notadmin")}" + (string.IsNullOrEmpty(user.UserType) ? "" : "\0" + user.UserType);
        return Convert.ToHexStringLower(HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(message)));
    }

    /// <summary>Fails naming MAS when the homeserver delegates authentication to it (asked without a token).</summary>
    public async Task RequireSynapseAuthAsync(CancellationToken cancellationToken)
    {
        var authentication = await HomeserverAuthentication.OfAsync(http, cancellationToken);
        if (authentication.IsDelegated)
        {
            throw new AccountAuthorityException($"this homeserver delegates authentication to MAS ({authentication.Issuer}), which registers users: " +
                "run 'mas-cli manage register-user' on MAS, or use synapse_user with MAS's admin client (mas_client_id and mas_client_secret); see docs/mas.md");
        }
    }

    /// <summary>Registers <paramref name="user"/>; an existing user (<c>400 M_USER_IN_USE</c>) answers
    /// <c>Created: false</c> and a null user id (the server does not say it). A wrong secret, a server with shared-secret
    /// registration off or an endpoint not served fail with what the server said and what to do, never the secret.</summary>
    public async Task<SharedSecretOutcome> RegisterAsync(SharedSecretUser user, string secret, CancellationToken cancellationToken)
    {
        await RequireSynapseAuthAsync(cancellationToken);
        try
        {
            var nonce = (await http.SendAsync(MatrixRequest.Get(Path), null, cancellationToken))["nonce"]?.GetValue<string>()
                ?? throw new MatrixException(0, MatrixErrorCodes.BadResponse, "GET /" + Path + " answered no nonce");
            var body = new JsonObject
            {
                ["nonce"] = nonce,
                ["username"] = user.Localpart,
                ["password"] = user.Password,
                ["admin"] = user.Admin,
                ["mac"] = Mac(secret, nonce, user),
                ["inhibit_login"] = true,
            };
            if (!string.IsNullOrEmpty(user.UserType))
            {
                body["user_type"] = user.UserType;
            }

            if (user.DisplayName is not null)
            {
                body["displayname"] = user.DisplayName;
            }

            // Not idempotent: a retry after a lost answer would meet a used nonce (and the user then exists).
            var reply = await http.SendAsync(MatrixRequest.Post(Path, body, idempotent: false), null, cancellationToken);
            return new SharedSecretOutcome(reply["user_id"]?.GetValue<string>(), Created: true);
        }
        catch (MatrixException e) when (e.Errcode == "M_USER_IN_USE")
        {
            return new SharedSecretOutcome(null, Created: false);
        }
        catch (MatrixException e) when (Explain(e) is { } explained)
        {
            throw explained;
        }
    }

    /// <summary>Whether a user exists, asked without writing: <c>/register/available</c> (a server with registration
    /// open), else the profile of <paramref name="userId"/> when known; null when the server cannot tell.</summary>
    public async Task<bool?> ExistsAsync(string localpart, string? userId, CancellationToken cancellationToken)
    {
        await RequireSynapseAuthAsync(cancellationToken);
        try
        {
            await http.SendAsync(MatrixRequest.Get(MatrixPath.Client + "/register/available?username=" + Uri.EscapeDataString(localpart)), null, cancellationToken);
            return false;
        }
        catch (MatrixException e) when (e.Errcode == "M_USER_IN_USE")
        {
            return true;
        }
        catch (MatrixException e) when (e.Status is 400 or 401 or 403 or 404 or 405 && e.Errcode != "M_INVALID_USERNAME")
        {
            // Registration closed (403), or not served: ask the profile instead.
        }

        if (userId is null)
        {
            return null;
        }

        try
        {
            await http.SendAsync(MatrixRequest.Get(MatrixPath.Build(MatrixPath.Client, "profile", PathPart.Value(userId))), null, cancellationToken);
            return true;
        }
        catch (MatrixException e) when (e.IsAbsent)
        {
            return false;
        }
        catch (MatrixException e) when (e.Status is 401 or 403)
        {
            return null; // profiles need a token here (require_auth_for_profile_requests)
        }
    }

    /// <summary>The refusals an operator can act on, explained (the server's errcode kept); null: as it is.</summary>
    private static MatrixException? Explain(MatrixException e)
    {
        string? hint = e switch
        {
            { Status: 403, Errcode: MatrixErrorCodes.Forbidden } =>
                "the registration shared secret is wrong (HMAC incorrect): give the registration_shared_secret of the homeserver's configuration",
            { Status: 400 } when e.Error.Contains("not enabled", StringComparison.OrdinalIgnoreCase) =>
                "shared-secret registration is not enabled on this homeserver: set registration_shared_secret (or registration_shared_secret_path) in its configuration",
            { IsUnrecognized: true } => "the homeserver does not serve shared-secret registration (/_synapse/admin/v1/register): it is not Synapse, " +
                "or the admin API is not exposed on this URL, or authentication is delegated to MAS (which registers users)",
            _ => null,
        };
        return hint is null ? null : new MatrixException(e.Status, e.Errcode, $"{hint} (the server said: {e.Error})", inner: e) { HasMatrixBody = e.HasMatrixBody };
    }
}
