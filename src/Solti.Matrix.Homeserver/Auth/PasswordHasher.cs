using System.Security.Cryptography;
using System.Text;

namespace Solti.Matrix.Homeserver.Auth;

/// <summary>Salted PBKDF2 hashes, so a persisted state file holds no password.</summary>
public static class PasswordHasher
{
    private const int Iterations = 1000;

    public static string Hash(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, Iterations, HashAlgorithmName.SHA256, 32);
        return Convert.ToBase64String(salt) + "$" + Convert.ToBase64String(hash);
    }

    public static bool Verify(string password, string? stored)
    {
        if (stored is null || stored.IndexOf('$', StringComparison.Ordinal) is var at && at < 0)
        {
            return false;
        }

        var salt = Convert.FromBase64String(stored[..at]);
        var expected = Convert.FromBase64String(stored[(at + 1)..]);
        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, Iterations, HashAlgorithmName.SHA256, 32);
        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }
}
