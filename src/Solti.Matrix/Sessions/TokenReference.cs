using Solti.Matrix.Identifiers;

namespace Solti.Matrix.Sessions;

/// <summary>A reference to a cached session, given where a token is expected: <c>solti-cache:v1:@admin:example.com</c>
/// names the session of <c>@admin:example.com</c> that the credential cache holds for the homeserver it is used with. It
/// holds no secret (it is a user id behind a fixed prefix), and it cannot be mistaken for a token: Matrix access tokens
/// never contain <c>:</c> or <c>@</c>. The modules return one where the Python collection returned its session's token, and
/// resolve one given as <c>access_token</c> (<c>Ansible/Modules/ConnectionOptions.cs</c>).</summary>
public static class TokenReference
{
    /// <summary>What every reference starts with, whatever its version.</summary>
    public const string Scheme = "solti-cache:";

    /// <summary>The one version this library writes and reads.</summary>
    public const string Prefix = Scheme + "v1:";

    /// <summary>The reference to the cached session of <paramref name="userId"/>.</summary>
    public static string For(string userId) => Prefix + MatrixId.Require(MatrixIdKind.User, userId, "user_id");

    /// <summary>True when the value is meant as a reference (it starts with <see cref="Scheme"/>), valid or not.</summary>
    public static bool IsReference(string? value) => value is not null && value.StartsWith(Scheme, StringComparison.Ordinal);

    /// <summary>The user a valid reference names; null when the value is not a valid one.</summary>
    public static string? UserOf(string? value) =>
        value is not null && value.StartsWith(Prefix, StringComparison.Ordinal) && MatrixId.IsValid(MatrixIdKind.User, value[Prefix.Length..])
            ? value[Prefix.Length..]
            : null;

    /// <summary>Why a value meant as a reference is not a valid one, or null when it is.</summary>
    public static string? Problem(string value)
    {
        if (!value.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return $"it does not start with {Prefix} (the only version of references there is)";
        }

        return MatrixId.Problem(MatrixIdKind.User, value[Prefix.Length..]) is { } reason ? $"its user id is not {MatrixId.Describe(MatrixIdKind.User)}: {reason}" : null;
    }
}
